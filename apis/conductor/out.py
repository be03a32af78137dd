"""Conductor's shapes: Group, ConductorUser, SubjectRef, TargetRef, grantedAccess."""

from groups import queries
from groups.models import ACCESS_TYPES
from groups.queries import batches

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
    return batches.with_permission_sets(groups, SET_ROLES, to_attr="role_links")


def group_out(group) -> dict:
    """A group as Conductor's ``Group``: its id is our slug, its description our name."""
    return {
        "id": group.slug,
        "description": group.display_name,
        "roles": [role_out(link.permission_set) for link in group.role_links],
        "defaultAccess": {},
    }


def group_shaped(group) -> dict:
    return group_out(groups_shaped(queries.groups_of(group.organization).filter(pk=group.pk)).get())


def users_out(users, organization, visible_to=None) -> list[dict]:
    """People as Conductor's ``ConductorUser`` (id: the email), with the roles their groups
    hold and their groups in ``organization``: with ``visible_to``, only the groups that caller
    may see (a group manager listing Editors learned every other group of its members); three
    queries whatever their number."""
    users = list(users)
    role_ids, sets = batches.permission_sets_of_people(users, organization, SET_ROLES)
    groups: dict[int, list[dict]] = {}
    for user_id, slug, name in batches.groups_of_people(users, organization, visible_to=visible_to):
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
