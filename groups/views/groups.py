"""The Admin Center's group pages: the groups list and the Group Details panel beside it.

Every view starts with one access call (404 when the object is not visible, 403 when the action
is not allowed), renders the whole page on a normal request and the named partial on an htmx
one, and sends writes through the services.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url, trigger_client_event

from accounts.audit import Channel
from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from groups import access, explain, grants, history, queries, services
from groups.forms import (
    DeleteGroupForm,
    ExpiryForm,
    GrantForm,
    GroupForm,
    MemberGroupForm,
    PermissionSetChoiceForm,
    target_picker,
)
from groups.models import Grant, Group, PermissionSet

GROUPS_PER_PAGE = 25
MEMBERS_PER_PAGE = 25
TEMPLATE = "groups/groups.html"
TABS = ("members", "permissions", "access", "settings", "history")


def _messages_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- rendering -----------------------------------------------------------------------------


def _list_context(request, organization, *, search="", page=1):
    groups = queries.groups_for_list(request.user, organization, search, exact_counts=False)
    page_obj = queries.DeferredJoinPaginator(groups, GROUPS_PER_PAGE, key="group_ptr_id").get_page(
        page
    )
    return {
        "groups_page": page_obj,
        "group_search": search,
        "count_exact_up_to": queries.COUNT_EXACT_UP_TO,
    }


def _render(request, organization, context, *, partials=("group-panel",), status=200):
    """The whole page, or for htmx the partial the request targets (first of ``partials``
    by default)."""
    checker = context.get("access") or access.Access(request.user)
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "can_create_group": checker.can("create_group", organization),
        "can_restore_groups": checker.can("restore_groups", organization),
        "nav": "groups",
        **context,
    }
    if wants_partial(request):
        target = request.htmx.target
        partial = target if target in partials else partials[0]
        response = render(
            request, f"{TEMPLATE}#{partial}", {**context, "partial": True}, status=status
        )
    else:
        if "groups_page" not in context:
            context.update(_list_context(request, organization))
        response = render(request, TEMPLATE, context, status=status)
    return response


def _tab_url(group, tab="members"):
    names = {
        "members": "groups:group_detail",
        "permissions": "groups:group_permissions",
        "access": "groups:group_access",
        "settings": "groups:group_settings",
        "history": "groups:group_history",
    }
    return reverse(names[tab], args=[group.organization.slug, group.public_id])


MEMBER_GROUP_SELECT_UP_TO = 50  # more groups to choose from: a search instead of a select
MEMBER_GROUP_MATCHES = 20


def _member_group_picker(request, group) -> dict:
    """“Add a group as a member”: a select while the groups to choose from are few, a search
    by name (the first matches in list order) when the organization has many."""
    candidates = queries.groups_addable_as_members(group).values_list("public_id", "display_name")
    first = list(candidates[: MEMBER_GROUP_SELECT_UP_TO + 1])
    if len(first) <= MEMBER_GROUP_SELECT_UP_TO:
        return {"member_group_choices": first, "member_group_search": None}
    search = " ".join(request.GET.get("group_q", "").split()) if request.method == "GET" else ""
    matches = None
    if search and queries.NUL not in search:
        matches = list(
            candidates.filter(display_name__icontains=search)[: MEMBER_GROUP_MATCHES + 1]
        )
    return {
        "member_group_choices": None,
        "member_group_search": search,
        "member_group_matches": matches and matches[:MEMBER_GROUP_MATCHES],
        "member_group_more": matches is not None and len(matches) > MEMBER_GROUP_MATCHES,
    }


def _details(request, organization, group, tab, **extra):
    """Context of the Group Details panel on ``tab``."""
    checker = extra.pop("access", None) or access.Access(request.user)
    rights = {
        "change": checker.can("change", group),
        "delete": checker.can("delete", group) and not group.is_default,
        "manage_members": checker.can("manage_members", group) and group.kind != Group.Kind.USERS,
        "manage_permission_sets": checker.can("manage_permission_sets", organization)
        and not group.is_default,
    }
    context = {
        "panel": "details",
        "group": group,
        "tab": tab,
        "rights": rights,
        "access": checker,
        "sees_everyone": checker.sees_every_group(organization),
        "tab_urls": {name: _tab_url(group, name) for name in TABS},
    }
    context["member_count"], context["member_count_about"] = queries.member_count_estimate(group)
    if tab == "members":
        search = request.GET.get("q", "") if request.method == "GET" else ""
        members = queries.group_members(group, search)
        where = request.GET if request.method == "GET" else {}
        context["members_page"] = queries.KeysetPage(
            members,
            queries.MEMBER_ORDER,
            MEMBERS_PER_PAGE,
            after=where.get("after", ""),
            before=where.get("before", ""),
        )
        context["member_search"] = search
        context["via"] = queries.inherited_via(group, context["members_page"].object_list)
        context["member_groups"] = queries.member_groups(group)
        if rights["manage_members"]:
            context.update(_member_group_picker(request, group))
    elif tab == "access":
        context["access_items"] = explain.group_access(group)
        context["can_manage_access"] = checker.can("manage_access", organization)
        if context["can_manage_access"]:
            context["grant_form"] = extra.pop("grant_form", None) or _grant_form(organization)
            context["target_picker"] = target_picker(
                organization, request.GET.get("resource_q", "") if request.method == "GET" else ""
            )
    elif tab == "permissions":
        context["permission_links"] = queries.group_permission_sets(group)
        if rights["manage_permission_sets"]:
            available = queries.permission_sets_available(group)
            context["permission_set_form"] = extra.pop(
                "permission_set_form", PermissionSetChoiceForm(queryset=available)
            )
    elif tab == "settings":
        context["form"] = extra.pop(
            "form",
            GroupForm(
                organization=organization,
                group=group,
                initial={"display_name": group.display_name, "description": group.description},
            ),
        )
        context["delete_form"] = extra.pop("delete_form", DeleteGroupForm(group=group))
    elif tab == "history":
        context["history_page"] = extra.pop("history_page")
    context.update(extra)
    return context


def _changed(response, *events):
    for event in events:
        trigger_client_event(response, event)
    return response


# --- the list ------------------------------------------------------------------------------


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_list(request, org_slug):
    organization = access.organization_for_user(request.user, org_slug)
    search = request.GET.get("q", "")
    context = {
        "panel": None,
        **_list_context(request, organization, search=search, page=request.GET.get("page")),
    }
    return _render(request, organization, context, partials=("group-panel", "group-list"))


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes(GroupForm)
def group_create(request, org_slug):
    organization = access.organization_for_user(request.user, org_slug)
    access.require(request.user, "create_group", organization)
    # Bound on every POST, even an empty one, so that it shows its errors.
    data = request.POST if request.method == "POST" else None
    form = GroupForm(data, organization=organization)
    if request.method == "POST" and form.is_valid():
        group = services.group_create(
            organization=organization,
            display_name=form.cleaned_data["display_name"],
            description=form.cleaned_data["description"],
            channel=Channel.UI,
            actor=request.user,
        )
        messages.success(request, f"Created the group {group}. Add its members next.")
        if not wants_partial(request):
            return redirect(_tab_url(group))
        group = Group.objects.select_related("organization").get(pk=group.pk)
        response = _render(request, organization, _details(request, organization, group, "members"))
        push_url(response, _tab_url(group))
        return _changed(response, "group-changed")
    return _render(request, organization, {"panel": "new", "form": form})


# --- Group Details -------------------------------------------------------------------------


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_detail(request, org_slug, group_id):
    """The Members tab (the panel's first)."""
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    context = _details(request, organization, group, "members")
    return _render(
        request,
        organization,
        context,
        partials=("group-panel", "member-table", "member-group-choices"),
    )


@login_required_htmx
@vary_on_headers("HX-Request")
@require_GET
def group_permissions(request, org_slug, group_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    return _render(request, organization, _details(request, organization, group, "permissions"))


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes(GroupForm)
def group_settings(request, org_slug, group_id):
    organization = access.organization_for_user(request.user, org_slug)
    action = "change" if request.method == "POST" else "view"
    group = access.group_for_user(request.user, organization, group_id, action)
    if request.method == "GET":
        return _render(request, organization, _details(request, organization, group, "settings"))
    form = GroupForm(request.POST, organization=organization, group=group)
    if form.is_valid():
        fields = {"description": form.cleaned_data["description"]}
        if not group.is_default:
            fields["display_name"] = form.cleaned_data["display_name"]
        before = group.display_name
        group = services.group_update(group=group, **fields, channel=Channel.UI, actor=request.user)
        renamed = f" (renamed from {before})" if group.display_name != before else ""
        messages.success(request, f"Saved the changes to {group}{renamed}.")
        if not wants_partial(request):
            return redirect(_tab_url(group, "settings"))
        response = _render(
            request, organization, _details(request, organization, group, "settings")
        )
        return _changed(response, "group-changed")
    context = _details(request, organization, group, "settings", form=form)
    return _render(request, organization, context)


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_history(request, org_slug, group_id):
    """The History tab: every change to the group, newest first, as sentences. Whoever may
    see the group may read its history."""
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    try:
        history_page = history.page(
            history.events_of_group(group),
            older_than=request.GET.get("older", ""),
            newer_than=request.GET.get("newer", ""),
        )
    except history.BadCursor:
        messages.info(request, "That page of the history no longer exists: here are the newest.")
        history_page = history.page(history.events_of_group(group))
    context = _details(request, organization, group, "history", history_page=history_page)
    return _render(request, organization, context, partials=("group-panel", "history-list"))


@login_required_htmx
@require_POST
@takes(DeleteGroupForm)
def group_delete(request, org_slug, group_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id, "delete")
    form = DeleteGroupForm(request.POST, group=group)
    if group.is_default:
        messages.error(request, f"{group} is a default group: default groups cannot be deleted.")
        form = DeleteGroupForm(group=group)
    elif form.is_valid():
        name = group.display_name
        services.group_delete(group=group, channel=Channel.UI, actor=request.user)
        messages.success(
            request,
            f"Deleted the group {name}. An administrator can restore it from Deleted groups "
            "for 30 days.",
        )
        url = reverse("groups:group_list", args=[organization.slug])
        return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
    context = _details(request, organization, group, "settings", delete_form=form)
    return _render(request, organization, context)


# --- members -------------------------------------------------------------------------------


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_http_methods(["GET", "POST"])
@takes(ExpiryForm, "users", "q")
def members_add(request, org_slug, group_id):
    """The Add Members panel: search the organization's people (three characters at least),
    pick several, add them all at once."""
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id, "manage_members")
    if group.kind == Group.Kind.USERS:
        # Everyone in the organization is in its Users group already.
        messages.info(request, f"Everyone in {organization} is in {group}: there is nobody to add.")
        if not wants_partial(request):
            return redirect(_tab_url(group))
        return _render(request, organization, _details(request, organization, group, "members"))
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
                error = _messages_text(problem)
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
            if not wants_partial(request):
                return redirect(_tab_url(group))
            response = _render(
                request, organization, _details(request, organization, group, "members")
            )
            push_url(response, _tab_url(group))
            return _changed(response, "membership-changed")
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
        "tab_urls": {"members": _tab_url(group)},
    }
    return _render(request, organization, context, partials=("group-panel", "search-results"))


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes()
def member_remove(request, org_slug, group_id, user_id):
    """GET: a confirmation that names the person (for browsers without JavaScript);
    POST: remove them."""
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id, "manage_members")
    membership = queries.group_members(group).filter(user__public_id=user_id).first()
    if membership is None:
        messages.info(request, "That person is not a member of this group (any more).")
        if not wants_partial(request):
            return redirect(_tab_url(group))
        return _render(request, organization, _details(request, organization, group, "members"))
    person = membership.user
    if request.method == "GET":
        context = {"panel": "remove-member", "group": group, "person": person}
        return _render(request, organization, context)
    try:
        services.membership_remove(
            group=group, users=[person], channel=Channel.UI, actor=request.user
        )
    except ValidationError as problem:
        messages.error(request, _messages_text(problem))
        removed = False
    else:
        messages.success(request, f"Removed {person} from {group}.")
        removed = True
    if not wants_partial(request):
        return redirect(_tab_url(group))
    response = _render(request, organization, _details(request, organization, group, "members"))
    push_url(response, _tab_url(group))
    return _changed(response, "membership-changed") if removed else response


