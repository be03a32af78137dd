"""Conductor's shapes: Group, ConductorUser, SubjectRef, TargetRef, grantedAccess."""

from django.db.models import Prefetch

from groups import access
from groups.models import ACCESS_TYPES, Group, GroupPermissionSet, Membership, PermissionSet

from .roles import SET_ROLES, role_out

# Conductor's target types (those the seed registers in groups.resource_types). Our own types
# (folders, a host project's models) are not Conductor targets: the SDK cannot parse them.
TARGET_TYPES = (
    "WORKFLOW_DEF",
    "TASK_DEF",
    "APPLICATION",
    "USER",
    "SECRET",
    "SECRET_NAME",
    "TAG",
    "DOMAIN",
    "ENV_VARIABLE",
    "WORKFLOW_SCHEDULE",
    "INTEGRATION_PROVIDER",
    "PROMPT",
)


def groups_shaped(groups):
    """Groups with what ``group_out`` reads, in a fixed number of queries."""
    return groups.prefetch_related(
        Prefetch(
            "permission_set_links",
            queryset=GroupPermissionSet.objects.filter(permission_set__key__in=list(SET_ROLES))
            .select_related("permission_set")
            .prefetch_related("permission_set__permissions")
            .order_by("permission_set__name"),
            to_attr="role_links",
        )
    )


def group_out(group) -> dict:
    """A group as Conductor's ``Group``: its id is our slug, its description our name."""
    return {
        "id": group.slug,
        "description": group.display_name,
        "roles": [role_out(link.permission_set) for link in group.role_links],
        "defaultAccess": {},
    }


def group_shaped(group) -> dict:
    return group_out(groups_shaped(Group.objects.filter(pk=group.pk)).get())


def users_out(users, organization, visible_to=None) -> list[dict]:
    """People as Conductor's ``ConductorUser`` (id: the email), with the roles their groups
    hold and their groups in ``organization``: with ``visible_to``, only the groups that caller
    may see (a group manager listing Editors learned every other group of its members); three
    queries whatever their number."""
    users = list(users)
    rows = (
        GroupPermissionSet.objects.filter(
            group__organization=organization,
            group__user__in=users,
            permission_set__key__in=list(SET_ROLES),
        )
        .values_list("group__user", "permission_set_id")
        .distinct()
    )
    role_ids: dict[int, set[int]] = {}
    for user_id, set_id in rows:
        role_ids.setdefault(user_id, set()).add(set_id)
    sets = {
        ps.pk: ps
        for ps in PermissionSet.objects.filter(
            pk__in=set().union(*role_ids.values()) if role_ids else []
        ).prefetch_related("permissions")
    }
    groups: dict[int, list[dict]] = {}
    memberships = Membership.objects.filter(user__in=users, group__group__organization=organization)
    if visible_to is not None:
        visible = access.groups_visible_to(visible_to, organization).values("pk")
        memberships = memberships.filter(group_id__in=visible)
    for user_id, slug, name in memberships.order_by("group__group__display_name").values_list(
        "user_id", "group__group__slug", "group__group__display_name"
    ):
        groups.setdefault(user_id, []).append({"id": slug, "description": name})
    return [
        {
            "id": user.email,
            "name": user.display_name,
            "uuid": str(user.public_id),
            "roles": [
                role_out(sets[pk])
                for pk in sorted(role_ids.get(user.pk, ()), key=lambda pk: sets[pk].name)
            ],
            "groups": groups.get(user.pk, []),
        }
        for user in users
    ]


def subject_out(grant) -> dict:
    if grant.subject_user_id:
        return {"type": "USER", "id": grant.subject_user.email}
    return {"type": "GROUP", "id": grant.subject_group.slug}


def granted_access_out(items) -> dict:
    """``{"grantedAccess": [{target, access}]}``, one entry per Conductor target (the access
    types its grants give, merged). Grants on the whole organization or on a folder have no
    Conductor target: they are left out here (they still count in checkPermissions and in a
    target's permissions; the Admin Center and our own API list them)."""
    merged: dict[tuple[str, str], set[str]] = {}
    for item in items:
        resource = item["grant"].resource
        if resource is None or resource.type not in TARGET_TYPES:
            continue
        merged.setdefault((resource.type, resource.key), set()).update(item["access"])
    return {
        "grantedAccess": [
            {
                "target": {"type": type_, "id": key},
                "access": [t for t in ACCESS_TYPES if t in access],
            }
            for (type_, key), access in sorted(merged.items())
            if access
        ]
    }
