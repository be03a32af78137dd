"""Resources (and folders) and their types, under /t/<org>/api/v1/: register, move, delete,
and who can access one."""

from uuid import UUID

from django.db.models import Q
from ninja import Router, Status

from apis.common.lookups import resource_in_organization
from audit.recording import Channel
from groups import access, explain, queries, resource_types
from groups.services import grants

from . import schemas
from .common import (
    DEFAULT_LIMIT,
    Limit,
    OrgSlug,
    Page,
    Search,
    organization_of,
    paginate,
    resource_out,
    subject_out,
)

router = Router(tags=["access"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404, 409)}


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
    access.require_access_reader(request, organization)
    resources = queries.resources_of(organization)
    if type:
        resources = resources.filter(type=type)
    if folder is not None:
        resources = resources.filter(folder=resource_in_organization(organization, folder))
    for term in search.split():
        resources = resources.filter(Q(key__icontains=term) | Q(name__icontains=term))
    resources = resources.order_by("type", "key", "pk")
    return paginate(resources, page=page, limit=limit, serialize=resource_out)


@router.post("/resources", response={201: schemas.ResourceOut, **ERRORS})
def resources_create(request, org_slug: OrgSlug, payload: schemas.ResourceCreateIn):
    """Register a resource (in a folder: the folder's grants reach it at once)."""
    organization = organization_of(request, org_slug)
    access.require(request, "manage_access", organization)
    folder = resource_in_organization(organization, payload.folderId) if payload.folderId else None
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
    resource = access.resource_for_user(request, organization, resource_id)
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
    access.require(request, "manage_access", organization)
    resource = resource_in_organization(organization, resource_id)
    if "folderId" in payload.model_fields_set:
        folder = (
            resource_in_organization(organization, payload.folderId) if payload.folderId else None
        )
        resource = grants.resource_move(
            resource=resource, folder=folder, channel=Channel.API, actor=request.user
        )
    return resource_out(resource)


@router.delete("/resources/{resource_id}", response={204: None, **ERRORS})
def resources_delete(request, org_slug: OrgSlug, resource_id: UUID):
    """Delete the resource and the grants on it; a folder that is not empty is a 409."""
    organization = organization_of(request, org_slug)
    access.require(request, "manage_access", organization)
    resource = resource_in_organization(organization, resource_id)
    grants.resource_delete(resource=resource, channel=Channel.API, actor=request.user)
    return Status(204, None)
