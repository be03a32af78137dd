"""The organization's resources and, for each, who can access it (and why)."""

from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from adminsite.htmx import login_required_htmx

from . import access, explain, queries
from .forms import ORGANIZATION_TARGET
from .models import Resource


def _organization(request, org_slug):
    organization = access.organization_for_user(request.user, org_slug)
    checker = access.Access(request.user)
    if not (checker.can("manage_access", organization) or checker.sees_every_group(organization)):
        raise Http404("No such page.")
    return organization


@login_required_htmx
@require_GET
def resource_list(request, org_slug):
    organization = _organization(request, org_slug)
    resources = queries.resources_of(organization).annotate(grant_count=Count("grants"))
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "resources",
        "resources": resources,
    }
    return render(request, "groups/resources.html", context)


@login_required_htmx
@require_GET
def resource_detail(request, org_slug, resource_id):
    organization = _organization(request, org_slug)
    resource = (
        Resource.objects.select_related("folder", "organization")
        .filter(organization=organization, public_id=resource_id)
        .first()
    )
    if resource is None:
        raise Http404("No such resource.")
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "resources",
        "resource": resource,
        "contents": resource.contents.all(),
        "by_access": explain.who_can_access(resource),
        "organization_target": ORGANIZATION_TARGET,
    }
    return render(request, "groups/resource_detail.html", context)
