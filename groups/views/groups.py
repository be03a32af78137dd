"""The Admin Center's group pages: the groups list, New group, and the Group Details panel
beside it (its Members tab, Settings and Delete).

Every view starts with one access call (404 when the object is not visible, 403 when the action
is not allowed), renders the whole page on a normal request and the named partial on an htmx
one, and sends writes through the services.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from audit.recording import Channel
from groups import access, services
from groups.forms.groups import DeleteGroupForm, GroupForm

from .panel import changed, details, list_context, render_page, tab_url

# --- the list ------------------------------------------------------------------------------


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_list(request, org_slug):
    organization = access.organization_for_user(request, org_slug)
    search = request.GET.get("q", "")
    context = {
        "panel": None,
        **list_context(request, organization, search=search, page=request.GET.get("page")),
    }
    return render_page(request, organization, context, partials=("group-panel", "group-list"))


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes(GroupForm)
def group_create(request, org_slug):
    organization = access.organization_for_user(request, org_slug)
    access.require(request, "create_group", organization)
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
            return redirect(tab_url(group))
        response = render_page(
            request, organization, details(request, organization, group, "members")
        )
        push_url(response, tab_url(group))
        return changed(response, "group-changed")
    return render_page(request, organization, {"panel": "new", "form": form})


# --- Group Details -------------------------------------------------------------------------


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_detail(request, org_slug, group_id):
    """The Members tab (the panel's first)."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    context = details(request, organization, group, "members")
    return render_page(
        request,
        organization,
        context,
        partials=("group-panel", "member-table", "member-group-choices"),
    )


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes(GroupForm)
def group_settings(request, org_slug, group_id):
    organization = access.organization_for_user(request, org_slug)
    action = "change" if request.method == "POST" else "view"
    group = access.group_for_user(request, organization, group_id, action)
    if request.method == "GET":
        return render_page(request, organization, details(request, organization, group, "settings"))
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
            return redirect(tab_url(group, "settings"))
        response = render_page(
            request, organization, details(request, organization, group, "settings")
        )
        return changed(response, "group-changed")
    context = details(request, organization, group, "settings", form=form)
    return render_page(request, organization, context)


@login_required_htmx
@require_POST
@takes(DeleteGroupForm)
def group_delete(request, org_slug, group_id):
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "delete")
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
    context = details(request, organization, group, "settings", delete_form=form)
    return render_page(request, organization, context)
