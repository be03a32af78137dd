"""Resources and grants: every write.

A grant gives a subject (a user or a group) on a target (the organization or a resource) a
permission set or a list of access types. A grant on a folder reaches every resource inside it,
present and future. Guardian's rows follow the grants (``permissions``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Organization
from audit.recording import Channel, audit_record

from .. import access, resource_types
from ..models import ACCESS_TYPES, Grant, Group, PermissionSet, Resource, access_codename
from .common import CONFLICT, clean_name, save_unique, users_in_organization
from .permissions import sync_resources, sync_target, with_contents

KEY_MAX_LENGTH = 200


def _require(actor, organization) -> None:
    if actor is not None:
        access.require(actor, "manage_access", organization)


def _clean_key(value) -> str:
    key = str(value or "").strip()
    if not key:
        raise ValidationError({"key": "Key is required."})
    if len(key) > KEY_MAX_LENGTH:
        raise ValidationError({"key": f"Key can be at most {KEY_MAX_LENGTH} characters."})
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise ValidationError({"key": "Key cannot contain control characters."})
    return key


def _check_folder(organization, folder, resource=None) -> None:
    if folder is None:
        return
    if folder.organization_id != organization.pk:
        raise ValidationError({"folder": f"“{folder}” is not in {organization}."})
    if not resource_types.get(folder.type).folder:
        raise ValidationError({"folder": f"“{folder}” is not a folder."})
    node = folder
    while node is not None and resource is not None:
        if node.pk == resource.pk:
            raise ValidationError({"folder": f"“{folder}” is inside “{resource}”."})
        node = node.folder


@transaction.atomic
def resource_create(
    *,
    organization: Organization,
    type: str,
    key: str,
    name: str = "",
    folder: Resource | None = None,
    channel: str = Channel.SYSTEM,
    actor,
) -> Resource:
    """Register a resource; grants on its folder reach it at once."""
    _require(actor, organization)
    resource_types.get(type)
    key = _clean_key(key)
    name = clean_name(name, field="name") if str(name or "").strip() else ""
    _check_folder(organization, folder)
    if Resource.objects.filter(organization=organization, type=type, key=key).exists():
        raise ValidationError({"key": f"{type}:{key} already exists in {organization}."})
    resource = Resource(
        organization=organization, type=type, key=key, name=name, folder=folder, created_by=actor
    )
    save_unique(resource, {"key": f"{type}:{key} already exists in {organization}."})
    sync_resources([resource])
    audit_record(
        action="resource.created",
        organization=organization,
        target=resource,
        after={"ref": resource.ref, "name": name, "folder": folder.ref if folder else None},
        channel=channel,
        actor=actor,
    )
    return resource


@transaction.atomic
def resource_move(
    *, resource: Resource, folder: Resource | None, channel: str = Channel.SYSTEM, actor
) -> Resource:
    """Put a resource in another folder (or none): it gets that folder's grants instead."""
    _require(actor, resource.organization)
    _check_folder(resource.organization, folder, resource)
    before = resource.folder.ref if resource.folder_id else None
    resource.folder = folder
    resource.save(update_fields=["folder"])
    sync_resources(with_contents([resource]))
    audit_record(
        action="resource.moved",
        organization=resource.organization,
        target=resource,
        before={"folder": before},
        after={"folder": folder.ref if folder else None},
        channel=channel,
        actor=actor,
    )
    return resource


@transaction.atomic
def resource_delete(*, resource: Resource, channel: str = Channel.SYSTEM, actor) -> None:
    """Delete a resource (and the grants on it). A folder must be empty first."""
    _require(actor, resource.organization)
    if resource.contents.exists():
        raise ValidationError(
            f"“{resource}” is not empty: move or delete what is inside first.", code=CONFLICT
        )
    audit_record(
        action="resource.deleted",
        organization=resource.organization,
        target=resource,
        before={"ref": resource.ref, "grants": resource.grants.count()},
        channel=channel,
        actor=actor,
    )
    resource.delete()


