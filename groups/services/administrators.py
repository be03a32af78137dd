"""Invariant 3: the Administrators group always keeps at least one active member."""

from django.core.exceptions import ValidationError

from .. import nesting
from ..models import Group, Membership
from .common import LAST_ADMINISTRATOR, default_group, default_group_name, lock_group


def active_administrators(organization_id, *, graph=None, without=None) -> set:
    """The ids of the active users effectively and lastingly in the Administrators group
    (a membership that expires does not count: an organization must not be left without an
    administrator when it does, issue 15 item 6); ``without`` is a ``(group_id, user_ids)``
    whose direct memberships are left out (to ask "what if")."""
    administrators = Group.objects.get(
        organization_id=organization_id, kind=Group.Kind.ADMINISTRATORS
    )
    below = graph.below(administrators.pk) if graph else nesting.below_ids([administrators.pk])
    rows = Membership.objects.filter(
        group_id__in=below, direct=True, user__is_active=True, expires_at__isnull=True
    )
    if without is not None:
        group_id, user_ids = without
        rows = rows.exclude(group_id=group_id, user_id__in=user_ids)
    return set(rows.values_list("user_id", flat=True))


def in_administrators(group: Group, graph=None) -> bool:
    """Whether ``group`` is the Administrators group or nested in it, at any depth."""
    administrators = Group.objects.filter(
        organization_id=group.organization_id, kind=Group.Kind.ADMINISTRATORS
    ).values_list("pk", flat=True)
    above = graph.above(group.pk) if graph else nesting.above_ids([group.pk])
    return bool(above & set(administrators))


def last_administrator_error(organization) -> ValidationError:
    return ValidationError(
        {
            "users": ValidationError(
                f"“{default_group_name(organization, Group.Kind.ADMINISTRATORS)}” must keep "
                "at least one active member: this operation would remove the last "
                "administrator.",
                code=LAST_ADMINISTRATOR,
            )
        }
    )


def validate_removable(group: Group, users) -> None:
    """Removing these users' direct memberships of ``group`` must leave the organization at
    least one active administrator (counting members through nested groups). Only an operation
    that takes administrators away is refused: a new organization without any is not blocked."""
    before = active_administrators(group.organization_id)
    if not before:
        return
    after = active_administrators(
        group.organization_id, without=(group.pk, {user.pk for user in users})
    )
    if not after:
        raise last_administrator_error(group.organization)


class administrators_kept:
    """Around an operation that may take administrators away (removals, un-nesting, deleting a
    group): lock the Administrators row so that such operations run one at a time, and refuse
    (roll back) if the organization had active administrators before and has none after."""

    def __init__(self, organization):
        self.organization = organization

    def __enter__(self):
        lock_group(default_group(self.organization, Group.Kind.ADMINISTRATORS))
        self.before = bool(active_administrators(self.organization.pk))
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None and self.before and not active_administrators(self.organization.pk):
            raise last_administrator_error(self.organization)
        return False
