"""Shared pieces of the API's operations: the organization and the group in the URL, pages,
serializers."""

import base64
import json
import math
from typing import Annotated

from django.http import Http404
from ninja import Path, Query
from ninja.errors import HttpError

from groups import access, queries

# The organization's slug is part of every URL (/t/<org_slug>/api/v1/…).
OrgSlug = Annotated[str, Path(description="The organization's slug")]
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
Page = Annotated[int, Query(ge=1, le=1_000_000_000, description="Page number, from 1.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (at most 100).")]
# A NUL makes PostgreSQL refuse the query (a 500) and SQLite's LIKE stop there (matching all).
Search = Annotated[str, Query(pattern=r"^[^\x00]*$", description="Words to look for.")]


def organization_of(request, org_slug):
    """The organization named in the URL, as the caller may see it. A key works only in its
    own organization: anywhere else is a 404, as for an object that does not exist."""
    key = getattr(request, "api_key", None)
    if key is not None and key.organization.slug != org_slug:
        raise Http404("No such organization.")
    return access.organization_for_user(request.user, org_slug)


def group_of(request, org_slug, group_id, action="view"):
    """``(organization, group)`` named in the URL: 404 if the caller may not see the group, 403
    if they may not do ``action`` on it."""
    organization = organization_of(request, org_slug)
    return organization, access.group_for_user(request.user, organization, group_id, action)


def page_params(page, limit) -> tuple[int, int]:
    if page < 1:
        raise HttpError(400, "page starts at 1.")
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    return page, limit


def paginate(queryset, *, page: int, limit: int, serialize, total=None) -> dict:
    """``{"data": [...], "meta": {total, totalExact, page, limit, totalPages, hasNextPage}}``.
    Totals are exact up to 10,000; above, PostgreSQL's estimate (``totalExact`` false): a count
    of a million rows would cost more than the page."""
    page, limit = page_params(page, limit)
    exact = True
    if total is None:
        total, estimated = queries.count_or_estimate(queryset)
        exact = not estimated
    start = (page - 1) * limit
    # Past the end there is nothing to fetch (and a huge OFFSET would overflow the database).
    fetched = list(queryset[start : start + limit + 1]) if start < total or not exact else []
    items = fetched[:limit]
    pages = max(1, math.ceil(total / limit))
    return {
        "data": [serialize(item) for item in items],
        "meta": {
            "total": total,
            "totalExact": exact,
            "page": page,
            "limit": limit,
            "totalPages": pages,
            "hasNextPage": len(fetched) > limit,
        },
    }


def encode_cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as error:
        raise HttpError(400, "cursor is not one this API gave out.") from error
    if not isinstance(values, list):
        raise HttpError(400, "cursor is not one this API gave out.")
    return values


def user_ref(user) -> dict:
    return {
        "id": user.public_id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "name": user.display_name,
    }


def user_out(user) -> dict:
    return {**user_ref(user), "isActive": user.is_active}


def organization_ref(organization) -> dict:
    return {"id": organization.public_id, "name": organization.name, "slug": organization.slug}


def permission_set_ref(permission_set) -> dict:
    return {
        "id": permission_set.public_id,
        "name": permission_set.name,
        "protected": permission_set.protected,
    }


def permission_set_out(permission_set) -> dict:
    return {
        **permission_set_ref(permission_set),
        "description": permission_set.description,
        "capabilities": sorted(p.codename for p in permission_set.permissions.all()),
    }


def group_out(group, *, member_count: int, exact: bool = True) -> dict:
    """A group as the API shows it. ``memberCountExact`` false: ``memberCount`` is an estimate
    (a group's details) or says “more than 10,000” (lists, which stop counting there)."""
    return {
        "id": group.public_id,
        "name": group.display_name,
        "slug": group.slug,
        "description": group.description,
        "kind": group.kind,
        "protected": group.is_protected,
        "memberCount": member_count,
        "memberCountExact": exact,
        "organization": organization_ref(group.organization),
        "createdAt": group.created_at,
        "updatedAt": group.updated_at,
    }


def group_detail_out(group) -> dict:
    """A group's details: its member count (an estimate above 10,000) and permission sets."""
    count, estimated = queries.member_count_estimate(group)
    return {
        **group_out(group, member_count=count, exact=not estimated),
        "permissionSets": [
            permission_set_ref(link.permission_set) for link in queries.group_permission_sets(group)
        ],
    }


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
