"""Permission sets: named bundles of organization capabilities, and which groups hold them."""

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organization
from audit.recording import Channel, audit_record

from .. import access
from ..models import Group, GroupPermissionSet, PermissionSet
from .common import (
    CONFLICT,
    PROTECTED,
    UNSET,
    clean_description,
    clean_name,
    collect_errors,
    lock_group,
    require_on_group,
    save_unique,
)
from .permissions import sync_organization_permissions, sync_permission_set


def capabilities():
    """The permissions a permission set may hold: the organization-wide capabilities."""
    return Permission.objects.filter(
        content_type__app_label="accounts", content_type__model="organization"
    ).exclude(codename__in=["add_organization", "delete_organization"])


def permission_set_by_key(key: str) -> PermissionSet:
    return PermissionSet.objects.get(key=key, organization=None)


def clean_permissions(permissions) -> list:
    wanted = {p if isinstance(p, str) else p.codename for p in permissions}
    found = list(capabilities().filter(codename__in=wanted))
    unknown = wanted - {p.codename for p in found}
    if unknown:
        raise ValidationError(
            {"permissions": f"Unknown capabilities: {', '.join(sorted(unknown))}."}
        )
    return found


def _check_set_name_free(organization, name, *, exclude_pk=None):
    clash = PermissionSet.objects.filter(name__iexact=name).exclude(pk=exclude_pk)
    if clash.filter(organization=organization).exists() or clash.filter(organization=None).exists():
        raise ValidationError({"name": f"A permission set named “{name}” already exists."})


def _set_snapshot(permission_set) -> dict:
    return {
        "name": permission_set.name,
        "description": permission_set.description,
        "permissions": sorted(permission_set.permissions.values_list("codename", flat=True)),
    }


@transaction.atomic
def permission_set_create(
    *,
    organization: Organization,
    name: str,
    description: str = "",
    permissions=(),
    channel: str = Channel.SYSTEM,
    actor,
) -> PermissionSet:
    if actor is not None:
        access.require(actor, "manage_permission_sets", organization)
    name = clean_name(name, field="name")
    _check_set_name_free(organization, name)
    permission_set = PermissionSet(
        organization=organization, name=name, description=clean_description(description)
    )
    save_unique(permission_set, {"name": f"A permission set named “{name}” already exists."})
    permission_set.permissions.set(clean_permissions(permissions))
    audit_record(
        action="permission_set.created",
        organization=organization,
        target=permission_set,
        after=_set_snapshot(permission_set),
        channel=channel,
        actor=actor,
    )
    return permission_set


def _check_set_editable(permission_set: PermissionSet, verb: str) -> None:
    if permission_set.protected:
        raise ValidationError(
            f"“{permission_set}” is a default permission set: it cannot be {verb}.",
            code=PROTECTED,
        )


@transaction.atomic
def permission_set_update(
    *,
    permission_set: PermissionSet,
    name=UNSET,
    description=UNSET,
    permissions=UNSET,
    channel: str = Channel.SYSTEM,
    actor,
) -> PermissionSet:
    """Edit a custom permission set; every group holding it gets the new capabilities now."""
    permission_set = PermissionSet.objects.select_for_update().get(pk=permission_set.pk)
    _check_set_editable(permission_set, "edited")
    if actor is not None:
        access.require(actor, "manage_permission_sets", permission_set.organization)
    before = _set_snapshot(permission_set)
    if name is not UNSET:
        permission_set.name = clean_name(name, field="name")
        _check_set_name_free(
            permission_set.organization, permission_set.name, exclude_pk=permission_set.pk
        )
    if description is not UNSET:
        permission_set.description = clean_description(description)
    save_unique(
        permission_set, {"name": f"A permission set named “{permission_set.name}” already exists."}
    )
    if permissions is not UNSET:
        permission_set.permissions.set(clean_permissions(permissions))
        for link in permission_set.group_links.select_related("group__organization"):
            sync_organization_permissions(link.group)

        sync_permission_set(permission_set)
    after = _set_snapshot(permission_set)
    if after != before:
        audit_record(
            action="permission_set.updated",
            organization=permission_set.organization,
            target=permission_set,
            before=before,
            after=after,
            channel=channel,
            actor=actor,
        )
    return permission_set


@transaction.atomic
def permission_set_delete(
    *, permission_set: PermissionSet, channel: str = Channel.SYSTEM, actor
) -> None:
    """Delete a custom permission set no group holds any more."""
    permission_set = PermissionSet.objects.select_for_update().get(pk=permission_set.pk)
    _check_set_editable(permission_set, "deleted")
    if actor is not None:
        access.require(actor, "manage_permission_sets", permission_set.organization)
    holders = permission_set.group_links.count()
    grants = permission_set.grants.count()
    if holders or grants:
        uses = [f"held by {holders} group{'s' if holders != 1 else ''}"] if holders else []
        uses += [f"used by {grants} grant{'s' if grants != 1 else ''}"] if grants else []
        raise ValidationError(
            f"“{permission_set}” is {' and '.join(uses)}: remove it from them first.",
            code=CONFLICT,
        )
    audit_record(
        action="permission_set.deleted",
        organization=permission_set.organization,
        target=permission_set,
        before=_set_snapshot(permission_set),
        channel=channel,
        actor=actor,
    )
    permission_set.delete()


