"""Member groups (nesting) of a group, under /t/<org>/api/v1/groups/<id>/member-groups."""

from uuid import UUID

from ninja import Router, Status
from ninja.errors import HttpError

from apis.common.lookups import group_in_organization
from audit.recording import Channel
from groups import access, queries, services

from . import schemas
from .common import DEFAULT_LIMIT, Limit, OrgSlug, Page, group_of, group_ref, paginate

router = Router(tags=["access"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}


@router.get("/groups/{group_id}/member-groups", response={200: schemas.MemberGroupPage, **ERRORS})
def member_groups_list(
    request, org_slug: OrgSlug, group_id: UUID, page: Page = 1, limit: Limit = DEFAULT_LIMIT
):
    """The groups that are members of this group, with their (effective) member counts."""
    _, group = group_of(request, org_slug, group_id)
    links = queries.member_groups(group)
    return paginate(
        links,
        page=page,
        limit=limit,
        serialize=lambda link: {**group_ref(link.child), "memberCount": link.member_count},
    )


@router.post(
    "/groups/{group_id}/member-groups",
    response={200: schemas.MemberGroupsAddOut, 201: schemas.MemberGroupsAddOut, **ERRORS},
    summary="Nest one group (groupId) or several (groupIds), all or nothing",
)
def member_groups_add(
    request, org_slug: OrgSlug, group_id: UUID, payload: schemas.MemberGroupsAddIn
):
    """Every member of a member group becomes a member of this group. A cycle is a 409 naming
    its path."""
    organization, group = group_of(request, org_slug, group_id, "manage_members")
    if (payload.groupId is None) == (payload.groupIds is None):
        raise HttpError(400, "Give either groupId or groupIds.")
    wanted = list(dict.fromkeys([payload.groupId] if payload.groupId else payload.groupIds))
    if not wanted:
        raise HttpError(400, "groupIds is empty: name at least one group.")
    children = access.groups_for_user(request, organization, wanted)
    added = services.member_groups_add(
        parent=group, children=children, channel=Channel.API, actor=request.user
    )
    body = {
        "added": [group_ref(child) for child in added],
        "alreadyMembers": [group_ref(child) for child in children if child not in added],
    }
    return Status(201 if added else 200, body)


@router.delete("/groups/{group_id}/member-groups/{child_id}", response={204: None, **ERRORS})
def member_groups_remove(request, org_slug: OrgSlug, group_id: UUID, child_id: UUID):
    """Take a member group out; its members keep only the access they have otherwise. Taking
    out a group that is not a member group is a no-op."""
    organization, group = group_of(request, org_slug, group_id, "manage_members")
    child = group_in_organization(organization, child_id)
    services.member_group_remove(parent=group, child=child, channel=Channel.API, actor=request.user)
    return Status(204, None)