@transaction.atomic
def resource_for(obj, *, actor=None) -> Resource:
    """The Resource of an instance of a registered model, made on first use (and recorded in
    the audit trail then, as made by the system: asking about access is not a change)."""
    resource_type = resource_types.for_model(type(obj))
    organization = obj
    for part in resource_type.organization_field.split("__"):
        organization = getattr(organization, part)
    resource, created = Resource.objects.get_or_create(
        organization=organization,
        type=resource_type.key,
        key=str(obj.pk),
        defaults={"name": str(obj)[:100], "created_by": actor},
    )
    if created:
        audit_record(
            action="resource.created",
            organization=organization,
            target=resource,
            after={"ref": resource.ref, "name": resource.name, "folder": None},
            channel=Channel.SYSTEM,
            actor=actor,
        )
    return resource


def _clean_access_types(values, resource) -> list[str]:
    wanted = [str(v).strip().upper() for v in values or []]
    unknown = [v for v in wanted if v not in ACCESS_TYPES]
    if unknown or not wanted:
        got = ", ".join(unknown) or "none"
        raise ValidationError({"access": f"Choose among {', '.join(ACCESS_TYPES)} (got {got})."})
    if resource is not None:
        supported = resource_types.get(resource.type).access_types
        refused = [v for v in wanted if v not in supported]
        if refused:
            raise ValidationError(
                {"access": f"{resource.type} does not support {', '.join(refused)}."}
            )
    return [t for t in ACCESS_TYPES if t in wanted]


def _check_subject(organization, subject) -> None:
    if isinstance(subject, Group):
        if subject.organization_id != organization.pk:
            raise ValidationError({"subject": f"“{subject}” is not in {organization}."})
    elif subject.pk not in users_in_organization(organization, [subject]):
        raise ValidationError({"subject": f"{subject.display_name} is not in {organization}."})


def _subject_filter(subject) -> dict:
    return {"subject_group": subject} if isinstance(subject, Group) else {"subject_user": subject}


def _grant_detail(subject, target, what) -> dict:
    kind = "group" if isinstance(subject, Group) else "user"
    return {
        "subject": str(subject),
        "subject_type": kind,
        "subject_id": str(subject.public_id),
        "target": target.ref if isinstance(target, Resource) else str(target),
        "target_id": str(target.public_id),
        **what,
    }


def _target_parts(organization, target):
    if isinstance(target, Organization):
        if target.pk != organization.pk:
            raise ValidationError({"target": "The target is in another organization."})
        return None
    if target.organization_id != organization.pk:
        raise ValidationError({"target": f"“{target}” is not in {organization}."})
    return target


@transaction.atomic
def grant_add(
    *,
    organization: Organization,
    subject,
    target,
    permission_set: PermissionSet | None = None,
    access_types=None,
    channel: str = Channel.SYSTEM,
    actor,
) -> Grant:
    """Let ``subject`` do ``access_types`` (added to what it had) or what ``permission_set``
    allows, on ``target``; members of a group subject get it at once."""
    _require(actor, organization)
    resource = _target_parts(organization, target)
    _check_subject(organization, subject)
    if (permission_set is None) == (access_types is None):
        raise ValidationError("Give either a permission set or a list of access types.")
    where = {"organization": organization, "resource": resource, **_subject_filter(subject)}
    if permission_set is not None:
        if permission_set.organization_id not in (None, organization.pk):
            raise ValidationError({"permission_set": "No such permission set here."})
        _require_holding(actor, organization, resource, permission_set=permission_set)
        grant, created = Grant.objects.get_or_create(
            **where, permission_set=permission_set, defaults={"created_by": actor}
        )
        what = {"permission_set": permission_set.name}
        changed = created
    else:
        wanted = _clean_access_types(access_types, resource)
        _require_holding(actor, organization, resource, access_types=wanted)
        grant, changed = _access_grant_merge(where, wanted, actor)
        what = {"access": wanted}
    if changed:
        sync_target(organization, subject, resource)
        audit_record(
            action="grant.added",
            organization=organization,
            target=grant,
            after=_grant_detail(subject, target, what),
            channel=channel,
            actor=actor,
        )
    return grant


