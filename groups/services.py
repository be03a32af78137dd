"""Every write to groups, memberships, permission sets and group rights.

Keyword-only, ``actor`` last (None for the system and management commands), one transaction,
one audit event per change. The Admin Center, the Django admin, the commands and the APIs all
call these, so every rule lives here once.
"""

import re
import unicodedata
from collections import defaultdict
from contextlib import nullcontext

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Organization, OrganizationGroupObjectPermission
from audit.recording import Channel, audit_event, audit_record, audit_record_many

from . import access, bulk, nesting
from .models import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    RETENTION_DAYS,
    Grant,
    Group,
    GroupGroupObjectPermission,
    GroupPermissionSet,
    GroupUserObjectPermission,
    MemberGroup,
    Membership,
    PermissionSet,
    access_codename,
    groups_named,
)

User = get_user_model()
UNSET = object()
DEFAULT_GROUP_SUFFIX = {Group.Kind.ADMINISTRATORS: "Administrators", Group.Kind.USERS: "Users"}
DEFAULT_GROUP_PERMISSION_SET = {
    Group.Kind.ADMINISTRATORS: "administrator",
    Group.Kind.USERS: "full-access",
}
# C0 and C1 control characters, except tab, line feed and carriage return.
# ValidationError codes for refusals that are conflicts with a rule, not bad input (the API
# answers them with 409).
PROTECTED = "protected"
LAST_ADMINISTRATOR = "last_administrator"
CONFLICT = "conflict"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# --- cleaning -----------------------------------------------------------------------------


def clean_name(
    value, *, field: str = "display_name", label: str = "Name", max_length: int = NAME_MAX_LENGTH
) -> str:
    """Names are trimmed, 1–100 characters, any script; never control characters."""
    value = str(value or "")
    # Checked before collapsing whitespace: str.split() also splits on \x1c-\x1f and \x85,
    # which would otherwise turn those control characters into spaces silently.
    if _CONTROL.search(value):
        raise ValidationError({field: f"{label} cannot contain control characters."})
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if not value:
        raise ValidationError({field: f"{label} is required."})
    if len(value) > max_length:
        raise ValidationError(
            {field: f"{label} can be at most {max_length} characters (it has {len(value)})."}
        )
    return value


def clean_description(value) -> str:
    value = unicodedata.normalize("NFC", str(value or "").strip())
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": f"Description can be at most {DESCRIPTION_MAX_LENGTH} characters "
                f"(it has {len(value)})."
            }
        )
    if _CONTROL.search(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ValidationError({"description": "Description cannot contain control characters."})
    return value


def _clean_slug(organization, value, *, exclude_pk=None) -> str:
    slug = slugify(str(value or "").strip(), allow_unicode=True)
    if not slug or slug != str(value).strip():
        raise ValidationError(
            {"slug": "Use only letters, numbers, hyphens and underscores, in lower case."}
        )
    if len(slug) > NAME_MAX_LENGTH:
        raise ValidationError({"slug": f"Slug can be at most {NAME_MAX_LENGTH} characters."})
    taken = Group.objects.filter(organization=organization, slug=slug).exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"slug": f"The slug “{slug}” is already used in {organization}."})
    return slug


