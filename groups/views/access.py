"""The Access tab of the Group Details panel: what the group's members get, and why; for
access managers, the group's grants with Add and Revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from audit.recording import Channel
from groups import access, queries
from groups.forms.targets import GrantForm
from groups.services import grants

from .panel import details, grant_form, messages_text, render_page, tab_url


def _access_tab_response(request, organization, group, **extra):
    if not wants_partial(request):
        return redirect(tab_url(group, "access"))
    context = details(request, organization, group, "access", **extra)
    response = render_page(request, organization, context)
    push_url(response, tab_url(group, "access"))
    return response


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_access(request, org_slug, group_id):
    """The Access tab: what the group's members get, and (for access managers) its grants."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    context = details(request, organization, group, "access")
    if (
        wants_partial(request)
        and request.htmx.target == "target-choices"
        and "grant_form" in context
    ):
        picker = {"field": context["grant_form"]["target"], "picker": context["target_picker"]}
        return render(request, "groups/_target_picker.html#target-choices", picker)
    return render_page(request, organization, context)


@login_required_htmx
@require_POST
@takes(GrantForm, "resource_q")
def grant_add(request, org_slug, group_id):
    organization = access.organization_for_user(request, org_slug)
    # As over the APIs: access managers only (403), to a group they can see (404).
    access.require(request, "manage_access", organization)
    group = access.group_for_user(request, organization, group_id)
    form = grant_form(organization, request.POST)
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
        messages.error(request, messages_text(problem))
    else:
        what = form.cleaned_data["permission_set"] or ", ".join(form.cleaned_data["access"])
        messages.success(request, f"Members of {group} now get {what} on {target}.")
    return _access_tab_response(request, organization, group)


@login_required_htmx
@require_POST
@takes()
def grant_remove(request, org_slug, group_id, grant_id):
    organization = access.organization_for_user(request, org_slug)
    access.require(request, "manage_access", organization)
    group = access.group_for_user(request, organization, group_id)
    grant = queries.grant_of_group(group, grant_id)
    if grant is None:
        messages.info(request, "That grant does not exist (any more).")
    else:
        text = str(grant)
        grants.grant_delete(grant=grant, channel=Channel.UI, actor=request.user)
        messages.success(request, f"Revoked: {text}.")
    return _access_tab_response(request, organization, group)
