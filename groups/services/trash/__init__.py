"""Recoverable deletion: the Deleted groups list, restoring a group, purging old ones.

Deleting a custom group (``services.group_delete``) deletes the live group, so every access it
gave ends at once (memberships and their closure, member-group edges both ways, grants and
guardian's rows, rights on it) and no query elsewhere has to leave deleted groups out. Before
that, ``deleted_group_record`` keeps a ``DeletedGroup``: its names and a snapshot of what it was.

For ``RETENTION_DAYS`` an administrator can restore it: ``group_restore`` brings back, under the
same public id, what still makes sense (members still in the organization, member and parent
groups that still exist and make no cycle, permission sets and grants whose targets still exist,
the rights on it) and reports the rest with the reason. Restoring is one change: one
``group.restored`` audit event lists everything brought back and everything left out, as the
deletion was one ``group.deleted`` event. ``deleted_groups_purge`` removes old snapshots for good,
one ``group.purged`` event each.

Restoring needs ``delete_groups`` on the organization. What the restore would change in *other*
objects needs what changing them directly needs: nesting the group back into a parent needs
``manage_members`` on the parent, permission sets ``manage_permission_sets``, grants
``manage_access``, rights it held on other groups ``change`` on them. Without it, that part is
left out and said so: a restore never lets anyone do what they could not do directly.

The package: ``snapshot`` (what a deleted group leaves, the Deleted groups list's query, the
purge), ``plan`` (what a restore would do now), ``restore`` (doing it). The reads for the
Deleted groups page live here (``deleted_groups_of``), next to the rules they show.
"""

from .plan import RestorePlan, free_name, restore_plan
from .restore import Restored, group_restore
from .snapshot import deleted_group_record, deleted_groups_of, deleted_groups_purge, group_snapshot

__all__ = [
    "RestorePlan",
    "Restored",
    "deleted_group_record",
    "deleted_groups_of",
    "deleted_groups_purge",
    "free_name",
    "group_restore",
    "group_snapshot",
    "restore_plan",
]