# --- permission sets -----------------------------------------------------------------------


@login_required_htmx
@require_POST
@takes(PermissionSetChoiceForm)
def permission_set_add(request, org_slug, group_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    access.require(request.user, "manage_permission_sets", organization)
    form = PermissionSetChoiceForm(request.POST, queryset=queries.permission_sets_available(group))
    if form.is_valid():
        permission_set = form.cleaned_data["permission_set"]
        try:
            services.group_permission_set_add(
                group=group, permission_set=permission_set, channel=Channel.UI, actor=request.user
            )
        except ValidationError as problem:
            messages.error(request, _messages_text(problem))
        else:
            messages.success(request, f"{group} now holds {permission_set}.")
    else:
        messages.error(request, "Choose one of the permission sets offered.")
    if not wants_partial(request):
        return redirect(_tab_url(group, "permissions"))
    return _render(request, organization, _details(request, organization, group, "permissions"))


@login_required_htmx
@require_POST
@takes()
def permission_set_remove(request, org_slug, group_id, set_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    access.require(request.user, "manage_permission_sets", organization)
    link = queries.group_permission_sets(group).filter(permission_set__public_id=set_id).first()
    if link is None:
        messages.info(request, "The group does not hold that permission set (any more).")
    else:
        try:
            services.group_permission_set_remove(
                group=group,
                permission_set=link.permission_set,
                channel=Channel.UI,
                actor=request.user,
            )
        except ValidationError as problem:
            messages.error(request, _messages_text(problem))
        else:
            messages.success(request, f"{group} no longer holds {link.permission_set}.")
    if not wants_partial(request):
        return redirect(_tab_url(group, "permissions"))
    return _render(request, organization, _details(request, organization, group, "permissions"))


# --- member groups ---------------------------------------------------------------------------


def _members_tab_response(request, organization, group, *, changed=False):
    if not wants_partial(request):
        return redirect(_tab_url(group))
    response = _render(request, organization, _details(request, organization, group, "members"))
    push_url(response, _tab_url(group))
    return _changed(response, "membership-changed") if changed else response


@login_required_htmx
@require_POST
@takes(MemberGroupForm, "group_q")
def member_group_add(request, org_slug, group_id):
    """Make another group a member of this one (its members become members here)."""
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id, "manage_members")
    form = MemberGroupForm(request.POST, queryset=queries.groups_addable_as_members(group))
    if not form.is_valid():
        messages.error(request, "Choose one of the groups offered.")
        return _members_tab_response(request, organization, group)
    child = form.cleaned_data["child"]
    try:
        services.member_group_add(parent=group, child=child, channel=Channel.UI, actor=request.user)
    except ValidationError as problem:
        messages.error(request, _messages_text(problem))
        return _members_tab_response(request, organization, group)
    messages.success(request, f"{child} is now a member of {group}: so are its members.")
    return _members_tab_response(request, organization, group, changed=True)


@login_required_htmx
@require_POST
@takes()
def member_group_remove(request, org_slug, group_id, child_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id, "manage_members")
    link = queries.member_groups(group).filter(child__public_id=child_id).first()
    if link is None:
        messages.info(request, "That group is not a member of this group (any more).")
        return _members_tab_response(request, organization, group)
    try:
        services.member_group_remove(
            parent=group, child=link.child, channel=Channel.UI, actor=request.user
        )
    except ValidationError as problem:
        messages.error(request, _messages_text(problem))
        return _members_tab_response(request, organization, group)
    messages.success(request, f"{link.child} is no longer a member of {group}.")
    return _members_tab_response(request, organization, group, changed=True)


# --- access (grants) -----------------------------------------------------------------------


def _grant_form(organization, data=None):
    return GrantForm(
        data,
        organization=organization,
        permission_sets=PermissionSet.objects.filter(
            Q(organization=organization) | Q(organization=None)
        ).order_by("name"),
    )


def _access_tab_response(request, organization, group, **extra):
    if not wants_partial(request):
        return redirect(_tab_url(group, "access"))
    context = _details(request, organization, group, "access", **extra)
    response = _render(request, organization, context)
    push_url(response, _tab_url(group, "access"))
    return response


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_access(request, org_slug, group_id):
    """The Access tab: what the group's members get, and (for access managers) its grants."""
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    context = _details(request, organization, group, "access")
    if (
        wants_partial(request)
        and request.htmx.target == "target-choices"
        and "grant_form" in context
    ):
        picker = {"field": context["grant_form"]["target"], "picker": context["target_picker"]}
        return render(request, "groups/_target_picker.html#target-choices", picker)
    return _render(request, organization, context)


@login_required_htmx
@require_POST
@takes(GrantForm, "resource_q")
def grant_add(request, org_slug, group_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    access.require(request.user, "manage_access", organization)
    form = _grant_form(organization, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Check the form.")
        return _access_tab_response(request, organization, group, grant_form=form)
    target = form.target_object()
    try:
        grants.grant_add(
            organization=organization,
            subject=group,
            target=target,
            permission_set=form.cleaned_data["permission_set"],
            access_types=form.cleaned_data["access"] or None,
            channel=Channel.UI,
            actor=request.user,
        )
    except ValidationError as problem:
        messages.error(request, _messages_text(problem))
    else:
        what = form.cleaned_data["permission_set"] or ", ".join(form.cleaned_data["access"])
        messages.success(request, f"Members of {group} now get {what} on {target}.")
    return _access_tab_response(request, organization, group)


@login_required_htmx
@require_POST
@takes()
def grant_remove(request, org_slug, group_id, grant_id):
    organization = access.organization_for_user(request.user, org_slug)
    group = access.group_for_user(request.user, organization, group_id)
    access.require(request.user, "manage_access", organization)
    grant = Grant.objects.filter(subject_group=group, public_id=grant_id).first()
    if grant is None:
        messages.info(request, "That grant does not exist (any more).")
    else:
        text = str(grant)
        grants.grant_delete(grant=grant, channel=Channel.UI, actor=request.user)
        messages.success(request, f"Revoked: {text}.")
    return _access_tab_response(request, organization, group)
