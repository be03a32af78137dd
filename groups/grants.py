"""Resources and grants: every write, and guardian's rows kept equal to the grants.

A grant gives a subject (a user or a group) on a target (the organization or a resource) a
permission set or a list of access types. A grant on a folder reaches every resource inside it,
present and future. Guardian's rows are an index of the grants: after each change, the rows of
the objects concerned are recomputed from the grants, in the same transaction, so
``user.has_perm("groups.access_read", resource)`` and guardian's queries tell the truth.
"""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Organization, OrganizationUserObjectPermission
from audit.recording import Channel, audit_record

from . import access, resource_types
from .models import (
    ACCESS_TYPES,
    Grant,
    Group,
    PermissionSet,
    Resource,
    ResourceGroupObjectPermission,
    ResourceUserObjectPermission,
    access_codename,
)
from .services import (
    CONFLICT,
    _save_unique,
    _sync_organization_permissions,
    clean_name,
    users_in_organization,
)

User = get_user_model()
KEY_MAX_LENGTH = 200


# --- resources -----------------------------------------------------------------------------


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
    _save_unique(resource, {"key": f"{type}:{key} already exists in {organization}."})
    _sync_resources([resource])
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
    _sync_resources(_with_contents([resource]))
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


# --- grants --------------------------------------------------------------------------------


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
        grant, created = Grant.objects.get_or_create(
            **where, permission_set=permission_set, defaults={"created_by": actor}
        )
        what = {"permission_set": permission_set.name}
        changed = created
    else:
        wanted = _clean_access_types(access_types, resource)
        grant, changed = _access_grant_merge(where, wanted, actor)
        what = {"access": wanted}
    if changed:
        _sync_target(organization, subject, resource)
        audit_record(
            action="grant.added",
            organization=organization,
            target=grant,
            after=_grant_detail(subject, target, what),
            channel=channel,
            actor=actor,
        )
    return grant


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
        _sync_target(organization, subject, resource)
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
    _sync_target(grant.organization, subject, resource)
    audit_record(
        action="grant.removed",
        organization=grant.organization,
        target=resource or grant.organization,
        before=_grant_detail(subject, resource or grant.organization, what),
        channel=channel,
        actor=actor,
    )


# --- keeping guardian's rows equal to the grants --------------------------------------------


def _set_codenames(permission_set_ids) -> dict:
    """For each permission set id: its codenames."""
    codenames = defaultdict(set)
    for set_id, codename in Permission.objects.filter(
        permission_sets__in=permission_set_ids
    ).values_list("permission_sets", "codename"):
        codenames[set_id].add(codename)
    return codenames


def _grant_codenames(grant, set_codenames) -> set[str]:
    if grant.permission_set_id:
        return set(set_codenames[grant.permission_set_id])
    return {access_codename(t) for t in grant.access_types}


def _chain(resource, folders) -> list:
    """The resource and the folders it sits in, innermost first."""
    chain, node = [], resource
    while node is not None:
        chain.append(node.pk)
        node = folders.get(node.folder_id) if node.folder_id else None
    return chain


def _with_contents(resources) -> list:
    """These resources and, for folders, everything inside them (any depth)."""
    result, frontier = list(resources), [r.pk for r in resources]
    while frontier:
        inside = list(Resource.objects.filter(folder_id__in=frontier))
        result.extend(inside)
        frontier = [r.pk for r in inside]
    return result


def _sync_resources(resources) -> None:
    """Recompute guardian's rows on these resources from the grants on them and their folders."""
    if not resources:
        return
    organization_id = resources[0].organization_id
    folders = {
        f.pk: f
        for f in Resource.objects.filter(organization_id=organization_id, type__in=_folder_types())
    }
    chains = {r.pk: _chain(r, folders) for r in resources}
    targets = set().union(*chains.values())
    grants = list(Grant.objects.filter(resource_id__in=targets))
    set_codenames = _set_codenames({g.permission_set_id for g in grants if g.permission_set_id})
    by_target = defaultdict(list)
    for grant in grants:
        by_target[grant.resource_id].append(grant)
    permissions = {
        p.codename: p.pk
        for p in Permission.objects.filter(
            content_type__app_label="groups", content_type__model="resource"
        )
    }
    for table, field in (
        (ResourceUserObjectPermission, "subject_user_id"),
        (ResourceGroupObjectPermission, "subject_group_id"),
    ):
        holder = "user_id" if table is ResourceUserObjectPermission else "group_id"
        wanted = set()
        for resource in resources:
            supported = {access_codename(t) for t in resource_types.get(resource.type).access_types}
            for target in chains[resource.pk]:
                for grant in by_target[target]:
                    subject_id = getattr(grant, field)
                    if subject_id is None:
                        continue
                    for codename in _grant_codenames(grant, set_codenames) & supported:
                        wanted.add((resource.pk, subject_id, permissions[codename]))
        current = set(
            table.objects.filter(content_object__in=resources).values_list(
                "content_object_id", holder, "permission_id"
            )
        )
        stale = current - wanted
        if stale:
            condition = Q(pk__in=[])
            for resource_id, subject_id, permission_id in stale:
                condition |= Q(
                    content_object_id=resource_id,
                    **{holder: subject_id},
                    permission_id=permission_id,
                )
            table.objects.filter(condition).delete()
        table.objects.bulk_create(
            [
                table(content_object_id=r, **{holder: s}, permission_id=p)
                for r, s, p in wanted - current
            ]
        )


def _folder_types() -> list[str]:
    return [key for key, t in resource_types.REGISTRY.items() if t.folder]


def _sync_user_organization_permissions(user, organization) -> None:
    """A user's rows on the organization: what the grants on the organization give them."""
    grants = list(Grant.objects.filter(organization=organization, resource=None, subject_user=user))
    set_codenames = _set_codenames({g.permission_set_id for g in grants if g.permission_set_id})
    wanted = set()
    for grant in grants:
        wanted |= _grant_codenames(grant, set_codenames)
    wanted_ids = set(
        Permission.objects.filter(
            content_type__app_label="accounts",
            content_type__model="organization",
            codename__in=wanted,
        ).values_list("pk", flat=True)
    )
    rows = OrganizationUserObjectPermission.objects.filter(user=user, content_object=organization)
    current = set(rows.values_list("permission_id", flat=True))
    rows.filter(permission_id__in=current - wanted_ids).delete()
    OrganizationUserObjectPermission.objects.bulk_create(
        [
            OrganizationUserObjectPermission(
                user=user, content_object=organization, permission_id=pk
            )
            for pk in wanted_ids - current
        ]
    )


def _sync_target(organization, subject, resource) -> None:
    if resource is None:
        if isinstance(subject, Group):
            _sync_organization_permissions(subject)
        else:
            _sync_user_organization_permissions(subject, organization)
    else:
        _sync_resources(_with_contents([resource]))


def sync_permission_set(permission_set: PermissionSet) -> None:
    """After a permission set changed: re-derive every grant that uses it."""
    for grant in Grant.objects.filter(permission_set=permission_set).select_related(
        "organization", "subject_user", "subject_group__organization", "resource"
    ):
        _sync_target(grant.organization, grant.subject, grant.resource)
