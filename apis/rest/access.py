"""Nesting, resources, grants and access questions, under /t/<org>/api/v1/: member groups of a
group, resources and their types, grants, ``access/check`` and ``access/explain`` (why), and
what a group or a user can access."""

from typing import Annotated
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from ninja import Query, Router, Status
from ninja.errors import HttpError

from accounts.audit import Channel
from groups import access, explain, grants, queries, resource_types, services
from groups.models import ACCESS_TYPES, Grant, Group, Resource, access_codename

from . import schemas
from .common import (
    DEFAULT_LIMIT,
    Limit,
    OrgSlug,
    Page,
    Search,
    organization_of,
    paginate,
    permission_set_ref,
)
from .groups import _group, _permission_set
from .users import _user

router = Router(tags=["access"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}
User = get_user_model()
AccessParam = Annotated[
    schemas.AccessType,
    Query(alias="access", description=f"One access type: {', '.join(ACCESS_TYPES)}."),
]
UserParam = Annotated[UUID, Query(alias="userId", description="The user asked about.")]
ResourceParam = Annotated[
    UUID | None,
    Query(alias="resourceId", description="The resource; without it, the organization."),
]
OnResourceParam = Annotated[
    UUID | None, Query(alias="resourceId", description="Grants made on this resource itself.")
]
SubjectParam = Annotated[
    UUID | None, Query(alias="subjectId", description="A user's or a group's id.")
]


# --- serializers ---------------------------------------------------------------------------


def group_ref(group) -> dict:
    return {"id": group.public_id, "name": group.display_name}


def resource_ref(resource) -> dict:
    return {
        "id": resource.public_id,
        "type": resource.type,
        "key": resource.key,
        "name": resource.name,
    }


def resource_out(resource) -> dict:
    folder = resource.folder
    return {
        **resource_ref(resource),
        "ref": resource.ref,
        "folder": resource_ref(folder) if folder is not None else None,
        "createdAt": resource.created_at,
    }


def subject_out(grant) -> dict:
    if grant.subject_user_id:
        user = grant.subject_user
        return {"type": "user", "id": user.public_id, "name": user.display_name}
    group = grant.subject_group
    return {"type": "group", "id": group.public_id, "name": group.display_name}


def target_out(grant) -> dict:
    if grant.resource_id is None:
        organization = grant.organization
        return {"type": "organization", "id": organization.public_id, "name": organization.name}
    resource = grant.resource
    return {
        "type": "resource",
        "id": resource.public_id,
        "name": str(resource),
        "ref": resource.ref,
    }


def grant_out(grant, access_types) -> dict:
    return {
        "id": grant.public_id,
        "subject": subject_out(grant),
        "target": target_out(grant),
        "access": list(access_types),
        "permissionSet": permission_set_ref(grant.permission_set)
        if grant.permission_set_id
        else None,
        "createdAt": grant.created_at,
    }


def _access_of(grant) -> list[str]:
    """The access types a grant gives (a permission set's from its prefetched permissions)."""
    if not grant.permission_set_id:
        return list(grant.access_types)
    codenames = {p.codename for p in grant.permission_set.permissions.all()}
    return [t for t in ACCESS_TYPES if access_codename(t) in codenames]


def _grants(organization):
    return (
        Grant.objects.filter(organization=organization)
        .select_related("organization", "subject_user", "subject_group", "resource")
        .select_related("permission_set")
        .prefetch_related("permission_set__permissions")
    )


# --- who may read -------------------------------------------------------------------------


def _require_access_reader(user, organization) -> None:
    """Grants and who-can-access lists are for access managers and for those who see every
    group (administrators, Read only)."""
    checker = access.Access(user)
    if not (checker.can("manage_access", organization) or checker.sees_every_group(organization)):
        raise PermissionDenied(f"You do not have permission to see the access in {organization}.")


def _require_asker(request, organization, person) -> None:
    """Questions about a person's access: asked by the person, or by someone who sees every
    group."""
    if person != request.user and not access.Access(request.user).sees_every_group(organization):
        raise PermissionDenied(f"You may only ask about your own access in {organization}.")


def _resource(organization, resource_id) -> Resource:
    resource = (
        Resource.objects.filter(organization=organization, public_id=resource_id)
        .select_related("organization", "folder")
        .first()
    )
    if resource is None:
        raise Http404("No such resource.")
    return resource


def _org_group(organization, group_id) -> Group:
    group = (
        Group.objects.select_related("organization")
        .filter(organization=organization, public_id=group_id)
        .first()
    )
    if group is None:
        raise Http404("No such group.")
    return group


# --- member groups ------------------------------------------------------------------------


@router.get("/groups/{group_id}/member-groups", response={200: schemas.MemberGroupPage, **ERRORS})
def member_groups_list(
    request, org_slug: OrgSlug, group_id: UUID, page: Page = 1, limit: Limit = DEFAULT_LIMIT
):
    """The groups that are members of this group, with their (effective) member counts."""
    _, group = _group(request, org_slug, group_id)
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
    organization, group = _group(request, org_slug, group_id, "manage_members")
    if (payload.groupId is None) == (payload.groupIds is None):
        raise HttpError(400, "Give either groupId or groupIds.")
    wanted = list(dict.fromkeys([payload.groupId] if payload.groupId else payload.groupIds))
    if not wanted:
        raise HttpError(400, "groupIds is empty: name at least one group.")
    found = {
        g.public_id: g
        for g in Group.objects.select_related("organization").filter(
            organization=organization, public_id__in=wanted
        )
    }
    checker = access.Access(request.user)
    checker.prefetch(found.values())
    unknown = [str(i) for i in wanted if i not in found or not checker.can_see(found[i])]
    if unknown:
        raise Http404(f"No such groups in {organization}: {', '.join(unknown)}.")
    children = [found[i] for i in wanted]
    with transaction.atomic():
        added = [
            child
            for child in children
            if services.member_group_add(
                parent=group, child=child, channel=Channel.API, actor=request.user
            )
        ]
    body = {
        "added": [group_ref(child) for child in added],
        "alreadyMembers": [group_ref(child) for child in children if child not in added],
    }
    return Status(201 if added else 200, body)


@router.delete("/groups/{group_id}/member-groups/{child_id}", response={204: None, **ERRORS})
def member_groups_remove(request, org_slug: OrgSlug, group_id: UUID, child_id: UUID):
    """Take a member group out; its members keep only the access they have otherwise. Taking
    out a group that is not a member group is a no-op."""
    organization, group = _group(request, org_slug, group_id, "manage_members")
    child = _org_group(organization, child_id)
    services.member_group_remove(parent=group, child=child, channel=Channel.API, actor=request.user)
    return Status(204, None)


# --- resources ----------------------------------------------------------------------------


@router.get("/resource-types", response={200: schemas.ResourceTypePage, **ERRORS})
def resource_types_list(request, org_slug: OrgSlug, page: Page = 1, limit: Limit = DEFAULT_LIMIT):
    """The registered resource types and the access types each supports."""
    organization_of(request, org_slug)
    types = sorted(resource_types.REGISTRY.values(), key=lambda t: (not t.folder, t.key))
    return paginate(
        types,
        page=page,
        limit=limit,
        total=len(types),
        serialize=lambda t: {
            "key": t.key,
            "name": t.name,
            "accessTypes": list(t.access_types),
            "folder": t.folder,
        },
    )


@router.get("/resources", response={200: schemas.ResourcePage, **ERRORS})
def resources_list(
    request,
    org_slug: OrgSlug,
    type: Search = "",
    folder: UUID | None = None,
    search: Search = "",
    page: Page = 1,
    limit: Limit = DEFAULT_LIMIT,
):
    """The organization's resources; ``type`` and ``folder`` (a folder's id) narrow them,
    ``search`` matches the key or the name."""
    organization = organization_of(request, org_slug)
    resources = queries.resources_of(organization)
    if type:
        resources = resources.filter(type=type)
    if folder is not None:
        resources = resources.filter(folder=_resource(organization, folder))
    for term in search.split():
        resources = resources.filter(Q(key__icontains=term) | Q(name__icontains=term))
    resources = resources.order_by("type", "key", "pk")
    return paginate(resources, page=page, limit=limit, serialize=resource_out)


@router.post("/resources", response={201: schemas.ResourceOut, **ERRORS})
def resources_create(request, org_slug: OrgSlug, payload: schemas.ResourceCreateIn):
    """Register a resource (in a folder: the folder's grants reach it at once)."""
    organization = organization_of(request, org_slug)
    access.require(request.user, "manage_access", organization)
    folder = _resource(organization, payload.folderId) if payload.folderId else None
    resource = grants.resource_create(
        organization=organization,
        type=payload.type,
        key=payload.key,
        name=payload.name,
        folder=folder,
        channel=Channel.API,
        actor=request.user,
    )
    return Status(201, resource_out(resource))


def _via(grant, resource) -> str:
    if grant.resource_id is None:
        return "organization"
    return "direct" if grant.resource_id == resource.pk else "folder"


@router.get("/resources/{resource_id}", response={200: schemas.ResourceDetailOut, **ERRORS})
def resources_get(request, org_slug: OrgSlug, resource_id: UUID):
    """The resource, and who can access it by access type (directly, through a folder, or on
    the whole organization), like Conductor's getPermissions."""
    organization = organization_of(request, org_slug)
    resource = _resource(organization, resource_id)
    _require_access_reader(request.user, organization)
    holders = explain.who_can_access(resource)
    return {
        **resource_out(resource),
        "access": {
            access_type: [
                {
                    "subject": subject_out(grant),
                    "via": _via(grant, resource),
                    "grantId": grant.public_id,
                }
                for grant in held_by
            ]
            for access_type, held_by in holders.items()
        },
    }


@router.patch("/resources/{resource_id}", response={200: schemas.ResourceOut, **ERRORS})
def resources_move(request, org_slug: OrgSlug, resource_id: UUID, payload: schemas.ResourceMoveIn):
    """Move the resource into another folder (``folderId``), or out of any (``null``)."""
    organization = organization_of(request, org_slug)
    access.require(request.user, "manage_access", organization)
    resource = _resource(organization, resource_id)
    if "folderId" in payload.model_fields_set:
        folder = _resource(organization, payload.folderId) if payload.folderId else None
        resource = grants.resource_move(
            resource=resource, folder=folder, channel=Channel.API, actor=request.user
        )
    return resource_out(resource)


@router.delete("/resources/{resource_id}", response={204: None, **ERRORS})
def resources_delete(request, org_slug: OrgSlug, resource_id: UUID):
    """Delete the resource and the grants on it; a folder that is not empty is a 409."""
    organization = organization_of(request, org_slug)
    access.require(request.user, "manage_access", organization)
    resource = _resource(organization, resource_id)
    grants.resource_delete(resource=resource, channel=Channel.API, actor=request.user)
    return Status(204, None)


# --- grants -------------------------------------------------------------------------------


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
    _require_access_reader(request.user, organization)
    found = _grants(organization)
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


def _subject(organization, subject: schemas.SubjectIn):
    if subject.type == "group":
        return _org_group(organization, subject.id)
    users, unknown = queries.users_by_public_ids(organization, [subject.id])
    if unknown:
        raise Http404(f"No such user in {organization}.")
    return users[0]


def _target(organization, target: schemas.TargetIn):
    if target.type == "organization":
        if target.id is not None and target.id != organization.public_id:
            raise Http404("No such organization.")
        return organization
    if target.id is None:
        raise ValidationError({"target": "A resource target needs its id."})
    return _resource(organization, target.id)


@router.post("/grants", response={201: schemas.GrantOut, **ERRORS})
def grants_create(request, org_slug: OrgSlug, payload: schemas.GrantCreateIn):
    """Give a user or a group access types (merged into what its grant on that target already
    gives) or a permission set, on the organization or a resource (a folder: everything inside
    it, present and future)."""
    organization = organization_of(request, org_slug)
    access.require(request.user, "manage_access", organization)
    if (payload.access is None) == (payload.permissionSetId is None):
        raise HttpError(400, "Give either access or permissionSetId.")
    subject = _subject(organization, payload.subject)
    target = _target(organization, payload.target)
    permission_set = (
        _permission_set(organization, payload.permissionSetId) if payload.permissionSetId else None
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
    grant = _grants(organization).get(pk=grant.pk)
    return Status(201, grant_out(grant, _access_of(grant)))


@router.delete("/grants/{grant_id}", response={204: None, **ERRORS})
def grants_delete(request, org_slug: OrgSlug, grant_id: UUID):
    """Revoke a grant; access the subject has another way stays."""
    organization = organization_of(request, org_slug)
    access.require(request.user, "manage_access", organization)
    grant = _grants(organization).filter(public_id=grant_id).first()
    if grant is None:
        raise Http404("No such grant.")
    grants.grant_delete(grant=grant, channel=Channel.API, actor=request.user)
    return Status(204, None)


# --- access questions -----------------------------------------------------------------------


def _question(request, org_slug, user_id, resource_id):
    organization = organization_of(request, org_slug)
    person = _user(organization, user_id)
    _require_asker(request, organization, person)
    target = _resource(organization, resource_id) if resource_id else organization
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
    _, group = _group(request, org_slug, group_id)
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
    for user managers."""
    organization = organization_of(request, org_slug)
    person = _user(organization, user_id)
    if person != request.user:
        access.require(request.user, "manage_users", organization)
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
