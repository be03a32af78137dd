"""Writes to organizations and users, and who belongs to which organization.

Belonging to an organization means being in its Users group: adding a user to an organization
puts them there (and in Administrators when added as an admin); removing them takes them out of
every group of the organization and drops every right they held there.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from audit.recording import Channel, audit_record
from groups import access
from groups.models import Grant, Group, GroupUserObjectPermission, Membership, groups_named
from groups.services import (
    administrators_kept,
    default_group,
    default_group_name,
    default_groups_create,
)
from groups.services.administrators import active_administrators, last_administrator_error
from groups.services.common import UNSET, clean_name, lock_group, save_unique
from groups.services.memberships import (
    membership_delete,
    membership_insert,
    require_holding_what_it_confers,
)

from .api_keys import api_keys_revoke_of
from .models import NAME_MAX_LENGTH, Organization, OrganizationUserObjectPermission

User = get_user_model()
PERSON_NAME_MAX_LENGTH = 150


def _require_operator(actor) -> None:
    if actor is not None and not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Only operators (superusers) can create organizations.")


def _clean_organization_name(name) -> str:
    name = clean_name(name, field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": f"Name can be at most {NAME_MAX_LENGTH} characters (it has {len(name)})."}
        )
    return name


@transaction.atomic
def organization_create(
    *, name: str, slug: str | None = None, channel: str = Channel.SYSTEM, actor
) -> Organization:
    """An organization and its two default groups, in one transaction."""
    _require_operator(actor)
    name = _clean_organization_name(name)
    slug = slugify(slug if slug else name)[:60].strip("-")
    if not slug:
        raise ValidationError({"slug": "Give a slug made of Latin letters, digits and hyphens."})
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with the slug “{slug}” already exists."})
    organization = Organization(name=name, slug=slug)
    save_unique(organization, {"slug": f"An organization with the slug “{slug}” exists."})
    default_groups_create(organization, actor=actor)
    audit_record(
        action="organization.created",
        organization=organization,
        target=organization,
        after={"name": name, "slug": slug},
        channel=channel,
        actor=actor,
    )
    return organization


@transaction.atomic
def organization_update(
    *, organization: Organization, name=UNSET, channel: str = Channel.SYSTEM, actor
) -> Organization:
    """Rename an organization; its default groups are renamed with it."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if actor is not None:
        access.require(actor, "change", organization)
    if name is UNSET:
        return organization
    name = _clean_organization_name(name)
    if name == organization.name:
        return organization
    before = {"name": organization.name}
    organization.name = name
    organization.save(update_fields=["name"])
    for kind in (Group.Kind.ADMINISTRATORS, Group.Kind.USERS):
        group = default_group(organization, kind)
        new_name = default_group_name(organization, kind)
        if groups_named(organization, new_name).exclude(pk=group.pk).exists():
            raise ValidationError(
                {"name": f"A group named “{new_name}” already exists: rename it first."}
            )
        group.display_name = new_name
        group.updated_by = actor
        group.save(update_fields=["display_name", "updated_by", "updated_at"])
    audit_record(
        action="organization.updated",
        organization=organization,
        target=organization,
        before=before,
        after={"name": name},
        channel=channel,
        actor=actor,
    )
    return organization


