"""Direct memberships: adding and removing people, lists of emails, expiry."""

from collections import defaultdict
from contextlib import nullcontext
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from audit.recording import Channel, audit_event, audit_record, audit_record_many

from .. import access, bulk, nesting, queries
from ..models import Group, Membership
from .administrators import administrators_kept, in_administrators
from .common import (
    CONFLICT,
    INHERITED,
    PROTECTED,
    lock_group,
    require_on_group,
    users_in_organization,
)
from .permissions import capabilities_conferred_by


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


# The first key of the two-key PostgreSQL advisory locks that serialize one person's
# membership changes (the second key is the user's id, within int4 range).
USER_MEMBERSHIPS_LOCK = 0x41434D  # "ACM"


def lock_users(users) -> None:
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


def membership_insert(group, users, *, expires_at=None, channel, actor) -> list:
    """Make the users direct members; those who already were are left as they are. Someone
    who was a member only through a member group becomes a direct member too."""
    lock_users(users)
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


def membership_delete(group, users, *, channel, actor, action="membership.removed") -> list:
    """End the users' direct memberships of ``group``. Whoever is still in it through a member
    group stays, as an inherited member. Returns the users whose direct membership ended."""
    lock_users(users)
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


def check_members_editable(group: Group, verb: str = "add or remove") -> None:
    """The Users group's members are the organization's users: they change through the
    organization, never directly."""
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


# The latest an expiry may be (REST's expiresInDays has the same bound): a date past the
# database's range (year 10000 in UTC) once made every page listing the group a 500.
MAX_EXPIRY_DAYS = 3650


def check_expiry(expires_at) -> None:
    """An expiry is in the future and within ``MAX_EXPIRY_DAYS`` (or None: for good)."""
    if expires_at is None:
        return
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    if expires_at > now + timedelta(days=MAX_EXPIRY_DAYS):
        raise ValidationError(
            {
                "expires_at": f"The expiry must be within {MAX_EXPIRY_DAYS // 365} years "
                f"(at the latest {(now + timedelta(days=MAX_EXPIRY_DAYS)):%Y-%m-%d})."
            }
        )


@transaction.atomic
def membership_add(
    *, group: Group, users, expires_at=None, channel: str = Channel.SYSTEM, actor
) -> list:
    """Add several users at once, all or nothing; existing members are left as they are.
    Returns the users actually added."""
    group = lock_group(group)
    require_on_group(actor, "manage_members", group)
    check_members_editable(group, "add")
    users = list(dict.fromkeys(users))
    check_expiry(expires_at)
    if expires_at is not None and in_administrators(group):
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
    require_holding_what_it_confers(actor, group)
    return membership_insert(group, users, expires_at=expires_at, channel=channel, actor=actor)


def require_holding_what_it_confers(actor, group: Group) -> None:
    """Whoever puts people (or a group) into ``group`` gives them what it confers on the
    organization: they must hold it themselves."""
    access.require_holding(
        actor,
        group.organization,
        capabilities_conferred_by(group),
        giving=f"membership of {group} (what it gives in {group.organization})",
    )


@transaction.atomic
def membership_remove(*, group: Group, users, channel: str = Channel.SYSTEM, actor) -> list:
    """Remove users from a group; non-members are a no-op. The Administrators group keeps at
    least one active member (the locked row serializes two admins removing each other).
    Returns the users actually removed."""
    # Only the Administrators group and the groups nested in it make administrators: removing
    # people from another group cannot take the last one away (nesting one in meanwhile only
    # adds administrators), so only those pay for the check.
    kept = administrators_kept(group.organization) if in_administrators(group) else nullcontext()
    with kept:
        group = lock_group(group)
        require_on_group(actor, "manage_members", group)
        check_members_editable(group, "remove")
        users = list(dict.fromkeys(users))
        refuse_inherited_only(group, users)
        return membership_delete(group, users, channel=channel, actor=actor)


def refuse_inherited_only(group: Group, users) -> None:
    """Someone who is in ``group`` only through a member group cannot be removed from it
    directly (nothing would change): the refusal names them and the groups they come through."""
    inherited = list(
        Membership.objects.filter(group=group, user__in=users, direct=False).select_related("user")
    )
    if not inherited:
        return
    via = queries.inherited_via(group, inherited)
    groups = list(dict.fromkeys(name for m in inherited for name in via.get(m.user_id, [])))
    names = ", ".join(m.user.display_name for m in inherited)
    verb = "is" if len(inherited) == 1 else "are"
    through = ", ".join(f"“{name}”" for name in groups)
    raise ValidationError(
        {
            "users": ValidationError(
                f"{names} {verb} in “{group}” only through a member group ({through}): remove "
                "them from that group, or take that group out of this one.",
                code=INHERITED,
            )
        }
    )


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
    group = lock_group(group)
    require_on_group(actor, "manage_members", group)
    check_members_editable(group, "add")
    result = bulk.preview(group, emails, progress=progress)
    if expected is not None and result.fingerprint != expected:
        raise StalePreview(result)
    if not result.to_add:
        return result
    validate_addable(group, result.to_add)
    require_holding_what_it_confers(actor, group)
    membership_insert(group, result.to_add, channel=channel, actor=actor)
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
    lock_users([membership.user for membership in expiring])  # all at once, in id order
    for membership in expiring:
        by_group[membership.group_id].append(membership.user)
    count = 0
    for group in Group.objects.select_related("organization").filter(pk__in=by_group):
        count += len(
            membership_delete(
                group,
                by_group[group.pk],
                channel=Channel.SYSTEM,
                actor=None,
                action="membership.expired",
            )
        )
    return count
