"""The Permissions tab of the Group Details panel: the permission sets the group holds, and
(for those who manage permission sets) adding and removing one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from audit.recording import Channel
from groups import access, queries, services
from groups.forms.groups import PermissionSetChoiceForm

from .panel import details, messages_text, render_page, tab_url


@login_required_htmx
@vary_on_headers("HX-Request")
@require_GET
def group_permissions(request, org_slug, group_id):
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    return render_page(request, organization, details(request, organization, group, "permissions"))


@login_required_htmx
@require_POST
@takes(PermissionSetChoiceForm)
def permission_set_add(request, org_slug, group_id):
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    access.require(request, "manage_permission_sets", organization)
    form = PermissionSetChoiceForm(request.POST, queryset=queries.permission_sets_available(group))
    if form.is_valid():
        permission_set = form.cleaned_data["permission_set"]
        try:
            services.group_permission_set_add(
                group=group, permission_set=permission_set, channel=Channel.UI, actor=request.user
            )
        except ValidationError as problem:
            messages.error(request, messages_text(problem))
        else:
            messages.success(request, f"{group} now holds {permission_set}.")
    else:
        messages.error(request, "Choose one of the permission sets offered.")
    if not wants_partial(request):
        return redirect(tab_url(group, "permissions"))
    return render_page(request, organization, details(request, organization, group, "permissions"))


@login_required_htmx
@require_POST
@takes()
def permission_set_remove(request, org_slug, group_id, set_id):
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    access.require(request, "manage_permission_sets", organization)
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
            messages.error(request, messages_text(problem))
        else:
            messages.success(request, f"{group} no longer holds {link.permission_set}.")
    if not wants_partial(request):
        return redirect(tab_url(group, "permissions"))
    return render_page(request, organization, details(request, organization, group, "permissions"))
