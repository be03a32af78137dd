"""A group's members in the Group Details panel: Add Members (search, pick several, add them
all at once), removing one member, and member groups (nesting a group into this one, taking it
out)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from audit.recording import Channel
from groups import access, queries, services
from groups.forms.members import ExpiryForm, MemberGroupForm
from groups.models import Group

from .panel import details, members_tab, messages_text, render_page, tab_url


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_http_methods(["GET", "POST"])
@takes(ExpiryForm, "users", "q")
def members_add(request, org_slug, group_id):
    """The Add Members panel: search the organization's people (three characters at least),
    pick several, add them all at once."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "manage_members")
    if group.kind == Group.Kind.USERS:
        # Everyone in the organization is in its Users group already.
        messages.info(request, f"Everyone in {organization} is in {group}: there is nobody to add.")
        if not wants_partial(request):
            return redirect(tab_url(group))
        return render_page(request, organization, details(request, organization, group, "members"))
    if request.method == "POST":
        picked = request.POST.getlist("users")
        users, unknown = queries.users_by_public_ids(organization, picked)
        error = None
        expiry = ExpiryForm(request.POST)
        if not picked:
            error = "Pick at least one person to add."
        elif not expiry.is_valid():
            # The message names the field: the panel shows it above the search, not beside it.
            error = " ".join(
                f"{expiry.fields[field].label}: {message}"
                for field, messages_ in expiry.errors.items()
                for message in messages_
            )
        elif unknown:
            error = (
                f"Nothing was added: {len(unknown)} of the people picked are not in {organization}."
            )
        else:
            try:
                added = services.membership_add(
                    group=group,
                    users=users,
                    expires_at=expiry.expires_at(),
                    channel=Channel.UI,
                    actor=request.user,
                )
            except ValidationError as problem:
                error = messages_text(problem)
        if error is None:
            skipped = len(users) - len(added)
            note = (
                f" ({skipped} already a member)"
                if skipped == 1
                else (f" ({skipped} already members)" if skipped else "")
            )
            messages.success(
                request,
                f"Added {len(added)} member{'s' if len(added) != 1 else ''} to {group}{note}.",
            )
            return members_tab(request, organization, group, changed_members=True)
        messages.error(request, error)
    query = request.GET.get("q", "") if request.method == "GET" else ""
    try:
        results, too_broad = queries.users_search(organization, group, query), False
    except queries.SearchTooBroad:
        results, too_broad = [], True
    count, about = queries.member_count_estimate(group)
    context = {
        "panel": "add-members",
        "group": group,
        "search": query,
        "results": results,
        "too_broad": too_broad,
        "min_length": queries.SEARCH_MIN_LENGTH,
        "expiry_form": ExpiryForm(),
        "member_count": count,
        "member_count_about": about,
        "tab_urls": {"members": tab_url(group)},
    }
    return render_page(request, organization, context, partials=("group-panel", "search-results"))


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes()
def member_remove(request, org_slug, group_id, user_id):
    """GET: a confirmation that names the person (for browsers without JavaScript);
    POST: remove them."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "manage_members")
    membership = queries.group_members(group).filter(user__public_id=user_id).first()
    if membership is None:
        messages.info(request, "That person is not a member of this group (any more).")
        if not wants_partial(request):
            return redirect(tab_url(group))
        return render_page(request, organization, details(request, organization, group, "members"))
    person = membership.user
    if request.method == "GET":
        context = {"panel": "remove-member", "group": group, "person": person}
        return render_page(request, organization, context)
    try:
        services.membership_remove(
            group=group, users=[person], channel=Channel.UI, actor=request.user
        )
    except ValidationError as problem:
        messages.error(request, messages_text(problem))
        removed = False
    else:
        messages.success(request, f"Removed {person} from {group}.")
        removed = True
    return members_tab(request, organization, group, changed_members=removed)


# --- member groups ---------------------------------------------------------------------------


@login_required_htmx
@require_POST
@takes(MemberGroupForm, "group_q")
def member_group_add(request, org_slug, group_id):
    """Make another group a member of this one (its members become members here)."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "manage_members")
    form = MemberGroupForm(request.POST, queryset=queries.groups_addable_as_members(group, request))
    if not form.is_valid():
        messages.error(request, "Choose one of the groups offered.")
        return members_tab(request, organization, group)
    child = form.cleaned_data["child"]
    try:
        services.member_group_add(parent=group, child=child, channel=Channel.UI, actor=request.user)
    except ValidationError as problem:
        messages.error(request, messages_text(problem))
        return members_tab(request, organization, group)
    messages.success(request, f"{child} is now a member of {group}: so are its members.")
    return members_tab(request, organization, group, changed_members=True)


@login_required_htmx
@require_POST
@takes()
def member_group_remove(request, org_slug, group_id, child_id):
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "manage_members")
    link = queries.member_groups(group).filter(child__public_id=child_id).first()
    if link is None:
        messages.info(request, "That group is not a member of this group (any more).")
        return members_tab(request, organization, group)
    try:
        services.member_group_remove(
            parent=group, child=link.child, channel=Channel.UI, actor=request.user
        )
    except ValidationError as problem:
        messages.error(request, messages_text(problem))
        return members_tab(request, organization, group)
    messages.success(request, f"{link.child} is no longer a member of {group}.")
    return members_tab(request, organization, group, changed_members=True)