def _require_holding(actor, organization, resource, *, permission_set=None, access_types=()):
    """The granter must hold what the grant gives on its target (on a resource, only the
    access types the resource supports count: the rest of a set does not apply there)."""
    if permission_set is not None:
        codenames = set(permission_set.permissions.values_list("codename", flat=True))
        giving = f"“{permission_set}”"
    else:
        codenames = {access_codename(t) for t in access_types}
        giving = ", ".join(access_types)
    if resource is not None:
        supported = resource_types.get(resource.type).access_types
        codenames &= {access_codename(t) for t in supported}
    where = resource.ref if resource is not None else str(organization)
    access.require_holding(
        actor, organization, codenames, giving=f"{giving} on {where}", resource=resource
    )


def _access_grant_merge(where, wanted, actor) -> tuple[Grant, bool]:
    """The subject's access-type grant on the target, with ``wanted`` added; created if absent.
    Safe against a concurrent grant_add: the unique constraint refuses the second row, and the
    loser merges into the winner's row instead."""
    grant = Grant.objects.select_for_update().filter(**where, permission_set=None).first()
    if grant is None:
        try:
            with transaction.atomic():
                return Grant.objects.create(**where, access_types=wanted, created_by=actor), True
        except IntegrityError:
            grant = Grant.objects.select_for_update().get(**where, permission_set=None)
    merged = [t for t in ACCESS_TYPES if t in set(grant.access_types) | set(wanted)]
    changed = merged != grant.access_types
    if changed:
        grant.access_types = merged
        grant.save(update_fields=["access_types"])
    return grant, changed


@transaction.atomic
def grant_remove(
    *,
    organization: Organization,
    subject,
    target,
    permission_set: PermissionSet | None = None,
    access_types=None,
    channel: str = Channel.SYSTEM,
    actor,
) -> bool:
    """Take back access types (or a permission set) from ``subject`` on ``target``; access
    the subject has another way stays. Returns False if there was nothing to take back."""
    _require(actor, organization)
    resource = _target_parts(organization, target)
    _check_subject(organization, subject)
    if (permission_set is None) == (access_types is None):
        raise ValidationError("Give either a permission set or a list of access types.")
    where = {"organization": organization, "resource": resource, **_subject_filter(subject)}
    if permission_set is not None:
        deleted, _ = Grant.objects.filter(**where, permission_set=permission_set).delete()
        changed, what = bool(deleted), {"permission_set": permission_set.name}
    else:
        removing = _clean_access_types(access_types, resource)
        grant = Grant.objects.filter(**where, permission_set=None).first()
        changed = grant is not None and bool(set(grant.access_types) & set(removing))
        if changed:
            grant.access_types = [t for t in grant.access_types if t not in removing]
            if grant.access_types:
                grant.save(update_fields=["access_types"])
            else:
                grant.delete()
        what = {"access": removing}
    if changed:
        sync_target(organization, subject, resource)
        audit_record(
            action="grant.removed",
            organization=organization,
            target=resource or organization,
            before=_grant_detail(subject, target, what),
            channel=channel,
            actor=actor,
        )
    return changed


@transaction.atomic
def grant_delete(*, grant: Grant, channel: str = Channel.SYSTEM, actor) -> None:
    """Delete one grant (as listed on a target's or a subject's page)."""
    _require(actor, grant.organization)
    subject, resource = grant.subject, grant.resource
    what = (
        {"permission_set": grant.permission_set.name}
        if grant.permission_set_id
        else {"access": grant.access_types}
    )
    grant.delete()
    sync_target(grant.organization, subject, resource)
    audit_record(
        action="grant.removed",
        organization=grant.organization,
        target=resource or grant.organization,
        before=_grant_detail(subject, resource or grant.organization, what),
        channel=channel,
        actor=actor,
    )
