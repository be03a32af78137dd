"""The snapshot a deleted group leaves, the Deleted groups list, and the purge."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from audit.recording import Channel, audit_record

from ...models import (
    RETENTION_DAYS,
    DeletedGroup,
    Grant,
    Group,
    GroupGroupObjectPermission,
    GroupPermissionSet,
    GroupUserObjectPermission,
    MemberGroup,
    Membership,
)

User = get_user_model()
SNAPSHOT_VERSION = 1
# A rights holder entry naming the deleted group itself (a group may hold rights on itself).
SELF = "self"


def iso_time(value) -> str | None:
    return value.isoformat() if value else None


def parse_time(value) -> datetime | None:
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
            "added_at": iso_time(m.added_at),
            "added_by": _user_ref(m.added_by),
            "expires_at": iso_time(m.expires_at),
        }
        for m in Membership.objects.filter(group=group, direct=True)
        .select_related("user", "added_by")
        .order_by("user__last_name", "user__first_name", "user__email")
    ]
    member_groups = [
        {
            "group_id": str(link.child.public_id),
            "name": link.child.display_name,
            "added_at": iso_time(link.added_at),
            "added_by": _user_ref(link.added_by),
        }
        for link in MemberGroup.objects.filter(parent=group).select_related("child", "added_by")
    ]
    parent_groups = [
        {
            "group_id": str(link.parent.public_id),
            "name": link.parent.display_name,
            "added_at": iso_time(link.added_at),
            "added_by": _user_ref(link.added_by),
        }
        for link in MemberGroup.objects.filter(child=group).select_related("parent", "added_by")
    ]
    permission_sets = [
        {
            "id": str(link.permission_set.public_id),
            "name": link.permission_set.name,
            "assigned_at": iso_time(link.assigned_at),
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
            "created_at": iso_time(grant.created_at),
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
            "created_at": iso_time(group.created_at),
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
                "deleted_at": iso_time(deleted.deleted_at),
                "deleted_by": deleted.deleted_by_name,
                "members": deleted.member_count,
            },
            channel=channel,
            actor=actor,
        )
    DeletedGroup.objects.filter(pk__in=[d.pk for d in old]).delete()
    return old