def link_permission_set(group, permission_set, actor) -> None:
    GroupPermissionSet.objects.create(group=group, permission_set=permission_set, assigned_by=actor)
    sync_organization_permissions(group)


@transaction.atomic
def group_permission_set_add(
    *, group: Group, permission_set: PermissionSet, channel: str = Channel.SYSTEM, actor
) -> bool:
    """Give a group a permission set on its organization; every member holds its capabilities
    from the next request on. Default groups' sets are fixed. Returns False if already held."""
    group = lock_group(group)
    _check_permission_sets_editable(group, permission_set, actor)
    if group.permission_set_links.filter(permission_set=permission_set).exists():
        return False
    # Its members get the set's capabilities: nobody hands out more than they hold.
    access.require_holding(
        actor,
        group.organization,
        permission_set.permissions.values_list("codename", flat=True),
        giving=f"“{permission_set}” to the members of {group}",
    )
    link_permission_set(group, permission_set, actor)
    audit_record(
        action="group.permission_set_added",
        organization=group.organization,
        target=group,
        after={"permission_set": permission_set.name, "id": str(permission_set.public_id)},
        channel=channel,
        actor=actor,
    )
    return True


@transaction.atomic
def group_permission_set_remove(
    *, group: Group, permission_set: PermissionSet, channel: str = Channel.SYSTEM, actor
) -> bool:
    """Take a permission set from a group. Returns False if it did not hold it."""
    group = lock_group(group)
    _check_permission_sets_editable(group, permission_set, actor)
    deleted, _ = group.permission_set_links.filter(permission_set=permission_set).delete()
    if not deleted:
        return False
    sync_organization_permissions(group)
    audit_record(
        action="group.permission_set_removed",
        organization=group.organization,
        target=group,
        before={"permission_set": permission_set.name, "id": str(permission_set.public_id)},
        channel=channel,
        actor=actor,
    )
    return True


def _check_permission_sets_editable(group, permission_set, actor) -> None:
    require_on_group(actor, "manage_permission_sets", group, on_organization=True)
    if permission_set.organization_id not in (None, group.organization_id):
        raise ValidationError({"permission_set": "No such permission set in this organization."})
    if group.is_default:
        raise ValidationError(
            {
                "permission_set": ValidationError(
                    f"The permission sets of “{group}”, a default group, are fixed.",
                    code=PROTECTED,
                )
            }
        )


def permission_set_validate(
    *, organization, name, description="", permission_set: PermissionSet | None = None
) -> None:
    """Raise the ValidationError creating or updating a permission set would raise."""
    errors: dict = {}
    if permission_set is not None and permission_set.protected:
        raise ValidationError(
            f"“{permission_set}” is a default permission set: it cannot be edited."
        )
    name = collect_errors(errors, clean_name, name, field="name")
    collect_errors(errors, clean_description, description)
    if name is not None:
        collect_errors(
            errors,
            _check_set_name_free,
            organization,
            name,
            exclude_pk=permission_set.pk if permission_set else None,
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_permission_sets_set(
    *, group: Group, permission_sets, among=None, channel: str = Channel.SYSTEM, actor
) -> tuple[list, list]:
    """Make the sets ``group`` holds exactly ``permission_sets``, all or nothing. With
    ``among``, only sets in it are taken away (Conductor's roles leave other sets alone).
    Returns ``(added, removed)``."""
    group = lock_group(group)
    # Each change checks the actor's right itself: asking for what is already so needs none.
    wanted = list(dict.fromkeys(permission_sets))
    held = [
        link.permission_set for link in group.permission_set_links.select_related("permission_set")
    ]
    if among is not None:
        among = set(among)
    removable = held if among is None else [s for s in held if s in among]
    removed = [
        permission_set
        for permission_set in removable
        if permission_set not in wanted
        and group_permission_set_remove(
            group=group, permission_set=permission_set, channel=channel, actor=actor
        )
    ]
    added = [
        permission_set
        for permission_set in wanted
        if permission_set not in held
        and group_permission_set_add(
            group=group, permission_set=permission_set, channel=channel, actor=actor
        )
    ]
    return added, removed


@transaction.atomic
def permission_set_default_ensure(*, key: str, name: str, description: str, capabilities):
    """A protected permission set shared by every organization (like the defaults), made the
    first time something needs it (Conductor's managed roles); an existing one is left as it
    is. Not a change of any organization, so no audit event, as for the defaults."""
    permission_set, created = PermissionSet.objects.get_or_create(
        key=key,
        organization=None,
        defaults={"name": name, "description": description, "protected": True},
    )
    if created:
        permission_set.permissions.set(clean_permissions(capabilities))
    return permission_set
