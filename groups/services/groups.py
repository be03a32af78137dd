"""Creating, editing and deleting groups; the default groups of a new organization."""

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm

from accounts.models import Organization
from audit.recording import Channel, audit_record

from .. import access, nesting
from ..models import RETENTION_DAYS, Group
from .administrators import administrators_kept
from .common import (
    PROTECTED,
    UNSET,
    clean_description,
    clean_name,
    collect_errors,
    default_group_name,
    lock_group,
    require_on_group,
    save_unique,
)
from .names import auth_name, check_name_free, clean_slug, generate_slug
from .permission_sets import link_permission_set, permission_set_by_key
from .trash.snapshot import deleted_group_record

DEFAULT_GROUP_PERMISSION_SET = {
    Group.Kind.ADMINISTRATORS: "administrator",
    Group.Kind.USERS: "full-access",
}


def _group_snapshot(group: Group) -> dict:
    return {"name": group.display_name, "slug": group.slug, "description": group.description}


@transaction.atomic
def group_create(
    *,
    organization: Organization,
    display_name: str,
    description: str = "",
    slug: str | None = None,
    channel: str = Channel.SYSTEM,
    actor,
) -> Group:
    """Create a custom group. The actor needs ``create_groups`` on the organization and
    receives every right on the new group."""
    if actor is not None:
        access.require(actor, "create_group", organization)
    group = _group_insert(
        organization=organization,
        display_name=clean_name(display_name),
        description=clean_description(description),
        slug=slug,
        kind=Group.Kind.CUSTOM,
        actor=actor,
    )
    if actor is not None:
        for right in access.GROUP_RIGHTS:
            assign_perm(f"groups.{right}", actor, group)
    audit_record(
        action="group.created",
        organization=organization,
        target=group,
        after=_group_snapshot(group),
        channel=channel,
        actor=actor,
    )
    return group


def _group_insert(*, organization, display_name, description, slug, kind, actor) -> Group:
    check_name_free(organization, display_name)
    slug = clean_slug(organization, slug) if slug else generate_slug(organization, display_name)
    group = Group(
        name=auth_name(organization, slug),
        organization=organization,
        display_name=display_name,
        slug=slug,
        description=description,
        kind=kind,
        created_by=actor,
        updated_by=actor,
    )
    save_unique(group, {"display_name": f"A group named “{display_name}” already exists."})
    return group


@transaction.atomic
def group_update(
    *,
    group: Group,
    display_name=UNSET,
    description=UNSET,
    slug=UNSET,
    channel: str = Channel.SYSTEM,
    actor,
) -> Group:
    """Edit a group's name, slug or description. Default groups keep the name and slug that
    follow their organization; their description may change."""
    group = lock_group(group)
    require_on_group(actor, "change", group)
    before = _group_snapshot(group)
    if display_name is not UNSET:
        display_name = clean_name(display_name)
        if display_name != group.display_name:
            if group.is_default:
                raise ValidationError(
                    {
                        "display_name": ValidationError(
                            "A default group is named after its organization; "
                            "rename the organization instead.",
                            code=PROTECTED,
                        )
                    }
                )
            check_name_free(group.organization, display_name, exclude_pk=group.pk)
            group.display_name = display_name
    if slug is not UNSET and slug != group.slug:
        if group.is_default:
            raise ValidationError(
                {
                    "slug": ValidationError(
                        "The slug of a default group cannot change.", code=PROTECTED
                    )
                }
            )
        group.slug = clean_slug(group.organization, slug, exclude_pk=group.pk)
        group.name = auth_name(group.organization, group.slug)
    if description is not UNSET:
        group.description = clean_description(description)
    after = _group_snapshot(group)
    if after == before:
        return group
    group.updated_by = actor
    save_unique(group, {"display_name": f"A group named “{group.display_name}” already exists."})
    changed = [key for key in after if after[key] != before[key]]
    audit_record(
        action="group.updated",
        organization=group.organization,
        target=group,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
        channel=channel,
        actor=actor,
    )
    return group


@transaction.atomic
def group_delete(*, group: Group, channel: str = Channel.SYSTEM, actor) -> None:
    """Delete a custom group; its members lose at once the access it gave them.
    Default groups can never be deleted. The group goes to the Deleted groups list with a
    snapshot of what it was, restorable for 30 days (``groups.trash``)."""
    with administrators_kept(group.organization):
        group = lock_group(group)
        require_on_group(actor, "delete", group)
        if group.is_default:
            raise ValidationError(
                f"“{group}” is a protected group: the default groups of an organization "
                "cannot be deleted.",
                code=PROTECTED,
            )

        deleted = deleted_group_record(group=group, actor=actor)
        audit_record(
            action="group.deleted",
            organization=group.organization,
            target=group,
            before={
                **_group_snapshot(group),
                # Direct members and member groups, as the Deleted groups list counts them.
                "members": deleted.member_count,
                "member_groups": len(deleted.snapshot.get("member_groups", [])),
                "restorable_days": RETENTION_DAYS,
            },
            channel=channel,
            actor=actor,
        )
        above = nesting.ancestors_of(group)
        group.delete()
        # Whoever was in a group above only through this one is not any more.
        nesting.refresh(group.organization_id, above)


def default_groups_create(organization: Organization, *, actor) -> tuple[Group, Group]:
    """The Administrators and Users groups every organization is born with."""
    created = []
    for kind in (Group.Kind.ADMINISTRATORS, Group.Kind.USERS):
        group = _group_insert(
            organization=organization,
            display_name=default_group_name(organization, kind),
            description=(
                f"Administrators of {organization}. Cannot be removed."
                if kind == Group.Kind.ADMINISTRATORS
                else f"Every user of {organization}, administrators included."
            ),
            slug=kind.value,
            kind=kind,
            actor=actor,
        )
        link_permission_set(group, permission_set_by_key(DEFAULT_GROUP_PERMISSION_SET[kind]), actor)
        created.append(group)
    return created[0], created[1]


def group_validate(
    *, organization, display_name, description="", slug=None, group: Group | None = None
) -> None:
    """Raise the ValidationError ``group_create`` (``group=None``) or ``group_update`` would
    raise for these values, every field's problem at once."""
    errors: dict = {}
    name = collect_errors(errors, clean_name, display_name)
    collect_errors(errors, clean_description, description)
    exclude = group.pk if group else None
    if group is not None and group.is_default:
        if name is not None and name != group.display_name:
            errors.setdefault("display_name", []).append(
                "A default group is named after its organization; rename the organization instead."
            )
        if slug and slug != group.slug:
            errors.setdefault("slug", []).append("The slug of a default group cannot change.")
    else:
        if name is not None:
            collect_errors(errors, check_name_free, organization, name, exclude_pk=exclude)
        if slug and (group is None or slug != group.slug):
            collect_errors(errors, clean_slug, organization, slug, exclude_pk=exclude)
    if errors:
        raise ValidationError(errors)
