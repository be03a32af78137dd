"""Every write to groups, memberships, member groups, permission sets, rights, resources,
grants, and deleted groups.

Keyword-only, ``actor`` last (None for the system and management commands), one transaction,
one audit event per change. The Admin Center, the Django admin, the commands and the APIs all
call these, so every rule lives here once. One module per entity; ``permissions`` (guardian's
rows derived from groups, sets and grants) and ``common`` are the services' own building blocks.
"""

from .administrators import administrators_kept, validate_removable
from .common import (
    CONFLICT,
    INHERITED,
    LAST_ADMINISTRATOR,
    PROTECTED,
    UNSET,
    clean_description,
    clean_name,
    default_group,
    default_group_name,
    users_in_organization,
)
from .grants import (
    grant_add,
    grant_delete,
    grant_remove,
    resource_create,
    resource_delete,
    resource_for,
    resource_move,
)
from .groups import default_groups_create, group_create, group_delete, group_update, group_validate
from .member_groups import (
    member_group_add,
    member_group_remove,
    member_groups_add,
    members_add,
    members_remove,
)
from .memberships import (
    StalePreview,
    check_members_editable,
    membership_add,
    membership_add_batch,
    membership_remove,
    memberships_expire,
    validate_addable,
)
from .permission_sets import (
    capabilities,
    group_permission_set_add,
    group_permission_set_remove,
    group_permission_sets_set,
    permission_set_by_key,
    permission_set_create,
    permission_set_default_ensure,
    permission_set_delete,
    permission_set_update,
    permission_set_validate,
)
from .rights import group_rights_grant, group_rights_revoke
from .trash import deleted_groups_purge, group_restore

__all__ = [
    "CONFLICT",
    "INHERITED",
    "LAST_ADMINISTRATOR",
    "PROTECTED",
    "UNSET",
    "StalePreview",
    "administrators_kept",
    "capabilities",
    "check_members_editable",
    "clean_description",
    "clean_name",
    "default_group",
    "default_group_name",
    "default_groups_create",
    "deleted_groups_purge",
    "grant_add",
    "grant_delete",
    "grant_remove",
    "group_create",
    "group_delete",
    "group_permission_set_add",
    "group_permission_set_remove",
    "group_permission_sets_set",
    "group_restore",
    "group_rights_grant",
    "group_rights_revoke",
    "group_update",
    "group_validate",
    "member_group_add",
    "member_group_remove",
    "member_groups_add",
    "members_add",
    "members_remove",
    "membership_add",
    "membership_add_batch",
    "membership_remove",
    "memberships_expire",
    "permission_set_by_key",
    "permission_set_create",
    "permission_set_default_ensure",
    "permission_set_delete",
    "permission_set_update",
    "permission_set_validate",
    "resource_create",
    "resource_delete",
    "resource_for",
    "resource_move",
    "users_in_organization",
    "validate_addable",
    "validate_removable",
]
