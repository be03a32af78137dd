"""The organization's users and permission sets, under /t/<org>/api/v1/."""

from uuid import UUID

from django.db.models import Q
from ninja import Router
from ninja.errors import HttpError

from groups import access, queries

from . import schemas
from .common import (
    DEFAULT_LIMIT,
    Limit,
    OrgSlug,
    Page,
    Search,
    organization_of,
    organization_ref,
    paginate,
    permission_set_out,
    permission_set_ref,
    user_out,
    user_ref,
)

router = Router(tags=["users"])
ERRORS = {code: schemas.ErrorOut for code in (400, 401, 403, 404)}


@router.get("/users", response={200: schemas.UserPage, **ERRORS}, summary="List or search users")
def users_list(
    request, org_slug: OrgSlug, search: Search = "", page: Page = 1, limit: Limit = DEFAULT_LIMIT
):
    """The organization's users; ``search`` (three characters at least) matches the first
    name, the last name or the email."""
    organization = organization_of(request, org_slug)
    users = access.members_of(organization)
    terms = search.split()
    if search and len("".join(terms)) < queries.SEARCH_MIN_LENGTH:
        raise HttpError(400, f"search needs at least {queries.SEARCH_MIN_LENGTH} characters.")
    for term in terms:
        users = users.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    users = users.order_by("last_name", "first_name", "email", "pk")
    return paginate(users, page=page, limit=limit, serialize=user_out)


@router.get("/users/{user_id}", response={200: schemas.UserOut, **ERRORS})
def users_get(request, org_slug: OrgSlug, user_id: UUID):
    organization = organization_of(request, org_slug)
    return user_out(access.person_for_user(request, organization, user_id))


@router.get("/users/{user_id}/groups", response={200: list[schemas.UserGroupOut], **ERRORS})
def users_groups(request, org_slug: OrgSlug, user_id: UUID):
    """The user's groups among those the caller may see."""
    organization = organization_of(request, org_slug)
    user = access.person_for_user(request, organization, user_id)
    groups = (
        access.groups_visible_to(request.user, organization)
        .filter(user=user)
        .annotate(kind_order=queries.KIND_ORDER)
        .order_by("kind_order", "display_name")
    )
    return [
        {"id": g.public_id, "name": g.display_name, "kind": g.kind, "protected": g.is_protected}
        for g in groups
    ]


@router.get("/users/{user_id}/permissions", response={200: schemas.UserPermissionsOut, **ERRORS})
def users_permissions(request, org_slug: OrgSlug, user_id: UUID):
    """What the user may do in the organization: capabilities (through the permission sets of
    their groups) and rights on single groups. Their own, or anyone's for those who see every
    group."""
    organization = organization_of(request, org_slug)
    user = access.person_for_user(request, organization, user_id, "view_access")
    checker = access.Access(user)
    capabilities = sorted(checker.perms(organization))
    sets = queries.permission_sets_of_user(user, organization)
    groups = list(queries.groups_of(organization))
    checker.prefetch(groups)
    rights = {
        str(group.public_id): sorted(checker.perms(group) & set(access.GROUP_RIGHTS))
        for group in groups
    }
    return {
        "user": user_ref(user),
        "organization": organization_ref(organization),
        "capabilities": capabilities,
        "permissionSets": [permission_set_ref(s) for s in sets],
        "groupRights": {group_id: held for group_id, held in rights.items() if held},
    }


@router.get("/permission-sets", response={200: schemas.PermissionSetPage, **ERRORS})
def permission_sets_list(request, org_slug: OrgSlug, page: Page = 1, limit: Limit = DEFAULT_LIMIT):
    """The default permission sets and the organization's own."""
    organization = organization_of(request, org_slug)
    sets = queries.permission_sets_listed(organization)
    return paginate(sets, page=page, limit=limit, serialize=permission_set_out)
