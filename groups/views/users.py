"""A person's page: their groups (direct and inherited), what they can access, and why."""

from django.contrib import messages
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from adminsite.htmx import login_required_htmx
from audit import history
from groups import access, explain, queries
from groups.forms.targets import CheckAccessForm, target_picker


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def user_detail(request, org_slug, user_id):
    """For the person and for whoever sees every group (administrators, Read only): 403 for
    others of the organization; the groups listed are those the viewer may see."""
    organization = access.organization_for_user(request, org_slug)
    person = access.person_for_user(request, organization, user_id, "view_access")
    checker = access.for_request(request)
    form = CheckAccessForm(
        request.GET if "access" in request.GET else None, organization=organization
    )
    picker = target_picker(organization, request.GET.get("resource_q", ""))
    if request.htmx and request.htmx.target == "target-choices":
        field = form["target"]
        return render(
            request, "groups/_target_picker.html#target-choices", {"field": field, "picker": picker}
        )
    verdict = None
    if form.is_bound and form.is_valid():
        target = form.target_object()
        access_type = form.cleaned_data["access"]
        verdict = {
            "target": target,
            "access": access_type,
            "allowed": explain.can(person, access_type, target),
            "paths": explain.explain(person, access_type, target),
        }
    memberships = queries.user_groups(person, organization)
    if not checker.sees_every_group(organization):
        visible = access.groups_visible_to(request, organization).values("pk")
        memberships = memberships.filter(group_id__in=visible)
    context = {
        "history_page": _history(request, person, organization, checker),
        "can_read_audit_log": checker.can("view_audit_log", organization),
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "groups",
        "person": person,
        "memberships": memberships,
        # Only the organizations the viewer shares with the person: the others are not theirs to
        # know about (an administrator of Globex learned that Dee is in Acme too).
        "person_organizations": queries.organizations_of(person).filter(
            pk__in=queries.organizations_of(request.user).values("pk")
        ),
        "access_items": explain.user_access(person, organization),
        "form": form,
        "target_picker": picker,
        "verdict": verdict,
    }
    return render(request, "groups/user_detail.html", context)


USER_HISTORY_SIZE = 20


def _history(request, person, organization, checker):
    """Changes to the person in this organization, for viewers who see every group (the
    person alone sees their page but not the history of groups they cannot see)."""
    if not checker.sees_every_group(organization):
        return None
    events = history.events_of_user(person, organization)
    try:
        return history.page(
            events,
            older_than=request.GET.get("older", ""),
            newer_than=request.GET.get("newer", ""),
            size=USER_HISTORY_SIZE,
        )
    except history.BadCursor:
        messages.info(request, "That page of the history no longer exists: here are the newest.")
        return history.page(events, size=USER_HISTORY_SIZE)
