"""Member groups (nesting): a group's members may be groups; no cycles, one organization."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.recording import Channel, audit_record

from .. import access, nesting
from ..models import Group, MemberGroup, Membership
from .administrators import administrators_kept, in_administrators
from .common import CONFLICT, PROTECTED, default_group, lock_group, require_on_group
from .memberships import (
    check_members_editable,
    membership_add,
    membership_remove,
    require_holding_what_it_confers,
)


def _group_names(ids) -> list[str]:
    names = dict(Group.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return [names[i] for i in ids]


def _member_group_audit(action, parent, child, *, channel, actor):
    detail = {"member_group": child.display_name, "member_group_id": str(child.public_id)}
    audit_record(
        action=action,
        organization=parent.organization,
        target=parent,
        before=detail if action == "member_group.removed" else None,
        after=detail if action == "member_group.added" else None,
        channel=channel,
        actor=actor,
    )


REFRESH_CHUNK = 5000  # people per closure refresh: far below PostgreSQL's 65,535 parameters


def _refresh_people_below(organization_id, group_ids) -> None:
    """Refresh the inherited rows of everyone directly in ``group_ids``, after an edge into
    their subtree was removed: their closure is all that can change (``nesting.refresh_users``,
    a chunk of people at a time)."""
    people = sorted(
        set(
            Membership.objects.filter(group_id__in=group_ids, direct=True).values_list(
                "user_id", flat=True
            )
        )
    )
    for start in range(0, len(people), REFRESH_CHUNK):
        chunk = people[start : start + REFRESH_CHUNK]
        nesting.refresh_users(organization_id, chunk)


@transaction.atomic
def member_group_add(*, parent: Group, child: Group, channel: str = Channel.SYSTEM, actor) -> bool:
    """Make ``child`` a member of ``parent``: every member of ``child`` (at any depth) becomes
    a member of ``parent`` at once. Same organization only; a cycle is refused with its path.
    Returns False if it already was."""
    # Every nesting of the organization runs one at a time (the Administrators row is the
    # organization's lock), so two opposite nestings cannot both pass the cycle check.
    lock_group(default_group(parent.organization, Group.Kind.ADMINISTRATORS))
    parent = lock_group(parent)
    # The child too: adding members to it waits for this nesting (and the reverse), so the
    # expiry rule below sees their rows; a child deleted meanwhile is a 404, not an
    # IntegrityError (issue 15, items 6 and 14).
    child = lock_group(child)
    require_on_group(actor, "manage_members", parent)
    if actor is not None and not access.can(actor, "view", child):
        raise PermissionDenied("You do not have permission to see that group.")
    if child.organization_id != parent.organization_id:
        raise ValidationError({"child": f"“{child}” is not in {parent.organization}."})
    check_members_editable(parent, "add")
    if child.kind == Group.Kind.USERS and parent.kind == Group.Kind.ADMINISTRATORS:
        raise ValidationError(
            {
                "child": ValidationError(
                    f"“{child}” holds everyone: nesting it in “{parent}” would make every user "
                    "an administrator.",
                    code=PROTECTED,
                )
            }
        )
    if child.pk == parent.pk:
        raise ValidationError(
            {"child": ValidationError(f"“{parent}” cannot be a member of itself.", code="cycle")}
        )
    if MemberGroup.objects.filter(parent=parent, child=child).exists():
        return False
    below_child = nesting.below_ids([child.pk])
    if parent.pk in below_child:
        # The whole graph only to name the cycle (a refusal, rare).
        path = nesting.Graph(parent.organization_id).path(child.pk, parent.pk)
        names = " → ".join([*_group_names(path), child.display_name])
        raise ValidationError(
            {
                "child": ValidationError(
                    f"“{child}” cannot be a member of “{parent}”: “{parent}” is already inside "
                    f"“{child}” ({names} would be a cycle).",
                    code="cycle",
                )
            }
        )
    if (
        in_administrators(parent)
        and Membership.objects.filter(
            group_id__in=below_child, direct=True, expires_at__isnull=False
        ).exists()
    ):
        # The same reason as in ``membership_add``: an administrator's access must not expire.
        raise ValidationError(
            {
                "child": ValidationError(
                    f"“{child}” has members whose membership expires: it cannot be nested "
                    f"into “{parent}”, whose members are administrators.",
                    code=CONFLICT,
                )
            }
        )
    require_holding_what_it_confers(actor, parent)
    MemberGroup.objects.create(parent=parent, child=child, added_by=actor)
    # Only the people in ``child`` (at any depth) gain groups: ``parent`` and those above it.
    nesting.add_subtree(parent.pk, child.pk)
    _member_group_audit("member_group.added", parent, child, channel=channel, actor=actor)
    return True


@transaction.atomic
def member_group_remove(
    *, parent: Group, child: Group, channel: str = Channel.SYSTEM, actor
) -> bool:
    """Take ``child`` out of ``parent``; its members keep only the access they have otherwise.
    Returns False if it was not a member group."""
    with administrators_kept(parent.organization):
        parent = lock_group(parent)
        require_on_group(actor, "manage_members", parent)
        deleted, _ = MemberGroup.objects.filter(parent=parent, child=child).delete()
        if not deleted:
            return False
        # Only the people in ``child`` (at any depth) can lose groups.
        _refresh_people_below(parent.organization_id, nesting.below_ids([child.pk]))
        _member_group_audit("member_group.removed", parent, child, channel=channel, actor=actor)
        return True


@transaction.atomic
def member_groups_add(
    *, parent: Group, children, channel: str = Channel.SYSTEM, actor
) -> list[Group]:
    """Make several groups members of ``parent``, all or nothing (one refused: none is added).
    Returns those that were not members yet."""
    return [
        child
        for child in dict.fromkeys(children)
        if member_group_add(parent=parent, child=child, channel=channel, actor=actor)
    ]


@transaction.atomic
def members_add(*, group: Group, users=(), groups=(), channel: str = Channel.SYSTEM, actor):
    """Add people and groups as members of ``group`` in one change, all or nothing.
    Returns ``(users added, groups added)``."""
    users = list(users)
    added_users = (
        membership_add(group=group, users=users, channel=channel, actor=actor) if users else []
    )
    added_groups = member_groups_add(parent=group, children=groups, channel=channel, actor=actor)
    return added_users, added_groups


@transaction.atomic
def members_remove(*, group: Group, users=(), groups=(), channel: str = Channel.SYSTEM, actor):
    """Remove people and member groups from ``group`` in one change, all or nothing; those who
    are not members are a no-op, someone there only through a member group is refused.
    Returns ``(users removed, groups removed)``."""
    users = list(users)
    removed_users = (
        membership_remove(group=group, users=users, channel=channel, actor=actor) if users else []
    )
    removed_groups = [
        child
        for child in dict.fromkeys(groups)
        if member_group_remove(parent=group, child=child, channel=channel, actor=actor)
    ]
    return removed_users, removed_groups
