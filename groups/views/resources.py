"""The organization's resources and, for each, who can access it (and why)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from adminsite.htmx import login_required_htmx, wants_partial
from groups import access, explain, queries
from groups.forms.targets import ORGANIZATION_TARGET

RESOURCES_PER_PAGE = 25
FOLDER_CONTENTS_SHOWN = 100


def _organization(request, org_slug):
    """Resources are for access managers and for whoever sees every group: a 403 for others."""
    organization = access.organization_for_user(request, org_slug)
    access.require_access_reader(request, organization)
    return organization


@login_required_htmx
@require_GET
def resource_list(request, org_slug):
    organization = _organization(request, org_slug)
    search = " ".join(request.GET.get("q", "").split())
    resources = queries.resources_for_list(organization, search)
    # A page's keys from the (organization, type, key) index, then those rows with their
    # grant counts: page 4,000 costs about what page 1 does.
    page = queries.DeferredJoinPaginator(resources, RESOURCES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "resources",
        "resources_page": page,
        "resource_search": search,
        "count_exact_up_to": queries.groups.COUNT_EXACT_UP_TO,
    }
    if wants_partial(request):
        return render(request, "groups/resources.html#resource-list", context)
    return render(request, "groups/resources.html", context)


@login_required_htmx
@require_GET
def resource_detail(request, org_slug, resource_id):
    organization = _organization(request, org_slug)
    resource = access.resource_for_user(request, organization, resource_id)
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "resources",
        "resource": resource,
        "contents": queries.folder_contents(resource)[:FOLDER_CONTENTS_SHOWN],
        "contents_count": queries.folder_contents(resource).count(),
        "by_access": explain.who_can_access(resource),
        "organization_target": ORGANIZATION_TARGET,
    }
    return render(request, "groups/resource_detail.html", context)
