"""Deleted groups and restoring them, under /t/<org>/api/v1/deleted-groups.

The same rules as the Admin Center's Deleted groups page: ``delete_groups`` on the organization
(else 403); a deleted group of another organization is a 404.
"""

import json
from datetime import datetime
from uuid import UUID

from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from audit.recording import Channel
from groups import access
from groups.services import trash

from . import schemas
from .common import (
    DEFAULT_LIMIT,
    Limit,
    OrgSlug,
    Page,
    group_detail_out,
    organization_of,
    paginate,
    user_ref,
)

router = Router(tags=["deleted groups"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}


class DeletedGroupOut(Schema):
    id: UUID
    name: str
    slug: str
    description: str
    memberCount: int
    deletedAt: datetime
    deletedBy: schemas.UserRef | None
    deletedByName: str
    purgeAfter: datetime
    daysLeft: int


class DeletedGroupPage(Schema):
    data: list[DeletedGroupOut]
    meta: schemas.Meta


class RestoreCounts(Schema):
    members: int
    memberGroups: int
    parentGroups: int
    permissionSets: int
    grants: int
    rights: int


class DeletedGroupDetailOut(DeletedGroupOut):
    restoreAs: str = Field(description="The name it would come back under now.")
    wouldRestore: RestoreCounts
    notRestorable: list[str] = Field(description="What cannot come back, and why.")


class RestoreIn(schemas.Strict):
    name: str | None = Field(
        default=None,
        max_length=10_000,
        description="Restore under this name; default: its own, or “Name (restored)” if taken.",
    )


class RestoredOut(Schema):
    group: schemas.GroupDetailOut
    restored: RestoreCounts
    notRestored: list[str]


def _out(deleted) -> dict:
    return {
        "id": deleted.public_id,
        "name": deleted.display_name,
        "slug": deleted.slug,
        "description": deleted.description,
        "memberCount": deleted.member_count,
        "deletedAt": deleted.deleted_at,
        "deletedBy": user_ref(deleted.deleted_by) if deleted.deleted_by else None,
        "deletedByName": deleted.deleted_by_name,
        "purgeAfter": deleted.purge_after,
        "daysLeft": deleted.days_left,
    }


def _counts(plan) -> dict:
    counts = plan.counts
    return {
        "members": counts["members"],
        "memberGroups": counts["member_groups"],
        "parentGroups": counts["parent_groups"],
        "permissionSets": counts["permission_sets"],
        "grants": counts["grants"],
        "rights": counts["rights"],
    }


def _deleted(request, org_slug, deleted_id):
    organization = organization_of(request, org_slug)
    return access.deleted_group_for_user(request.user, organization, deleted_id)


@router.get(
    "/deleted-groups",
    response={200: DeletedGroupPage, **ERRORS},
    summary="List deleted groups",
)
def deleted_groups_list(request, org_slug: OrgSlug, page: Page = 1, limit: Limit = DEFAULT_LIMIT):
    """Custom groups deleted in the last 30 days, newest first: they can be restored."""
    organization = organization_of(request, org_slug)
    access.require(request.user, "restore_groups", organization)
    return paginate(trash.deleted_groups_of(organization), page=page, limit=limit, serialize=_out)


@router.get("/deleted-groups/{deleted_id}", response={200: DeletedGroupDetailOut, **ERRORS})
def deleted_groups_get(request, org_slug: OrgSlug, deleted_id: UUID):
    """A deleted group, and what restoring it now would bring back and leave out."""
    deleted = _deleted(request, org_slug, deleted_id)
    plan = trash.restore_plan(deleted=deleted, actor=request.user)
    return {
        **_out(deleted),
        "restoreAs": plan.display_name,
        "wouldRestore": _counts(plan),
        "notRestorable": plan.skipped,
    }


def _restore_body(request) -> RestoreIn:
    """The body is optional (an empty POST restores under the old name), which Django Ninja's
    body parameters cannot express: it is read here, with the same 400s."""
    if request.content_type != "application/json":
        if request.body.strip() and (request.POST or request.FILES):
            raise HttpError(400, 'Send the body as JSON: {"name": "…"}.')
        return RestoreIn()
    if not request.body.strip():
        return RestoreIn()
    try:
        return RestoreIn.model_validate(json.loads(request.body))
    except ValueError as error:
        # pydantic's ValidationError is a ValueError too (unknown field, wrong type).
        raise HttpError(400, f"The request body is not valid: {error}") from error


@router.post(
    "/deleted-groups/{deleted_id}/restore",
    response={201: RestoredOut, **ERRORS},
    summary="Restore a deleted group",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": RestoreIn.model_json_schema()}},
        }
    },
)
def deleted_groups_restore(request, org_slug: OrgSlug, deleted_id: UUID):
    """Bring the group back under its id, with its members (those still in the organization),
    member and parent groups (those that still exist and make no cycle), permission sets,
    grants (on resources that still exist) and rights; ``notRestored`` says what could not.
    Body (optional): ``{"name": "…"}`` to restore under another name."""
    deleted = _deleted(request, org_slug, deleted_id)
    payload = _restore_body(request)
    result = trash.group_restore(
        deleted=deleted,
        display_name=payload.name,
        channel=Channel.API,
        actor=request.user,
    )
    return Status(
        201,
        {
            "group": group_detail_out(result.group),
            "restored": _counts(result.plan),
            "notRestored": result.plan.skipped,
        },
    )
