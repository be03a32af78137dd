"""Conductor's roles on a group, mapped onto our permission sets.

A Conductor role is a permission set the group holds on its organization. Three roles are our
default sets; the other three are protected, shared sets of their own, made the first time a
Conductor client names one (so an organization that never speaks Conductor never sees them):

| role | permission set | capabilities on the organization |
|---|---|---|
| ``ADMIN`` | Administrator | every Admin Center capability |
| ``USER`` | Full access | a plain member |
| ``USER_READ_ONLY`` | Read only | sees every group, READ on every resource |
| ``METADATA_MANAGER`` | Metadata manager | CREATE, READ, UPDATE, DELETE on every resource |
| ``WORKFLOW_MANAGER`` | Workflow manager | READ and EXECUTE on every resource |
| ``WORKER`` | Worker | EXECUTE on every resource |
"""

from django.core.exceptions import ValidationError

from groups import queries, services
from groups.models import PermissionSet

# role -> permission set key
ROLE_SETS = {
    "ADMIN": "administrator",
    "USER": "full-access",
    "USER_READ_ONLY": "read-only",
    "METADATA_MANAGER": "metadata-manager",
    "WORKFLOW_MANAGER": "workflow-manager",
    "WORKER": "worker",
}
SET_ROLES = {key: role for role, key in ROLE_SETS.items()}

# The sets made on first use: key -> (name, description, capabilities).
MANAGED_SETS = {
    "metadata-manager": (
        "Metadata manager",
        "Conductor's METADATA_MANAGER: creates, reads, changes and deletes every resource "
        "(workflow and task definitions…).",
        ["view_organization", "access_create", "access_read", "access_update", "access_delete"],
    ),
    "workflow-manager": (
        "Workflow manager",
        "Conductor's WORKFLOW_MANAGER: reads and executes every resource.",
        ["view_organization", "access_read", "access_execute"],
    ),
    "worker": (
        "Worker",
        "Conductor's WORKER: executes every resource (polls and updates tasks).",
        ["view_organization", "access_execute"],
    ),
}


def clean_roles(roles) -> list[str]:
    """The roles, upper-cased and without repeats; an unknown role is bad input."""
    wanted = list(dict.fromkeys(str(role).strip().upper() for role in roles or []))
    unknown = [role for role in wanted if role not in ROLE_SETS]
    if unknown:
        raise ValidationError(
            {"roles": f"Unknown role {', '.join(unknown)}: choose among {', '.join(ROLE_SETS)}."}
        )
    return wanted


def permission_sets_for(roles) -> dict[str, PermissionSet]:
    """role -> its permission set, making a managed set the first time it is needed."""
    found = {ps.key: ps for ps in queries.default_permission_sets(ROLE_SETS[r] for r in roles)}
    for role in roles:
        key = ROLE_SETS[role]
        if key not in found and key in MANAGED_SETS:
            name, description, codenames = MANAGED_SETS[key]
            found[key] = services.permission_set_default_ensure(
                key=key, name=name, description=description, capabilities=codenames
            )
    return {role: found[ROLE_SETS[role]] for role in roles}


def conductor_role_sets():
    """The permission sets that stand for Conductor roles (the others are left alone)."""
    return queries.default_permission_sets(SET_ROLES)


def role_out(permission_set) -> dict:
    """Conductor's Role: its name and the capabilities it holds (``permissions`` prefetched)."""
    return {
        "name": SET_ROLES[permission_set.key],
        "permissions": [{"name": p.codename} for p in permission_set.permissions.all()],
    }