def _generate_slug(organization, name: str) -> str:
    base = slugify(name, allow_unicode=True)[: NAME_MAX_LENGTH - 6] or "group"
    taken = set(
        Group.objects.filter(organization=organization, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_name_free(organization, name: str, *, exclude_pk=None) -> None:
    if groups_named(organization, name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"display_name": f"A group named “{name}” already exists."})


def _save_unique(obj, message: dict) -> None:
    """Save; a unique constraint lost to a concurrent writer becomes a ValidationError."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise ValidationError(message) from error


def _auth_name(organization, slug: str) -> str:
    return f"{organization.pk}:{slug}"


def _group_snapshot(group: Group) -> dict:
    return {"name": group.display_name, "slug": group.slug, "description": group.description}


def _require(actor, action: str, group: Group, *, on_organization=False) -> None:
    """``actor`` (None: the system) must see ``group`` and may do ``action`` on it (or on its
    organization): one permission lookup for both."""
    if actor is None:
        return
    checker = access.Access(actor)
    if not checker.can("view", group):
        raise PermissionDenied("You do not have permission to see this group.")
    checker.require(action, group.organization if on_organization else group)


def _lock(group: Group) -> Group:
    """Lock the group row for the rest of the transaction (a no-op on SQLite, which
    serializes writers anyway) and return it fresh.

    Only the group's own row: without ``of`` the join would lock its organization's row too,
    and a delete (Administrators, then the group) racing an add (the group, then the shared
    organization row) deadlocked (found by tests/security/test_races.py and the load test,
    tests/adminsite/test_load.py). A group deleted while we waited is a 404, as if never there.
    """
    locked = (
        Group.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=group.pk)
        .first()
    )
    if locked is None:
        raise Http404(f"The group “{group}” no longer exists.")
    return locked


# --- groups -------------------------------------------------------------------------------


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
    _check_name_free(organization, display_name)
    slug = _clean_slug(organization, slug) if slug else _generate_slug(organization, display_name)
    group = Group(
        name=_auth_name(organization, slug),
        organization=organization,
        display_name=display_name,
        slug=slug,
        description=description,
        kind=kind,
        created_by=actor,
        updated_by=actor,
    )
    _save_unique(group, {"display_name": f"A group named “{display_name}” already exists."})
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
    group = _lock(group)
    _require(actor, "change", group)
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
            _check_name_free(group.organization, display_name, exclude_pk=group.pk)
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
        group.slug = _clean_slug(group.organization, slug, exclude_pk=group.pk)
        group.name = _auth_name(group.organization, group.slug)
    if description is not UNSET:
        group.description = clean_description(description)
    after = _group_snapshot(group)
    if after == before:
        return group
    group.updated_by = actor
    _save_unique(group, {"display_name": f"A group named “{group.display_name}” already exists."})
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
        group = _lock(group)
        _require(actor, "delete", group)
        if group.is_default:
            raise ValidationError(
                f"“{group}” is a protected group: the default groups of an organization "
                "cannot be deleted.",
                code=PROTECTED,
            )
        from .trash import deleted_group_record

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


# --- memberships --------------------------------------------------------------------------


def users_in_organization(organization: Organization, users) -> set[int]:
    """The ids, among ``users``, of those who belong to ``organization``."""
    # The Users group's id first: the (group, user) index then answers for any number of users.
    users_group = Group.objects.filter(
        organization=organization, kind=Group.Kind.USERS
    ).values_list("pk", flat=True)[:1]
    return set(
        Membership.objects.filter(group_id__in=list(users_group), user__in=users).values_list(
            "user_id", flat=True
        )
    )


def validate_addable(group: Group, users) -> None:
    """All-or-nothing: every user must be an active member of the group's organization.
    The message names everyone who is not."""
    users = list(users)
    members = users_in_organization(group.organization, users)
    foreign = [user for user in users if user.pk not in members]
    if foreign:
        names = ", ".join(f"{user.display_name} <{user.email}>" for user in foreign)
        raise ValidationError(
            {"users": f"Not in {group.organization}, so nothing was added: {names}."}
        )
    inactive = [user for user in users if not user.is_active]
    if inactive:
        names = ", ".join(f"{user.display_name} <{user.email}>" for user in inactive)
        raise ValidationError({"users": f"Deactivated, so nothing was added: {names}."})


def _active_administrators(organization_id, *, graph=None, without=None) -> set:
    """The ids of the active users effectively in the Administrators group; ``without`` is a
    ``(group_id, user_ids)`` whose direct memberships are left out (to ask "what if")."""
    administrators = Group.objects.get(
        organization_id=organization_id, kind=Group.Kind.ADMINISTRATORS
    )
    below = graph.below(administrators.pk) if graph else nesting.below_ids([administrators.pk])
    rows = Membership.objects.filter(group_id__in=below, direct=True, user__is_active=True)
    if without is not None:
        group_id, user_ids = without
        rows = rows.exclude(group_id=group_id, user_id__in=user_ids)
    return set(rows.values_list("user_id", flat=True))


def _in_administrators(group: Group, graph=None) -> bool:
    """Whether ``group`` is the Administrators group or nested in it, at any depth."""
    administrators = Group.objects.filter(
        organization_id=group.organization_id, kind=Group.Kind.ADMINISTRATORS
    ).values_list("pk", flat=True)
    above = graph.above(group.pk) if graph else nesting.above_ids([group.pk])
    return bool(above & set(administrators))


def _last_administrator_error(organization) -> ValidationError:
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
    before = _active_administrators(group.organization_id)
    if not before:
        return
    after = _active_administrators(
        group.organization_id, without=(group.pk, {user.pk for user in users})
    )
    if not after:
        raise _last_administrator_error(group.organization)


class administrators_kept:
    """Around an operation that may take administrators away (removals, un-nesting, deleting a
    group): lock the Administrators row so that such operations run one at a time, and refuse
    (roll back) if the organization had active administrators before and has none after."""

    def __init__(self, organization):
        self.organization = organization

    def __enter__(self):
        _lock(default_group(self.organization, Group.Kind.ADMINISTRATORS))
        self.before = bool(_active_administrators(self.organization.pk))
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None and self.before and not _active_administrators(self.organization.pk):
            raise _last_administrator_error(self.organization)
        return False


# The first key of the two-key PostgreSQL advisory locks that serialize one person's
# membership changes (the second key is the user's id, within int4 range).
USER_MEMBERSHIPS_LOCK = 0x41434D  # "ACM"


def _lock_users(users) -> None:
    """Changes of one person's memberships run one at a time, so that each, when it recomputes
    that person's closure, reads the other's committed rows; changes of different people do not
    wait. Transaction-scoped advisory locks taken in id order: never crosswise with each other,
    and not with the row locks that deactivation takes (user row, then Administrators)."""
    if connection.vendor != "postgresql":
        return  # SQLite runs one writer at a time anyway
    ids = sorted({user.pk for user in users})
    if not ids:
        return
    with connection.cursor() as cursor:
        # unnest() yields the sorted array in order: the locks are taken in id order.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) "
            "FROM unnest(%s::bigint[]) AS id",
            [USER_MEMBERSHIPS_LOCK, ids],
        )


def _membership_event(action, group, user, *, channel, actor, expires_at=None):
    detail = {"user_id": str(user.public_id), "user": user.display_name, "email": user.email}
    if expires_at is not None:
        detail["expires_at"] = expires_at.isoformat()
    return audit_event(
        action=action,
        organization=group.organization,
        target=group,
        before=detail if action != "membership.added" else None,
        after=detail if action == "membership.added" else None,
        channel=channel,
        actor=actor,
    )


def _membership_insert(group, users, *, expires_at=None, channel, actor) -> list:
    """Make the users direct members; those who already were are left as they are. Someone
    who was a member only through a member group becomes a direct member too."""
    _lock_users(users)
    existing = dict(
        Membership.objects.filter(group=group, user__in=users).values_list("user_id", "direct")
    )
    added, seen = [], set()
    for user in users:
        if existing.get(user.pk) is True or user.pk in seen:
            continue
        seen.add(user.pk)
        added.append(user)
    promoted = [user.pk for user in added if user.pk in existing]
    Membership.objects.filter(group=group, user_id__in=promoted).update(
        direct=True, added_by=actor, added_at=timezone.now(), expires_at=expires_at
    )
    Membership.objects.bulk_create(
        [
            Membership(group=group, user=user, added_by=actor, expires_at=expires_at)
            for user in added
            if user.pk not in existing
        ]
    )
    if added:
        nesting.refresh_users(group.organization_id, [user.pk for user in added], gained_only=True)
    audit_record_many(
        [
            _membership_event(
                "membership.added", group, user, channel=channel, actor=actor, expires_at=expires_at
            )
            for user in added
        ]
    )
    return added


def _membership_delete(group, users, *, channel, actor, action="membership.removed") -> list:
    """End the users' direct memberships of ``group``. Whoever is still in it through a member
    group stays, as an inherited member. Returns the users whose direct membership ended."""
    _lock_users(users)
    present = set(
        Membership.objects.filter(group=group, user__in=users, direct=True).values_list(
            "user_id", flat=True
        )
    )
    removed = [user for user in users if user.pk in present]
    if removed:
        Membership.objects.filter(group=group, user__in=removed).delete()
        nesting.refresh_users(group.organization_id, [user.pk for user in removed])
    audit_record_many(
        [_membership_event(action, group, user, channel=channel, actor=actor) for user in removed]
    )
    return removed


def _check_members_editable(group: Group, verb: str) -> None:
    if group.kind == Group.Kind.USERS:
        raise ValidationError(
            {
                "users": ValidationError(
                    f"Everyone in {group.organization} is in “{group}”: {verb} people "
                    "in the organization instead.",
                    code=PROTECTED,
                )
            }
        )


@transaction.atomic
def membership_add(
    *, group: Group, users, expires_at=None, channel: str = Channel.SYSTEM, actor
) -> list:
    """Add several users at once, all or nothing; existing members are left as they are.
    Returns the users actually added."""
    group = _lock(group)
    _require(actor, "manage_members", group)
    _check_members_editable(group, "add")
    users = list(dict.fromkeys(users))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    if expires_at is not None and _in_administrators(group):
        # An expiry could end the last administrator's membership: nobody could then repair it.
        # Expiry is not guarded by the last-administrator rule (access must not outlive it), so
        # a group nested in Administrators (at any depth) is refused too.
        raise ValidationError(
            {
                "expires_at": "Memberships of the Administrators group (or of a group nested in "
                "it) cannot expire: give temporary rights through a custom group instead."
            }
        )
    validate_addable(group, users)
    return _membership_insert(group, users, expires_at=expires_at, channel=channel, actor=actor)


@transaction.atomic
def membership_remove(*, group: Group, users, channel: str = Channel.SYSTEM, actor) -> list:
    """Remove users from a group; non-members are a no-op. The Administrators group keeps at
    least one active member (the locked row serializes two admins removing each other).
    Returns the users actually removed."""
    # Only the Administrators group and the groups nested in it make administrators: removing
    # people from another group cannot take the last one away (nesting one in meanwhile only
    # adds administrators), so only those pay for the check.
    kept = administrators_kept(group.organization) if _in_administrators(group) else nullcontext()
    with kept:
        group = _lock(group)
        _require(actor, "manage_members", group)
        _check_members_editable(group, "remove")
        return _membership_delete(group, list(dict.fromkeys(users)), channel=channel, actor=actor)


class StalePreview(ValidationError):
    """The group or the organization changed between the preview and its confirmation:
    nothing was added; ``preview`` is the list sorted afresh, to be shown and confirmed again."""

    def __init__(self, preview):
        super().__init__(
            "Memberships changed since the preview, so nothing was added: check the new "
            "preview and confirm again.",
            code=CONFLICT,
        )
        self.preview = preview


@transaction.atomic
def membership_add_batch(
    *,
    group: Group,
    emails,
    expected: str | None = None,
    source: str = "list",
    progress=None,
    channel: str = Channel.SYSTEM,
    actor,
):
    """Add the people of a list of emails (``bulk.EmailList``) to a group, all or nothing:
    everyone the preview says will be added is added, or nobody. Those unknown, not in the
    organization, deactivated or already members are left out and counted. With ``expected``
    (the fingerprint of the preview that was confirmed), a preview that no longer matches is
    refused with ``StalePreview``. Writes one event per member added plus one
    ``membership.batch_added`` with the counts. Returns the ``bulk.Preview`` applied."""
    group = _lock(group)
    _require(actor, "manage_members", group)
    _check_members_editable(group, "add")
    result = bulk.preview(group, emails, progress=progress)
    if expected is not None and result.fingerprint != expected:
        raise StalePreview(result)
    if not result.to_add:
        return result
    validate_addable(group, result.to_add)
    _membership_insert(group, result.to_add, channel=channel, actor=actor)
    audit_record(
        action="membership.batch_added",
        organization=group.organization,
        target=group,
        after={"source": str(source)[:200], **result.counts()},
        channel=channel,
        actor=actor,
    )
    return result


@transaction.atomic
def memberships_expire(*, user=None, now=None) -> int:
    """End every direct membership whose expiry has passed (of one user, or everyone's), with
    an audit event naming the system as the actor. Run by ``expire_memberships`` (cron) and on
    each request of the user concerned, so access never outlives its expiry."""
    now = now or timezone.now()
    expired = Membership.objects.filter(direct=True, expires_at__lte=now)
    if user is not None:
        expired = expired.filter(user=user)
    # Lock what this run expires; rows another run (cron, or the user's own request) holds
    # are its to expire, so each expiry is removed and audited exactly once.
    expired = expired.select_for_update(of=("self",), skip_locked=True)
    by_group = defaultdict(list)
    expiring = list(expired.select_related("user"))
    _lock_users([membership.user for membership in expiring])  # all at once, in id order
    for membership in expiring:
        by_group[membership.group_id].append(membership.user)
    count = 0
    for group in Group.objects.select_related("organization").filter(pk__in=by_group):
        count += len(
            _membership_delete(
                group,
                by_group[group.pk],
                channel=Channel.SYSTEM,
                actor=None,
                action="membership.expired",
            )
        )
    return count


# --- member groups (nesting) ----------------------------------------------------------------


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
    _lock(default_group(parent.organization, Group.Kind.ADMINISTRATORS))
    parent = _lock(parent)
    _require(actor, "manage_members", parent)
    if actor is not None and not access.can(actor, "view", child):
        raise PermissionDenied("You do not have permission to see that group.")
    if child.organization_id != parent.organization_id:
        raise ValidationError({"child": f"“{child}” is not in {parent.organization}."})
    _check_members_editable(parent, "add")
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
        _in_administrators(parent)
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
        parent = _lock(parent)
        _require(actor, "manage_members", parent)
        deleted, _ = MemberGroup.objects.filter(parent=parent, child=child).delete()
        if not deleted:
            return False
        # Only the people in ``child`` (at any depth) can lose groups.
        _refresh_people_below(parent.organization_id, nesting.below_ids([child.pk]))
        _member_group_audit("member_group.removed", parent, child, channel=channel, actor=actor)
        return True


# --- permission sets ----------------------------------------------------------------------


def capabilities():
    """The permissions a permission set may hold: the organization-wide capabilities."""
    return Permission.objects.filter(
        content_type__app_label="accounts", content_type__model="organization"
    ).exclude(codename__in=["add_organization", "delete_organization"])


def permission_set_by_key(key: str) -> PermissionSet:
    return PermissionSet.objects.get(key=key, organization=None)


def _clean_permissions(permissions) -> list:
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
    _save_unique(permission_set, {"name": f"A permission set named “{name}” already exists."})
    permission_set.permissions.set(_clean_permissions(permissions))
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
    _save_unique(
        permission_set, {"name": f"A permission set named “{permission_set.name}” already exists."}
    )
    if permissions is not UNSET:
        permission_set.permissions.set(_clean_permissions(permissions))
        for link in permission_set.group_links.select_related("group__organization"):
            _sync_organization_permissions(link.group)
        from .grants import sync_permission_set

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


def _sync_organization_permissions(group: Group) -> None:
    """Make guardian's rows for ``group`` on its organization equal to the union of the
    capabilities of the permission sets it holds."""
    # The sets it holds as roles, and the grants on the organization itself.
    # The set ids first, each from its own index: one query joining sets to their links and
    # grants with an OR read every group and grant holding a common set (0.5 s at 1M grants).
    organization_grants = Grant.objects.filter(subject_group=group, resource=None)
    set_ids = set(
        GroupPermissionSet.objects.filter(group=group).values_list("permission_set_id", flat=True)
    ) | set(
        organization_grants.exclude(permission_set=None).values_list("permission_set_id", flat=True)
    )
    wanted = set(
        Permission.objects.filter(permission_sets__in=set_ids).values_list("pk", flat=True)
        if set_ids
        else []
    )
    for access_types in organization_grants.filter(permission_set=None).values_list(
        "access_types", flat=True
    ):
        wanted |= set(
            Permission.objects.filter(
                content_type__app_label="accounts",
                content_type__model="organization",
                codename__in=[access_codename(t) for t in access_types],
            ).values_list("pk", flat=True)
        )
    rows = OrganizationGroupObjectPermission.objects.filter(
        group_id=group.pk, content_object=group.organization
    )
    current = set(rows.values_list("permission_id", flat=True))
    rows.filter(permission_id__in=current - wanted).delete()
    OrganizationGroupObjectPermission.objects.bulk_create(
        [
            OrganizationGroupObjectPermission(
                group_id=group.pk, permission_id=pk, content_object=group.organization
            )
            for pk in wanted - current
        ]
    )


def _link_permission_set(group, permission_set, actor) -> None:
    GroupPermissionSet.objects.create(group=group, permission_set=permission_set, assigned_by=actor)
    _sync_organization_permissions(group)


@transaction.atomic
def group_permission_set_add(
    *, group: Group, permission_set: PermissionSet, channel: str = Channel.SYSTEM, actor
) -> bool:
    """Give a group a permission set on its organization; every member holds its capabilities
    from the next request on. Default groups' sets are fixed. Returns False if already held."""
    group = _lock(group)
    _check_permission_sets_editable(group, permission_set, actor)
    if group.permission_set_links.filter(permission_set=permission_set).exists():
        return False
    _link_permission_set(group, permission_set, actor)
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
    group = _lock(group)
    _check_permission_sets_editable(group, permission_set, actor)
    deleted, _ = group.permission_set_links.filter(permission_set=permission_set).delete()
    if not deleted:
        return False
    _sync_organization_permissions(group)
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
    _require(actor, "manage_permission_sets", group, on_organization=True)
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


# --- rights on a group --------------------------------------------------------------------


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
    group = _lock(group)
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
    group = _lock(group)
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


# --- default groups (used by the organization services) ------------------------------------


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
        _link_permission_set(
            group, permission_set_by_key(DEFAULT_GROUP_PERMISSION_SET[kind]), actor
        )
        created.append(group)
    return created[0], created[1]


def default_group_name(organization: Organization, kind) -> str:
    return clean_name(f"{organization.name} {DEFAULT_GROUP_SUFFIX[kind]}")


def default_group(organization: Organization, kind) -> Group:
    return Group.objects.select_related("organization").get(organization=organization, kind=kind)


# --- validation for forms that want the services' verdict before saving --------------------


def _collect(errors: dict, check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        for field, messages in error.update_error_dict({}).items():
            errors.setdefault(field, []).extend(messages)
        return None


def group_validate(
    *, organization, display_name, description="", slug=None, group: Group | None = None
) -> None:
    """Raise the ValidationError ``group_create`` (``group=None``) or ``group_update`` would
    raise for these values, every field's problem at once."""
    errors: dict = {}
    name = _collect(errors, clean_name, display_name)
    _collect(errors, clean_description, description)
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
            _collect(errors, _check_name_free, organization, name, exclude_pk=exclude)
        if slug and (group is None or slug != group.slug):
            _collect(errors, _clean_slug, organization, slug, exclude_pk=exclude)
    if errors:
        raise ValidationError(errors)


def permission_set_validate(
    *, organization, name, description="", permission_set: PermissionSet | None = None
) -> None:
    """Raise the ValidationError creating or updating a permission set would raise."""
    errors: dict = {}
    if permission_set is not None and permission_set.protected:
        raise ValidationError(
            f"“{permission_set}” is a default permission set: it cannot be edited."
        )
    name = _collect(errors, clean_name, name, field="name")
    _collect(errors, clean_description, description)
    if name is not None:
        _collect(
            errors,
            _check_set_name_free,
            organization,
            name,
            exclude_pk=permission_set.pk if permission_set else None,
        )
    if errors:
        raise ValidationError(errors)


def check_members_editable(group: Group) -> None:
    """The Users group's members are the organization's users: they change through the
    organization, never directly."""
    _check_members_editable(group, "add or remove")
