"""Rights on one group (view, change, delete, manage members) given to a person or a group."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from audit.recording import Channel, audit_record

from .. import access
from ..models import Group, GroupGroupObjectPermission, GroupUserObjectPermission
from .common import lock_group, users_in_organization


def _check_rights(group, rights, actor) -> list[str]:
    rights = list(dict.fromkeys(rights))
    unknown = [right for right in rights if right not in access.GROUP_RIGHTS]
    if unknown or not rights:
        raise ValidationError(
            {"rights": f"Choose among: {', '.join(access.GROUP_RIGHTS)} (got {rights or 'none'})."}
        )
    if actor is not None:
        checker = access.Access(actor)
        if not checker.can_see(group):
            raise PermissionDenied("You do not have permission to see this group.")
        # Nobody hands out more than they hold themselves.
        held = checker.rights_on(group)
        if not set(rights) <= held or "change_group" not in held:
            raise PermissionDenied(f"You cannot give rights on {group} that you do not hold.")
    return rights


def _check_holder(group, user, holder_group) -> object:
    if (user is None) == (holder_group is None):
        raise ValidationError("Give the rights to one user or one group.")
    if user is not None and user.pk not in users_in_organization(group.organization, [user]):
        raise ValidationError({"user": f"{user.display_name} is not in {group.organization}."})
    if holder_group is not None and holder_group.organization_id != group.organization_id:
        raise ValidationError({"group": f"“{holder_group}” is not in {group.organization}."})
    return user if user is not None else holder_group


def _holder_detail(holder, rights) -> dict:
    return {
        "holder": str(holder),
        "holder_type": holder._meta.model_name,
        "holder_id": str(holder.public_id),
        "rights": rights,
    }


def _direct_rights(holder, group: Group) -> set[str]:
    """The rights ``holder`` (a user or a group) was given on ``group`` itself."""
    # Read guardian's rows directly: its shortcuts see nothing for a deactivated user.
    if isinstance(holder, Group):
        rows = GroupGroupObjectPermission.objects.filter(group_id=holder.pk, content_object=group)
    else:
        rows = GroupUserObjectPermission.objects.filter(user=holder, content_object=group)
    return set(rows.values_list("permission__codename", flat=True))


@transaction.atomic
def group_rights_grant(
    *,
    group: Group,
    rights,
    user=None,
    holder_group: Group | None = None,
    channel: str = Channel.SYSTEM,
    actor,
) -> None:
    """Give a user or a group rights on ``group`` (view, change, delete, manage members)."""
    group = lock_group(group)
    rights = _check_rights(group, rights, actor)
    holder = _check_holder(group, user, holder_group)
    # Rights already held are left as they are: no change, no audit event.
    rights = [right for right in rights if right not in _direct_rights(holder, group)]
    if not rights:
        return
    for right in rights:
        assign_perm(f"groups.{right}", holder, group)
    audit_record(
        action="group.rights_granted",
        organization=group.organization,
        target=group,
        after=_holder_detail(holder, rights),
        channel=channel,
        actor=actor,
    )


@transaction.atomic
def group_rights_revoke(
    *,
    group: Group,
    rights,
    user=None,
    holder_group: Group | None = None,
    channel: str = Channel.SYSTEM,
    actor,
) -> None:
    group = lock_group(group)
    rights = _check_rights(group, rights, actor)
    holder = _check_holder(group, user, holder_group)
    rights = [right for right in rights if right in _direct_rights(holder, group)]
    if not rights:
        return
    for right in rights:
        remove_perm(f"groups.{right}", holder, group)
    audit_record(
        action="group.rights_revoked",
        organization=group.organization,
        target=group,
        before=_holder_detail(holder, rights),
        channel=channel,
        actor=actor,
    )
