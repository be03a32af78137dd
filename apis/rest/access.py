"""Access questions, under /t/<org>/api/v1/: can a user do an access type on a resource
(``access/check``), why (``access/explain``), and what a group's members or a user can access."""

from typing import Annotated
from uuid import UUID

from ninja import Query, Router

from apis.common.lookups import resource_in_organization
from groups import access, explain
from groups.models import ACCESS_TYPES

from . import schemas
from .common import (
    DEFAULT_LIMIT,
    Limit,
    OrgSlug,
    Page,
    grant_out,
    group_of,
    group_ref,
    organization_of,
    paginate,
)

router = Router(tags=["access"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}
AccessParam = Annotated[
    schemas.AccessType,
    Query(alias="access", description=f"One access type: {', '.join(ACCESS_TYPES)}."),
]
UserParam = Annotated[UUID, Query(alias="userId", description="The user asked about.")]
ResourceParam = Annotated[
    UUID | None,
    Query(alias="resourceId", description="The resource; without it, the organization."),
]


def _question(request, org_slug, user_id, resource_id):
    organization = organization_of(request, org_slug)
    person = access.person_for_user(request, organization, user_id, "view_access")
    # Anyone who may ask may name the resource they ask about.
    target = resource_in_organization(organization, resource_id) if resource_id else organization
    return person, target


@router.get("/access/check", response={200: schemas.AccessCheckOut, **ERRORS})
def access_check(
    request,
    org_slug: OrgSlug,
    user_id: UserParam,
    access_type: AccessParam,
    resource_id: ResourceParam = None,
):
    """Can this user do ``access`` on this resource (without ``resourceId``: on the
    organization)? Ask about yourself, or about anyone if you see every group."""
    person, target = _question(request, org_slug, user_id, resource_id)
    return {"allowed": explain.can(person, access_type, target)}


@router.get("/access/explain", response={200: schemas.AccessExplainOut, **ERRORS})
def access_explain(
    request,
    org_slug: OrgSlug,
    user_id: UserParam,
    access_type: AccessParam,
    resource_id: ResourceParam = None,
):
    """Why: every path that gives the user ``access`` on the target, each with what would cut
    it. No path: the user cannot."""
    person, target = _question(request, org_slug, user_id, resource_id)
    paths = explain.explain(person, access_type, target)
    return {
        "allowed": explain.can(person, access_type, target),
        "paths": [
            {
                "steps": [
                    {"kind": step.kind, "name": step.name, "id": step.id or None}
                    for step in path.steps
                ],
                "removableBy": list(path.removable_by),
            }
            for path in paths
        ],
    }


@router.get("/groups/{group_id}/access", response={200: schemas.GroupAccessPage, **ERRORS})
def group_access(
    request, org_slug: OrgSlug, group_id: UUID, page: Page = 1, limit: Limit = DEFAULT_LIMIT
):
    """What the group's members get: its grants and those of every group it is nested in."""
    _, group = group_of(request, org_slug, group_id)
    items = explain.group_access(group)
    return paginate(
        items,
        page=page,
        limit=limit,
        total=len(items),
        serialize=lambda item: {
            "grant": grant_out(item["grant"], item["access"]),
            "access": item["access"],
            "inheritedFrom": group_ref(item["inherited_from"]) if item["inherited_from"] else None,
        },
    )


@router.get("/users/{user_id}/access", response={200: schemas.UserAccessPage, **ERRORS})
def user_access(
    request, org_slug: OrgSlug, user_id: UUID, page: Page = 1, limit: Limit = DEFAULT_LIMIT
):
    """What the user can access: their own grants and their groups'. Their own, or anyone's
    for those who see every group."""
    organization = organization_of(request, org_slug)
    person = access.person_for_user(request, organization, user_id, "view_access")
    items = explain.user_access(person, organization)
    return paginate(
        items,
        page=page,
        limit=limit,
        total=len(items),
        serialize=lambda item: {
            "grant": grant_out(item["grant"], item["access"]),
            "access": item["access"],
        },
    )
