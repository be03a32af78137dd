"""Bulk membership over the API: add the people of a list of emails to a group, with a dry run
that returns the preview (the same service as the Admin Center's "paste a list")."""

from typing import Annotated
from uuid import UUID

from django.db import transaction
from ninja import Field, Router, Schema, Status

from audit.recording import Channel
from groups import access, bulk, services

from . import schemas
from .common import OrgSlug, organization_of, user_ref

router = Router(tags=["groups"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}

Email = Annotated[str, Field(max_length=320)]


class MembersBatchIn(schemas.Strict):
    emails: list[Email] = Field(max_length=bulk.MAX_ENTRIES, description="Up to 10,000.")
    dryRun: bool = Field(default=False, description="Return the preview; change nothing.")


class MembersBatchOut(Schema):
    dryRun: bool
    added: list[schemas.UserRef] = Field(description="Added (or, in a dry run, to be added).")
    alreadyMembers: list[schemas.UserRef]
    deactivated: list[schemas.UserRef]
    notInOrganization: list[str] = Field(
        description="Always empty: emails nobody of the organization has are all in unknown "
        "(whether an account elsewhere uses one is not said)."
    )
    unknown: list[str] = Field(description="Emails nobody of the organization has.")
    duplicates: list[str]
    invalid: list[str]


@router.post(
    "/groups/{group_id}/members/batch",
    response={200: MembersBatchOut, 201: MembersBatchOut, **ERRORS},
    summary="Add the people of a list of emails, all or nothing (dryRun: preview only)",
)
def members_batch_add(request, org_slug: OrgSlug, group_id: UUID, payload: MembersBatchIn):
    """Everyone the list names who is an active member of the organization and not yet a
    direct member is added, all at once; the others are returned, each in its category
    (unknown, deactivated, alreadyMembers, duplicates, invalid; notInOrganization stays empty).
    One audit event per member added, plus one ``membership.batch_added``."""
    organization = organization_of(request, org_slug)
    group = access.group_for_user(request.user, organization, group_id, "manage_members")
    emails = bulk.EmailList.from_tokens(email.strip() for email in payload.emails if email.strip())
    with transaction.atomic():
        result = services.membership_add_batch(
            group=group, emails=emails, source="api", channel=Channel.API, actor=request.user
        )
        if payload.dryRun:
            transaction.set_rollback(True)
    body = {
        "dryRun": payload.dryRun,
        "added": [user_ref(user) for user in result.to_add],
        "alreadyMembers": [user_ref(user) for user in result.already],
        "deactivated": [user_ref(user) for user in result.inactive],
        "notInOrganization": [],
        "unknown": result.unknown,
        "duplicates": emails.duplicates,
        "invalid": emails.invalid,
    }
    return Status(201 if result.to_add and not payload.dryRun else 200, body)
