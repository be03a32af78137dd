"""Groups, their members and their roles (permission sets), under /t/<org>/api/v1/."""

from datetime import timedelta
from uuid import UUID

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError

from audit.recording import Channel
from groups import access, queries, services

from . import schemas
from .common import (
    DEFAULT_LIMIT,
    Limit,
    OrgSlug,
    Page,
    Search,
    decode_cursor,
    encode_cursor,
    group_detail_out,
    group_of,
    group_out,
    organization_of,
    page_params,
    paginate,
    permission_set_out,
    user_ref,
)

router = Router(tags=["groups"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}


def _cursor_position(values) -> tuple[int, str, int]:
    """``(kind order, name, pk)`` of the last group of the previous page. Anything else is a
    400 before it reaches the database (an infinite or huge number overflowed it, a NUL or a
    lone surrogate in the name made the driver fail: 500s)."""
    if len(values) == 3:
        kind_order, name, pk = values
        if (
            type(kind_order) is int
            and 0 <= kind_order <= 2
            and type(pk) is int
            and 0 < pk < 2**31
            and isinstance(name, str)
            and access.storable(name)
        ):
            return kind_order, name, pk
    raise HttpError(400, "cursor is not one this API gave out.")


@router.get("/groups", response={200: schemas.GroupPage, **ERRORS}, summary="List groups")
def groups_list(
    request,
    org_slug: OrgSlug,
    search: Search = "",
    page: Page = 1,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
):
    """The groups the caller may see, default groups first. ``page``/``limit`` pages; for
    very large lists pass the ``nextCursor`` of the previous answer as ``cursor``."""
    organization = organization_of(request, org_slug)
    # Counts stop above 10,000: a page costs the same whatever the size of its groups.
    groups = queries.groups_for_list(
        request.user, organization, search, exact_counts=False
    ).select_related("organization")
    shown = []

    def serialize(group):
        shown.append(group)
        exact = group.member_count <= queries.groups.COUNT_EXACT_UP_TO
        return group_out(group, member_count=group.member_count, exact=exact)

    if not cursor:
        result = paginate(groups, page=page, limit=limit, serialize=serialize)
        last = shown[-1:] if result["meta"]["hasNextPage"] else []
    else:
        _, limit = page_params(1, limit)
        kind_order, name, pk = _cursor_position(decode_cursor(cursor))
        total = groups.count()
        rest = groups.filter(
            Q(kind_order__gt=kind_order)
            | Q(kind_order=kind_order, display_name__gt=name)
            | Q(kind_order=kind_order, display_name=name, pk__gt=pk)
        )
        items = list(rest[: limit + 1])
        result = {
            "data": [serialize(group) for group in items[:limit]],
            "meta": {
                "total": total,
                "page": 1,
                "limit": limit,
                "totalPages": max(1, -(-total // limit)),
                "hasNextPage": len(items) > limit,
            },
        }
        last = items[limit - 1 : limit] if len(items) > limit else []
    result["meta"]["nextCursor"] = (
        encode_cursor([last[0].kind_order, last[0].display_name, last[0].pk]) if last else None
    )
    return result


@router.post("/groups", response={201: schemas.GroupDetailOut, **ERRORS}, summary="Create a group")
def groups_create(request, org_slug: OrgSlug, payload: schemas.GroupCreateIn):
    """A custom group; its slug is generated from the name when absent."""
    organization = organization_of(request, org_slug)
    group = services.group_create(
        organization=organization,
        display_name=payload.name,
        description=payload.description,
        slug=payload.slug or None,
        channel=Channel.API,
        actor=request.user,
    )
    return Status(201, group_detail_out(group))


@router.get("/groups/{group_id}", response={200: schemas.GroupDetailOut, **ERRORS})
def groups_get(request, org_slug: OrgSlug, group_id: UUID):
    _, group = group_of(request, org_slug, group_id)
    return group_detail_out(group)


def _update(request, org_slug, group_id, fields):
    _, group = group_of(request, org_slug, group_id)
    group = services.group_update(group=group, **fields, channel=Channel.API, actor=request.user)
    return group_detail_out(group)


@router.put("/groups/{group_id}", response={200: schemas.GroupDetailOut, **ERRORS})
def groups_update(request, org_slug: OrgSlug, group_id: UUID, payload: schemas.GroupUpdateIn):
    """Replace the name and description (and the slug when given)."""
    fields = {"display_name": payload.name, "description": payload.description}
    if payload.slug is not None:
        fields["slug"] = payload.slug
    return _update(request, org_slug, group_id, fields)


@router.patch("/groups/{group_id}", response={200: schemas.GroupDetailOut, **ERRORS})
def groups_patch(request, org_slug: OrgSlug, group_id: UUID, payload: schemas.GroupPatchIn):
    """Change only the fields given."""
    names = {"name": "display_name", "slug": "slug", "description": "description"}
    given = payload.model_dump(exclude_unset=True)
    fields = {names[key]: value for key, value in given.items() if value is not None}
    return _update(request, org_slug, group_id, fields)


@router.delete("/groups/{group_id}", response={204: None, **ERRORS})
def groups_delete(request, org_slug: OrgSlug, group_id: UUID):
    """Delete a custom group; default groups answer 409."""
    _, group = group_of(request, org_slug, group_id, "delete")
    services.group_delete(group=group, channel=Channel.API, actor=request.user)
    return Status(204, None)


# --- members -------------------------------------------------------------------------------


def member_out(membership) -> dict:
    added_by = membership.added_by
    return {
        "user": user_ref(membership.user),
        "addedAt": membership.added_at,
        "addedBy": {"id": added_by.public_id, "name": added_by.display_name} if added_by else None,
        "expiresAt": membership.expires_at,
    }


@router.get("/groups/{group_id}/members", response={200: schemas.InheritedMemberPage, **ERRORS})
def members_list(
    request,
    org_slug: OrgSlug,
    group_id: UUID,
    search: Search = "",
    page: Page = 1,
    limit: Limit = DEFAULT_LIMIT,
):
    """Direct members and those inherited through member groups (``via`` names the member
    groups they come through)."""
    _, group = group_of(request, org_slug, group_id)
    members = queries.group_members(group, search)
    result = paginate(members, page=page, limit=limit, serialize=lambda membership: membership)
    # One query for the whole page, not one per inherited member.
    via = queries.inherited_via(group, result["data"])
    result["data"] = [
        {**member_out(m), "direct": m.direct, "via": via.get(m.user_id, []) if not m.direct else []}
        for m in result["data"]
    ]
    return result


@router.post(
    "/groups/{group_id}/members",
    response={200: schemas.MembersAddOut, 201: schemas.MembersAddOut, **ERRORS},
    summary="Add one member (userId) or several (userIds), all or nothing",
)
def members_add(request, org_slug: OrgSlug, group_id: UUID, payload: schemas.MembersAddIn):
    organization, group = group_of(request, org_slug, group_id, "manage_members")
    if (payload.userId is None) == (payload.userIds is None):
        raise HttpError(400, "Give either userId or userIds.")
    wanted = [payload.userId] if payload.userId is not None else payload.userIds
    if not wanted:
        raise HttpError(400, "userIds is empty: name at least one user.")
    users, unknown = queries.users_by_public_ids(organization, wanted)
    if unknown:
        raise Http404(f"No such users in {organization}: {', '.join(unknown)}.")
    if payload.expiresAt is not None and payload.expiresInDays is not None:
        raise HttpError(400, "Give expiresAt or expiresInDays, not both.")
    expires_at = payload.expiresAt
    if payload.expiresInDays is not None:
        expires_at = timezone.now() + timedelta(days=payload.expiresInDays)
    if expires_at is not None and timezone.is_naive(expires_at):
        raise HttpError(400, "expiresAt needs a time zone (e.g. 2026-12-01T09:00:00Z).")
    added = services.membership_add(
        group=group, users=users, expires_at=expires_at, channel=Channel.API, actor=request.user
    )
    body = {
        "added": [user_ref(user) for user in added],
        "alreadyMembers": [user_ref(user) for user in users if user not in added],
    }
    return Status(201 if added else 200, body)


@router.delete("/groups/{group_id}/members/{user_id}", response={204: None, **ERRORS})
def members_remove(request, org_slug: OrgSlug, group_id: UUID, user_id: UUID):
    """Remove a member; removing someone who is not a member is a no-op. A member who is
    only inherited (through a member group) cannot be removed here: a 409 names the groups."""
    organization, group = group_of(request, org_slug, group_id, "manage_members")
    user = access.person_for_user(request, organization, user_id)
    services.membership_remove(group=group, users=[user], channel=Channel.API, actor=request.user)
    return Status(204, None)


# --- roles (permission sets) ------------------------------------------------------------------


@router.get("/groups/{group_id}/roles", response={200: list[schemas.PermissionSetOut], **ERRORS})
def roles_list(request, org_slug: OrgSlug, group_id: UUID):
    _, group = group_of(request, org_slug, group_id)
    links = queries.group_permission_sets(group).prefetch_related("permission_set__permissions")
    return [permission_set_out(link.permission_set) for link in links]


@router.post(
    "/groups/{group_id}/roles",
    response={200: list[schemas.PermissionSetOut], 201: list[schemas.PermissionSetOut], **ERRORS},
    summary="Give the group a permission set (roleId)",
)
def roles_add(request, org_slug: OrgSlug, group_id: UUID, payload: schemas.RoleAddIn):
    organization, group = group_of(request, org_slug, group_id)
    access.require(request.user, "manage_permission_sets", organization)
    permission_set = access.permission_set_for_user(request, organization, payload.roleId)
    added = services.group_permission_set_add(
        group=group, permission_set=permission_set, channel=Channel.API, actor=request.user
    )
    return Status(201 if added else 200, roles_list(request, org_slug, group_id))


@router.put(
    "/groups/{group_id}/roles",
    response={200: list[schemas.PermissionSetOut], **ERRORS},
    summary="Replace the group's permission sets (an empty list removes them all)",
)
def roles_replace(request, org_slug: OrgSlug, group_id: UUID, payload: schemas.RolesReplaceIn):
    organization, group = group_of(request, org_slug, group_id)
    access.require(request.user, "manage_permission_sets", organization)
    wanted = [
        access.permission_set_for_user(request, organization, set_id)
        for set_id in dict.fromkeys(payload.roles)
    ]
    services.group_permission_sets_set(
        group=group, permission_sets=wanted, channel=Channel.API, actor=request.user
    )
    return roles_list(request, org_slug, group_id)


@router.delete("/groups/{group_id}/roles/{role_id}", response={204: None, **ERRORS})
def roles_remove(request, org_slug: OrgSlug, group_id: UUID, role_id: UUID):
    organization, group = group_of(request, org_slug, group_id)
    access.require(request.user, "manage_permission_sets", organization)
    permission_set = access.permission_set_for_user(request, organization, role_id)
    services.group_permission_set_remove(
        group=group, permission_set=permission_set, channel=Channel.API, actor=request.user
    )
    return Status(204, None)
