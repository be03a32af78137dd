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

The reads for the Deleted groups page live here too (``deleted_groups_of``), next to the rules
they show.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.audit import Channel, audit_record
from accounts.models import Organization

from . import access, nesting
from .grants import _sync_resources, _with_contents
from .models import (
    NAME_MAX_LENGTH,
    RETENTION_DAYS,
    DeletedGroup,
    Grant,
    Group,
    GroupGroupObjectPermission,
    GroupPermissionSet,
    GroupUserObjectPermission,
    MemberGroup,
    Membership,
    PermissionSet,
    Resource,
)
from .services import (
    CONFLICT,
    _auth_name,
    _check_name_free,
    _generate_slug,
    _lock,
    _save_unique,
    _sync_organization_permissions,
    clean_name,
    default_group,
    users_in_organization,
)

User = get_user_model()
SNAPSHOT_VERSION = 1
# A rights holder entry naming the deleted group itself (a group may hold rights on itself).
SELF = "self"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _when(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _user_ref(user) -> str | None:
    return str(user.public_id) if user is not None else None


# --- the snapshot --------------------------------------------------------------------------


def group_snapshot(group: Group) -> dict:
    """Everything the group gave and was given, by public ids (stable, never reused), with the
    names as they were so the Deleted groups page can tell what is gone."""
    members = [
        {
            "user_id": str(m.user.public_id),
            "name": m.user.display_name,
            "email": m.user.email,
            "added_at": _iso(m.added_at),
            "added_by": _user_ref(m.added_by),
            "expires_at": _iso(m.expires_at),
        }
        for m in Membership.objects.filter(group=group, direct=True)
        .select_related("user", "added_by")
        .order_by("user__last_name", "user__first_name", "user__email")
    ]
    member_groups = [
        {
            "group_id": str(link.child.public_id),
            "name": link.child.display_name,
            "added_at": _iso(link.added_at),
            "added_by": _user_ref(link.added_by),
        }
        for link in MemberGroup.objects.filter(parent=group).select_related("child", "added_by")
    ]
    parent_groups = [
        {
            "group_id": str(link.parent.public_id),
            "name": link.parent.display_name,
            "added_at": _iso(link.added_at),
            "added_by": _user_ref(link.added_by),
        }
        for link in MemberGroup.objects.filter(child=group).select_related("parent", "added_by")
    ]
    permission_sets = [
        {
            "id": str(link.permission_set.public_id),
            "name": link.permission_set.name,
            "assigned_at": _iso(link.assigned_at),
            "assigned_by": _user_ref(link.assigned_by),
        }
        for link in GroupPermissionSet.objects.filter(group=group).select_related(
            "permission_set", "assigned_by"
        )
    ]
    grants = [
        {
            "id": str(grant.public_id),
            "resource_id": str(grant.resource.public_id) if grant.resource_id else None,
            "resource": grant.resource.ref if grant.resource_id else None,
            "permission_set_id": (
                str(grant.permission_set.public_id) if grant.permission_set_id else None
            ),
            "permission_set": grant.permission_set.name if grant.permission_set_id else None,
            "access_types": list(grant.access_types),
            "created_at": _iso(grant.created_at),
            "created_by": _user_ref(grant.created_by),
        }
        for grant in Grant.objects.filter(subject_group=group).select_related(
            "resource", "permission_set", "created_by"
        )
    ]
    user_rights = defaultdict(list)
    for user, codename in GroupUserObjectPermission.objects.filter(
        content_object=group
    ).values_list("user__public_id", "permission__codename"):
        user_rights[str(user)].append(codename)
    group_rights = defaultdict(list)
    for holder_id, codename in GroupGroupObjectPermission.objects.filter(
        content_object=group
    ).values_list("group_id", "permission__codename"):
        group_rights[holder_id].append(codename)
    rights_held = defaultdict(list)
    for target_id, codename in (
        GroupGroupObjectPermission.objects.filter(group_id=group.pk)
        .exclude(content_object=group)
        .values_list("content_object_id", "permission__codename")
    ):
        rights_held[target_id].append(codename)
    names = {
        g.pk: g
        for g in Group.objects.filter(pk__in=set(group_rights) | set(rights_held)).only(
            "public_id", "display_name"
        )
    }
    users = {
        str(u.public_id): u
        for u in User.objects.filter(public_id__in=list(user_rights)).only(
            "public_id", "email", "first_name", "last_name"
        )
    }
    return {
        "version": SNAPSHOT_VERSION,
        "group": {
            "public_id": str(group.public_id),
            "name": group.display_name,
            "slug": group.slug,
            "description": group.description,
            "created_at": _iso(group.created_at),
            "created_by": _user_ref(group.created_by),
        },
        "members": members,
        "member_groups": member_groups,
        "parent_groups": parent_groups,
        "permission_sets": permission_sets,
        "grants": grants,
        "rights": [
            {
                "holder_type": "user",
                "holder_id": user_id,
                "name": users[user_id].display_name if user_id in users else user_id,
                "rights": sorted(rights),
            }
            for user_id, rights in user_rights.items()
        ]
        + [
            {
                "holder_type": "group",
                "holder_id": SELF if pk == group.pk else str(names[pk].public_id),
                "name": group.display_name if pk == group.pk else names[pk].display_name,
                "rights": sorted(rights),
            }
            for pk, rights in group_rights.items()
            if pk == group.pk or pk in names
        ],
        "rights_held": [
            {
                "group_id": str(names[pk].public_id),
                "name": names[pk].display_name,
                "rights": sorted(rights),
            }
            for pk, rights in rights_held.items()
            if pk in names
        ],
    }


def deleted_group_record(*, group: Group, actor) -> DeletedGroup:
    """Keep what ``group`` is, just before ``services.group_delete`` deletes it (same
    transaction: if the deletion is refused or rolled back, so is this)."""
    snapshot = group_snapshot(group)
    return DeletedGroup.objects.create(
        public_id=group.public_id,
        organization=group.organization,
        display_name=group.display_name,
        slug=group.slug,
        description=group.description,
        member_count=len(snapshot["members"]),
        deleted_at=timezone.now(),
        deleted_by=actor,
        deleted_by_name=f"{actor.display_name} <{actor.email}>" if actor is not None else "",
        snapshot=snapshot,
    )


# --- reads ----------------------------------------------------------------------------------


def deleted_groups_of(organization: Organization):
    """The Deleted groups list of ``organization``, newest first."""
    return DeletedGroup.objects.filter(organization=organization).select_related("deleted_by")


# --- restoring ------------------------------------------------------------------------------


@dataclass
class RestorePlan:
    """What a restore would bring back, and what it would leave out and why."""

    display_name: str
    slug: str
    name_taken: bool
    members: list = field(default_factory=list)  # (user, entry)
    member_groups: list = field(default_factory=list)  # (group, entry)
    parent_groups: list = field(default_factory=list)  # (group, entry)
    permission_sets: list = field(default_factory=list)  # (permission set, entry)
    grants: list = field(default_factory=list)  # (resource or None, permission set, entry)
    user_rights: list = field(default_factory=list)  # (user, rights)
    group_rights: list = field(default_factory=list)  # (group or SELF, rights)
    rights_held: list = field(default_factory=list)  # (group, rights)
    skipped: list = field(default_factory=list)  # sentences

    @property
    def counts(self) -> dict:
        return {
            "members": len(self.members),
            "member_groups": len(self.member_groups),
            "parent_groups": len(self.parent_groups),
            "permission_sets": len(self.permission_sets),
            "grants": len(self.grants),
            "rights": len(self.user_rights) + len(self.group_rights) + len(self.rights_held),
        }


@dataclass
class Restored:
    group: Group
    plan: RestorePlan


def free_name(organization, name: str) -> str:
    """``name`` if no group has it now, else “name (restored)”, “name (restored 2)”…"""
    taken = {
        n.lower()
        for n in Group.objects.filter(
            organization=organization, display_name__istartswith=name[:50]
        ).values_list("display_name", flat=True)
    }
    if name.lower() not in taken:
        return name
    n = 1
    while True:
        suffix = " (restored)" if n == 1 else f" (restored {n})"
        candidate = name[: NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
        n += 1


class _Checker:
    """The actor's rights, once per restore (no actor: the system, which may do everything)."""

    def __init__(self, actor):
        self.access = access.Access(actor) if actor is not None else None

    def can(self, action, obj) -> bool:
        return self.access is None or self.access.can(action, obj)


def restore_plan(*, deleted: DeletedGroup, display_name: str | None = None, actor) -> RestorePlan:
    """What restoring ``deleted`` would do now, without doing it (the restore page shows it;
    ``group_restore`` carries it out). ``display_name`` replaces the old name; without it, a
    name taken meanwhile becomes “Name (restored)”. Raises ValidationError for a bad name."""
    organization = deleted.organization
    snapshot = deleted.snapshot
    checker = _Checker(actor)
    if display_name is not None and str(display_name).strip():
        name = clean_name(display_name)
        _check_name_free(organization, name)
        name_taken = False
    else:
        name = free_name(organization, deleted.display_name)
        name_taken = name != deleted.display_name
    slug = deleted.slug
    if Group.objects.filter(organization=organization, slug=slug).exists():
        slug = _generate_slug(organization, name)
    plan = RestorePlan(display_name=name, slug=slug, name_taken=name_taken)
    skip = plan.skipped.append

    # Members: still in the organization, active, and not expired meanwhile.
    entries = snapshot.get("members", [])
    users = {
        str(u.public_id): u
        for u in User.objects.filter(public_id__in=[e["user_id"] for e in entries])
    }
    in_organization = users_in_organization(organization, list(users.values()))
    now = timezone.now()
    for entry in entries:
        user = users.get(entry["user_id"])
        who = f"{entry['name']} <{entry['email']}>"
        if user is None or user.pk not in in_organization:
            skip(f"Member {who}: no longer in {organization}.")
        elif not user.is_active:
            skip(f"Member {who}: deactivated.")
        elif entry.get("expires_at") and _when(entry["expires_at"]) <= now:
            skip(f"Member {who}: the membership expired on {entry['expires_at'][:10]}.")
        else:
            plan.members.append((user, entry))

    # Member groups and parent groups: still there, and no cycle. The restored group is a new
    # node of the nesting graph; its member groups go in first (what the group is made of),
    # then each parent edge unless the parent is now inside the group.
    graph = nesting.Graph(organization.pk)
    new = object()
    ids = [e["group_id"] for e in snapshot.get("member_groups", [])]
    ids += [e["group_id"] for e in snapshot.get("parent_groups", [])]
    groups = {
        str(g.public_id): g
        for g in Group.objects.filter(organization=organization, public_id__in=ids).select_related(
            "organization"
        )
    }
    for entry in snapshot.get("member_groups", []):
        child = groups.get(entry["group_id"])
        if child is None:
            skip(f"Member group “{entry['name']}”: it was deleted.")
            continue
        plan.member_groups.append((child, entry))
        graph.children[new].add(child.pk)
        graph.parents[child.pk].add(new)
    expiring = any(entry.get("expires_at") for _, entry in plan.members) or (
        Membership.objects.filter(
            group_id__in=set().union(*(graph.below(c.pk) for c, _ in plan.member_groups)),
            direct=True,
            expires_at__isnull=False,
        ).exists()
        if plan.member_groups
        else False
    )
    administrators = default_group(organization, Group.Kind.ADMINISTRATORS)
    for entry in snapshot.get("parent_groups", []):
        parent = groups.get(entry["group_id"])
        label = f"Member of “{entry['name']}”"
        if parent is None:
            skip(f"{label}: that group was deleted.")
        elif parent.kind == Group.Kind.USERS:
            skip(f"{label}: the Users group's members are the organization's users.")
        elif not checker.can("manage_members", parent):
            skip(f"{label}: you cannot manage the members of “{parent}”.")
        elif graph.path(new, parent.pk) is not None:
            skip(f"{label}: “{parent}” is now inside this group, so it would be a cycle.")
        elif expiring and administrators.pk in graph.above(parent.pk):
            skip(
                f"{label}: some memberships expire, and the members of “{parent}” are "
                "administrators."
            )
        else:
            plan.parent_groups.append((parent, entry))
            graph.children[parent.pk].add(new)
            graph.parents[new].add(parent.pk)

    # Permission sets held on the organization.
    entries = snapshot.get("permission_sets", [])
    grant_entries = snapshot.get("grants", [])
    set_ids = [e["id"] for e in entries] + [
        e["permission_set_id"] for e in grant_entries if e.get("permission_set_id")
    ]
    sets = {
        str(s.public_id): s
        for s in PermissionSet.objects.filter(
            Q(organization=organization) | Q(organization=None), public_id__in=set_ids
        )
    }
    can_sets = checker.can("manage_permission_sets", organization)
    for entry in entries:
        permission_set = sets.get(entry["id"])
        if permission_set is None:
            skip(f"Permission set “{entry['name']}”: it was deleted.")
        elif not can_sets:
            skip(f"Permission set “{entry['name']}”: you cannot manage permission sets.")
        else:
            plan.permission_sets.append((permission_set, entry))

    # Grants of the group: their resource and permission set must still exist.
    resources = {
        str(r.public_id): r
        for r in Resource.objects.filter(
            organization=organization,
            public_id__in=[e["resource_id"] for e in grant_entries if e.get("resource_id")],
        )
    }
    can_grant = checker.can("manage_access", organization)
    for entry in grant_entries:
        what = entry["permission_set"] or ", ".join(entry["access_types"])
        label = f"Grant of {what} on {entry['resource'] or organization}"
        resource = resources.get(entry["resource_id"]) if entry.get("resource_id") else None
        permission_set = sets.get(entry.get("permission_set_id") or "")
        if entry.get("resource_id") and resource is None:
            skip(f"{label}: the resource was deleted.")
        elif entry.get("permission_set_id") and permission_set is None:
            skip(f"{label}: the permission set was deleted.")
        elif not can_grant:
            skip(f"{label}: you cannot manage access in {organization}.")
        else:
            plan.grants.append((resource, permission_set, entry))

    # Rights on the group, and rights the group held on other groups.
    rights = snapshot.get("rights", [])
    holders = {
        str(u.public_id): u
        for u in User.objects.filter(
            public_id__in=[r["holder_id"] for r in rights if r["holder_type"] == "user"]
        )
    }
    holders_in = users_in_organization(organization, list(holders.values()))
    held = snapshot.get("rights_held", [])
    holder_groups = {
        str(g.public_id): g
        for g in Group.objects.filter(
            organization=organization,
            public_id__in=[r["holder_id"] for r in rights if r["holder_type"] == "group"]
            + [r["group_id"] for r in held],
        ).select_related("organization")
    }
    for entry in rights:
        label = f"Rights of {entry['name']} on the group"
        if entry["holder_type"] == "user":
            user = holders.get(entry["holder_id"])
            if user is None or user.pk not in holders_in:
                skip(f"{label}: no longer in {organization}.")
            else:
                plan.user_rights.append((user, entry["rights"]))
        elif entry["holder_id"] == SELF:
            plan.group_rights.append((SELF, entry["rights"]))
        elif entry["holder_id"] in holder_groups:
            plan.group_rights.append((holder_groups[entry["holder_id"]], entry["rights"]))
        else:
            skip(f"{label}: that group was deleted.")
    for entry in held:
        target = holder_groups.get(entry["group_id"])
        label = f"Rights on “{entry['name']}”"
        if target is None:
            skip(f"{label}: that group was deleted.")
        elif not checker.can("change", target):
            skip(f"{label}: you cannot change “{target}”.")
        else:
            plan.rights_held.append((target, entry["rights"]))
    return plan


def _people(deleted: DeletedGroup) -> dict:
    """The users named as adders and creators in the snapshot, by public id (one query)."""
    snapshot = deleted.snapshot
    ids = {snapshot.get("group", {}).get("created_by")}
    for key, who in (
        ("members", "added_by"),
        ("member_groups", "added_by"),
        ("parent_groups", "added_by"),
        ("permission_sets", "assigned_by"),
        ("grants", "created_by"),
    ):
        ids |= {entry.get(who) for entry in snapshot.get(key, [])}
    ids.discard(None)
    return {str(u.public_id): u for u in User.objects.filter(public_id__in=ids)}


def _keep_times(model, rows, field_name, times) -> None:
    """Put back the dates the rows had (``auto_now_add`` stamps them with now on insert)."""
    for row in rows:
        setattr(row, field_name, times[row.pk])
    if rows:
        model.objects.bulk_update(rows, [field_name])


@transaction.atomic
def group_restore(
    *,
    deleted: DeletedGroup,
    display_name: str | None = None,
    channel: str = Channel.SYSTEM,
    actor,
) -> Restored:
    """Bring a deleted group back (same public id) with what still makes sense, and say what
    could not come back. Needs ``delete_groups`` on the organization; see the module's
    docstring for the parts that need more. One ``group.restored`` audit event."""
    organization = deleted.organization
    if actor is not None:
        access.require(actor, "restore_groups", organization)
    # Nestings of one organization run one at a time (as in ``member_group_add``).
    _lock(default_group(organization, Group.Kind.ADMINISTRATORS))
    deleted = (
        DeletedGroup.objects.select_for_update()
        .select_related("organization")
        .filter(pk=deleted.pk)
        .first()
    )
    if deleted is None:
        raise ValidationError(
            "This group was restored or removed for good meanwhile.", code=CONFLICT
        )
    if Group.objects.filter(public_id=deleted.public_id).exists():
        raise ValidationError("A group with this id exists already.", code=CONFLICT)
    plan = restore_plan(deleted=deleted, display_name=display_name, actor=actor)
    snapshot = deleted.snapshot
    people = _people(deleted)
    info = snapshot.get("group", {})

    group = Group(
        name=_auth_name(organization, plan.slug),
        public_id=deleted.public_id,
        organization=organization,
        display_name=plan.display_name,
        slug=plan.slug,
        description=deleted.description,
        kind=Group.Kind.CUSTOM,
        created_by=people.get(info.get("created_by")),
        updated_by=actor,
    )
    _save_unique(group, {"display_name": f"A group named “{plan.display_name}” already exists."})
    if info.get("created_at"):
        Group.objects.filter(pk=group.pk).update(created_at=_when(info["created_at"]))

    # Direct memberships, with who added them, when, and until when.
    Membership.objects.bulk_create(
        [
            Membership(
                group=group,
                user=user,
                added_by=people.get(entry.get("added_by")),
                expires_at=_when(entry.get("expires_at")),
            )
            for user, entry in plan.members
        ]
    )
    added_at = {user.pk: _when(entry["added_at"]) for user, entry in plan.members}
    rows = list(Membership.objects.filter(group=group))
    _keep_times(
        Membership,
        rows,
        "added_at",
        {row.pk: added_at[row.user_id] or row.added_at for row in rows},
    )

    edges = [
        MemberGroup(parent=group, child=child, added_by=people.get(entry.get("added_by")))
        for child, entry in plan.member_groups
    ] + [
        MemberGroup(parent=parent, child=group, added_by=people.get(entry.get("added_by")))
        for parent, entry in plan.parent_groups
    ]
    MemberGroup.objects.bulk_create(edges)
    times = {}
    for child, entry in plan.member_groups:
        times[(group.pk, child.pk)] = _when(entry.get("added_at"))
    for parent, entry in plan.parent_groups:
        times[(parent.pk, group.pk)] = _when(entry.get("added_at"))
    links = list(MemberGroup.objects.filter(parent=group) | MemberGroup.objects.filter(child=group))
    _keep_times(
        MemberGroup,
        links,
        "added_at",
        {link.pk: times.get((link.parent_id, link.child_id)) or link.added_at for link in links},
    )

    GroupPermissionSet.objects.bulk_create(
        [
            GroupPermissionSet(
                group=group,
                permission_set=permission_set,
                assigned_by=people.get(entry.get("assigned_by")),
            )
            for permission_set, entry in plan.permission_sets
        ]
    )
    assigned = {s.pk: _when(entry.get("assigned_at")) for s, entry in plan.permission_sets}
    links = list(GroupPermissionSet.objects.filter(group=group))
    _keep_times(
        GroupPermissionSet,
        links,
        "assigned_at",
        {link.pk: assigned.get(link.permission_set_id) or link.assigned_at for link in links},
    )

    taken = {
        str(i)
        for i in Grant.objects.filter(
            public_id__in=[e["id"] for _, _, e in plan.grants]
        ).values_list("public_id", flat=True)
    }
    created_at = {}
    new_grants = []
    for resource, permission_set, entry in plan.grants:
        grant = Grant(
            organization=organization,
            subject_group=group,
            resource=resource,
            permission_set=permission_set,
            access_types=[] if permission_set else entry["access_types"],
            created_by=people.get(entry.get("created_by")),
        )
        if entry["id"] not in taken:
            # The same id as before, unless another grant has taken it meanwhile.
            grant.public_id = entry["id"]
        created_at[str(grant.public_id)] = _when(entry.get("created_at"))
        new_grants.append(grant)
    Grant.objects.bulk_create(new_grants)
    rows = list(Grant.objects.filter(subject_group=group))
    _keep_times(
        Grant,
        rows,
        "created_at",
        {row.pk: created_at.get(str(row.public_id)) or row.created_at for row in rows},
    )

    for user, rights in plan.user_rights:
        for right in rights:
            assign_perm(f"groups.{right}", user, group)
    for holder, rights in plan.group_rights:
        for right in rights:
            assign_perm(f"groups.{right}", group if holder == SELF else holder, group)
    for target, rights in plan.rights_held:
        for right in rights:
            assign_perm(f"groups.{right}", group, target)

    # Guardian's rows, from the grants and sets (as the grant services derive them), and the
    # effective memberships of the group and of every group above it.
    _sync_organization_permissions(group)
    _sync_resources(_with_contents([r for r, _, _ in plan.grants if r is not None]))
    graph = nesting.Graph(organization.pk)
    nesting.refresh(organization.pk, graph.above(group.pk), graph)

    after = {
        "name": group.display_name,
        "slug": group.slug,
        "deleted_at": _iso(deleted.deleted_at),
        "members": [
            {"user_id": str(u.public_id), "user": u.display_name, "email": u.email}
            for u, _ in plan.members
        ],
        "member_groups": [
            {"member_group": g.display_name, "member_group_id": str(g.public_id)}
            for g, _ in plan.member_groups
        ],
        "parent_groups": [
            {"group": g.display_name, "group_id": str(g.public_id)} for g, _ in plan.parent_groups
        ],
        "permission_sets": [s.name for s, _ in plan.permission_sets],
        "grants": [
            {
                "target": r.ref if r is not None else str(organization),
                "permission_set": s.name if s is not None else None,
                "access": [] if s is not None else e["access_types"],
            }
            for r, s, e in plan.grants
        ],
        "not_restored": plan.skipped,
    }
    if group.display_name != deleted.display_name:
        after["renamed_from"] = deleted.display_name
    audit_record(
        action="group.restored",
        organization=organization,
        target=group,
        after=after,
        channel=channel,
        actor=actor,
    )
    deleted.delete()
    return Restored(group=group, plan=plan)


# --- purging --------------------------------------------------------------------------------


@transaction.atomic
def deleted_groups_purge(
    *,
    days: int = RETENTION_DAYS,
    organization: Organization | None = None,
    now=None,
    channel: str = Channel.SYSTEM,
    actor=None,
) -> list[DeletedGroup]:
    """Remove for good the deleted groups older than ``days`` (of one organization, or all),
    one ``group.purged`` audit event each. Returns what was removed."""
    if days < 0:
        raise ValidationError({"days": "days cannot be negative."})
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = DeletedGroup.objects.select_for_update().filter(deleted_at__lte=cutoff)
    if organization is not None:
        old = old.filter(organization=organization)
    old = list(old.select_related("organization").order_by("deleted_at", "pk"))
    for deleted in old:
        audit_record(
            action="group.purged",
            organization=deleted.organization,
            target=deleted,
            target_type="group",
            before={
                "name": deleted.display_name,
                "slug": deleted.slug,
                "deleted_at": _iso(deleted.deleted_at),
                "deleted_by": deleted.deleted_by_name,
                "members": deleted.member_count,
            },
            channel=channel,
            actor=actor,
        )
    DeletedGroup.objects.filter(pk__in=[d.pk for d in old]).delete()
    return old
