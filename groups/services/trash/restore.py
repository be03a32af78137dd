"""Restoring a deleted group: carrying out its plan in one transaction, one audit event."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm

from audit.recording import Channel, audit_record

from ... import access, nesting
from ...models import (
    RETENTION_DAYS,
    DeletedGroup,
    Grant,
    Group,
    GroupPermissionSet,
    MemberGroup,
    Membership,
)
from ..common import CONFLICT, default_group, lock_group, save_unique
from ..names import auth_name
from ..permissions import sync_organization_permissions, sync_resources, with_contents
from .plan import SELF, RestorePlan, restore_plan
from .snapshot import iso_time, parse_time

User = get_user_model()


@dataclass
class Restored:
    group: Group
    plan: RestorePlan


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
    lock_group(default_group(organization, Group.Kind.ADMINISTRATORS))
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
    if deleted.days_left == 0:
        raise ValidationError(
            f"“{deleted.display_name}” was deleted on {deleted.deleted_at:%Y-%m-%d} (UTC), "
            f"more than {RETENTION_DAYS} days ago: it is due to be removed for good and can no "
            "longer be restored.",
            code=CONFLICT,
        )
    if Group.objects.filter(public_id=deleted.public_id).exists():
        raise ValidationError("A group with this id exists already.", code=CONFLICT)
    plan = restore_plan(deleted=deleted, display_name=display_name, actor=actor)
    snapshot = deleted.snapshot
    people = _people(deleted)
    info = snapshot.get("group", {})

    group = Group(
        name=auth_name(organization, plan.slug),
        public_id=deleted.public_id,
        organization=organization,
        display_name=plan.display_name,
        slug=plan.slug,
        description=deleted.description,
        kind=Group.Kind.CUSTOM,
        created_by=people.get(info.get("created_by")),
        updated_by=actor,
    )
    save_unique(group, {"display_name": f"A group named “{plan.display_name}” already exists."})
    if info.get("created_at"):
        Group.objects.filter(pk=group.pk).update(created_at=parse_time(info["created_at"]))

    # Direct memberships, with who added them, when, and until when.
    Membership.objects.bulk_create(
        [
            Membership(
                group=group,
                user=user,
                added_by=people.get(entry.get("added_by")),
                expires_at=parse_time(entry.get("expires_at")),
            )
            for user, entry in plan.members
        ]
    )
    added_at = {user.pk: parse_time(entry["added_at"]) for user, entry in plan.members}
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
        times[(group.pk, child.pk)] = parse_time(entry.get("added_at"))
    for parent, entry in plan.parent_groups:
        times[(parent.pk, group.pk)] = parse_time(entry.get("added_at"))
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
    assigned = {s.pk: parse_time(entry.get("assigned_at")) for s, entry in plan.permission_sets}
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
        created_at[str(grant.public_id)] = parse_time(entry.get("created_at"))
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
    sync_organization_permissions(group)
    sync_resources(with_contents([r for r, _, _ in plan.grants if r is not None]))
    graph = nesting.Graph(organization.pk)
    nesting.refresh(organization.pk, graph.above(group.pk), graph)

    after = {
        "name": group.display_name,
        "slug": group.slug,
        "deleted_at": iso_time(deleted.deleted_at),
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
