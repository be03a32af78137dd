"""Grants, under /t/<org>/api/v1/grants: list, give (access types or a permission set, on the
organization or a resource), revoke."""

from typing import Annotated
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from ninja import Query, Router, Status
from ninja.errors import HttpError

from apis.common.lookups import (
    resource_in_organization,
)
from audit.recording import Channel
from groups import access, queries
from groups.models import ACCESS_TYPES, access_codename
from groups.services import grants

from . import schemas
from .common import DEFAULT_LIMIT, Limit, OrgSlug, Page, grant_out, organization_of, paginate

router = Router(tags=["access"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}
OnResourceParam = Annotated[
    UUID | None, Query(alias="resourceId", description="Grants made on this resource itself.")
]
SubjectParam = Annotated[
    UUID | None, Query(alias="subjectId", description="A user's or a group's id.")
]


def _access_of(grant) -> list[str]:
    """The access types a grant gives (a permission set's from its prefetched permissions)."""
    if not grant.permission_set_id:
        return list(grant.access_types)
    codenames = {p.codename for p in grant.permission_set.permissions.all()}
    return [t for t in ACCESS_TYPES if access_codename(t) in codenames]


@router.get("/grants", response={200: schemas.GrantPage, **ERRORS})
def grants_list(
    request,
    org_slug: OrgSlug,
    subject_id: SubjectParam = None,
    resource_id: OnResourceParam = None,
    page: Page = 1,
    limit: Limit = DEFAULT_LIMIT,
):
    """The organization's grants; ``subjectId`` (a user's or a group's id) and ``resourceId``
    narrow them (only the grants made on that resource itself)."""
    organization = organization_of(request, org_slug)
    access.require_access_reader(request, organization)
    found = queries.grants_of(organization)
    if subject_id is not None:
        found = found.filter(
            Q(subject_user__public_id=subject_id) | Q(subject_group__public_id=subject_id)
        )
    if resource_id is not None:
        found = found.filter(resource__public_id=resource_id)
    found = found.order_by("created_at", "pk")
    return paginate(
        found, page=page, limit=limit, serialize=lambda grant: grant_out(grant, _access_of(grant))
    )


def _subject(request, organization, subject: schemas.SubjectIn):
    """A group the caller can see, or a person of the organization: nobody hands out to what
    they cannot see (404, as for an unknown one)."""
    if subject.type == "group":
        return access.group_for_user(request, organization, subject.id)
    return access.person_for_user(request, organization, subject.id)


def _target(organization, target: schemas.TargetIn):
    if target.type == "organization":
        if target.id is not None and target.id != organization.public_id:
            raise Http404("No such organization.")
        return organization
    if target.id is None:
        raise ValidationError({"target": "A resource target needs its id."})
    return resource_in_organization(organization, target.id)


@router.post("/grants", response={201: schemas.GrantOut, **ERRORS})
def grants_create(request, org_slug: OrgSlug, payload: schemas.GrantCreateIn):
    """Give a user or a group access types (merged into what its grant on that target already
    gives) or a permission set, on the organization or a resource (a folder: everything inside
    it, present and future)."""
    organization = organization_of(request, org_slug)
    access.require(request, "manage_access", organization)
    if (payload.access is None) == (payload.permissionSetId is None):
        raise HttpError(400, "Give either access or permissionSetId.")
    subject = _subject(request, organization, payload.subject)
    target = _target(organization, payload.target)
    permission_set = (
        access.permission_set_for_user(request, organization, payload.permissionSetId)
        if payload.permissionSetId
        else None
    )
    grant = grants.grant_add(
        organization=organization,
        subject=subject,
        target=target,
        permission_set=permission_set,
        access_types=payload.access,
        channel=Channel.API,
        actor=request.user,
    )
    grant = queries.grants_of(organization).get(pk=grant.pk)
    return Status(201, grant_out(grant, _access_of(grant)))


@router.delete("/grants/{grant_id}", response={204: None, **ERRORS})
def grants_delete(request, org_slug: OrgSlug, grant_id: UUID):
    """Revoke a grant; access the subject has another way stays."""
    organization = organization_of(request, org_slug)
    access.require(request, "manage_access", organization)
    grant = access.grant_for_user(request, organization, grant_id)
    grants.grant_delete(grant=grant, channel=Channel.API, actor=request.user)
    return Status(204, None)