@transaction.atomic
def user_create(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    channel: str = Channel.SYSTEM,
    actor,
):
    """A new person (not yet in any organization)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from error
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"A user with the email {email} already exists."})
    names = {}
    for field, value, label in (
        ("first_name", first_name, "First name"),
        ("last_name", last_name, "Last name"),
    ):
        value = " ".join(str(value or "").split())
        if len(value) > PERSON_NAME_MAX_LENGTH:
            raise ValidationError({field: f"{label} can be at most 150 characters."})
        names[field] = (
            clean_name(value, field=field, label=label, max_length=PERSON_NAME_MAX_LENGTH)
            if value
            else ""
        )
    user = User(email=email, **names)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    else:
        user.set_unusable_password()
    save_unique(user, {"email": f"A user with the email {email} already exists."})
    audit_record(
        action="user.created",
        target=user,
        after={"email": email, **names},
        channel=channel,
        actor=actor,
    )
    return user


@transaction.atomic
def organization_user_add(
    *, organization: Organization, user, admin: bool = False, channel: str = Channel.SYSTEM, actor
) -> list:
    """Put a user in the organization (its Users group), and in Administrators if ``admin``.
    Returns the groups they joined (none if they were already there)."""
    if actor is not None:
        access.require(actor, "manage_users", organization)
    if not user.is_active:
        raise ValidationError({"user": f"{user.display_name} is deactivated."})
    kinds = [Group.Kind.USERS] + ([Group.Kind.ADMINISTRATORS] if admin else [])
    joined = []
    for kind in kinds:
        group = lock_group(default_group(organization, kind))
        # Nobody makes someone an administrator (or a user) with more than they hold.
        require_holding_what_it_confers(actor, group)
        if membership_insert(group, [user], channel=channel, actor=actor):
            joined.append(group)
    return joined


@transaction.atomic
def organization_user_remove(
    *, organization: Organization, user, channel: str = Channel.SYSTEM, actor
) -> list:
    """Take a user out of every group of the organization and drop every right they held
    there. Refused if they are its last active administrator. Returns the groups they left."""
    if actor is not None:
        access.require(actor, "manage_users", organization)
    with administrators_kept(organization):
        groups = Group.objects.select_related("organization").filter(
            organization=organization, memberships__user=user, memberships__direct=True
        )
        left = []
        for group in groups.order_by("kind", "display_name"):
            if membership_delete(group, [user], channel=channel, actor=actor):
                left.append(group)
    grants = Grant.objects.filter(organization=organization, subject_user=user)
    touched = [grant.resource for grant in grants.select_related("resource") if grant.resource_id]
    grants.delete()
    GroupUserObjectPermission.objects.filter(
        user=user, content_object__organization=organization
    ).delete()
    OrganizationUserObjectPermission.objects.filter(user=user, content_object=organization).delete()
    if touched:
        from groups.services.permissions import sync_resources, with_contents

        sync_resources(with_contents(touched))
    # Their keys for it die with their place: adding them back must not revive one.
    api_keys_revoke_of(
        user=user,
        organization=organization,
        reason="left the organization",
        channel=channel,
        actor=actor,
    )
    return left


def _organizations_of(user):
    return Organization.objects.filter(groups__kind=Group.Kind.USERS, groups__user=user)


@transaction.atomic
def user_set_active(*, user, active: bool, channel: str = Channel.SYSTEM, actor):
    """Deactivate or reactivate a user. Deactivating the last active administrator of an
    organization is refused."""
    organizations = list(_organizations_of(user))
    if actor is not None and not (actor.is_active and actor.is_superuser):
        for organization in organizations:
            access.require(actor, "manage_users", organization)
        if not organizations:
            raise PermissionDenied("Only operators can change users outside any organization.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    if not active:
        user_deactivation_validate(user, lock=True)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        api_keys_revoke_of(user=user, reason="deactivated", channel=channel, actor=actor)
    for organization in organizations or [None]:
        audit_record(
            action="user.activated" if active else "user.deactivated",
            organization=organization,
            target=user,
            before={"is_active": not active},
            after={"is_active": active},
            channel=channel,
            actor=actor,
        )
    return user


def user_deactivation_validate(user, *, lock: bool = False) -> None:
    """Refuse to deactivate the last active administrator of any organization (members of the
    Administrators group through nested groups count)."""
    for organization in _organizations_of(user):
        if lock:
            lock_group(default_group(organization, Group.Kind.ADMINISTRATORS))
        administrators = active_administrators(organization.pk)
        if user.pk in administrators and not administrators - {user.pk}:
            raise last_administrator_error(organization)


def is_organization_admin(user, organization: Organization) -> bool:
    return Membership.objects.filter(
        user=user,
        group__group__organization=organization,
        group__group__kind=Group.Kind.ADMINISTRATORS,
    ).exists()


@transaction.atomic
def user_update(*, user, channel: str = Channel.SYSTEM, actor, **fields):
    """Change a user's email, names or operator flags (the flags: operators only)."""
    allowed = {"email", "first_name", "last_name", "is_staff", "is_superuser"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    operator = actor is None or (actor.is_active and actor.is_superuser)
    if not operator:
        if {"is_staff", "is_superuser"} & set(fields):
            raise PermissionDenied("Only operators can change operator flags.")
        organizations = list(_organizations_of(user))
        if not organizations:
            raise PermissionDenied("Only operators can change users outside any organization.")
        for organization in organizations:
            access.require(actor, "manage_users", organization)
    user = User.objects.select_for_update().get(pk=user.pk)
    before, after = {}, {}
    for field, value in fields.items():
        if field == "email":
            value = (value or "").strip().lower()
            try:
                validate_email(value)
            except ValidationError as error:
                raise ValidationError(
                    {"email": f"“{value}” is not a valid email address."}
                ) from error
            if User.objects.filter(email__iexact=value).exclude(pk=user.pk).exists():
                raise ValidationError({"email": f"A user with the email {value} already exists."})
        elif field in ("first_name", "last_name"):
            value = " ".join(str(value or "").split())
            if len(value) > PERSON_NAME_MAX_LENGTH:
                raise ValidationError({field: "Names can be at most 150 characters."})
            value = (
                clean_name(value, field=field, label="Name", max_length=PERSON_NAME_MAX_LENGTH)
                if value
                else ""
            )
        else:
            value = bool(value)
        if getattr(user, field) != value:
            before[field], after[field] = getattr(user, field), value
            setattr(user, field, value)
    if not after:
        return user
    save_unique(user, {"email": "A user with this email already exists."})
    organizations = list(_organizations_of(user)) or [None]
    for organization in organizations:
        audit_record(
            action="user.updated",
            organization=organization,
            target=user,
            before=before,
            after=after,
            channel=channel,
            actor=actor,
        )
    return user
