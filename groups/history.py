"""Reading the audit trail: which events a page shows, in which order and pages, and the
sentence each one reads as ("Ann Lee added Bo Chen to Editors, via the API, 14:02 UTC").

Sentences use only what the event carries (names copied when it was written), so they read as
they were at the time, after renames and deletions. Older events that lack a name fall back to
the id they carry, or to a plain description of the action.
"""

import base64
import binascii
import csv
import datetime as dt
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import AuditEvent

from .access import RIGHT_LABELS

User = get_user_model()

PAGE_SIZE = 50

CHANNEL_PHRASES = {
    AuditEvent.Channel.UI: "in the Admin Center",
    AuditEvent.Channel.API: "via the API",
    AuditEvent.Channel.ADMIN: "in the Django admin",
    AuditEvent.Channel.COMMAND: "from the command line",
    AuditEvent.Channel.SYSTEM: "automatically",
}

# Every action the services record, with the label the filters show.
ACTIONS = {
    "organization.created": "Organization created",
    "organization.updated": "Organization renamed",
    "user.created": "User created",
    "user.updated": "User changed",
    "user.activated": "User reactivated",
    "user.deactivated": "User deactivated",
    "group.created": "Group created",
    "group.updated": "Group changed",
    "group.deleted": "Group deleted",
    "membership.added": "Member added",
    "membership.removed": "Member removed",
    "membership.expired": "Membership expired",
    "member_group.added": "Member group added",
    "member_group.removed": "Member group taken out",
    "group.permission_set_added": "Permission set assigned",
    "group.permission_set_removed": "Permission set removed",
    "group.rights_granted": "Rights on a group given",
    "group.rights_revoked": "Rights on a group taken back",
    "permission_set.created": "Permission set created",
    "permission_set.updated": "Permission set changed",
    "permission_set.deleted": "Permission set deleted",
    "resource.created": "Resource registered",
    "resource.moved": "Resource moved",
    "resource.deleted": "Resource deleted",
    "grant.added": "Access granted",
    "grant.removed": "Access revoked",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
}


# --- sentences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """A name as it was at the time, with the id of what it names (when known)."""

    text: str
    id: str = ""
    kind: str = ""


@dataclass
class Sentence:
    parts: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(part.text if isinstance(part, Name) else part for part in self.parts)

    @property
    def html(self) -> str:
        return format_html_join(
            "",
            "{}",
            (
                (
                    format_html('<strong class="audit-name">{}</strong>', part.text)
                    if isinstance(part, Name)
                    else part,
                )
                for part in self.parts
            ),
        )

    @property
    def ids(self) -> list[Name]:
        seen, names = set(), []
        for part in self.parts:
            if isinstance(part, Name) and part.id and part.id not in seen:
                seen.add(part.id)
                names.append(part)
        return names


def actor_display(event) -> str:
    """The actor's name as it was (``audit_record`` stores "Name <email>")."""
    if not event.actor_name:
        return "The system"
    name, _, _ = event.actor_name.partition(" <")
    return name or event.actor_name


def actor_email(event) -> str:
    _, _, rest = event.actor_name.partition(" <")
    return rest.rstrip(">")


def _payload(event) -> dict:
    return {**(event.before or {}), **(event.after or {})}


def _named(value, id_="", kind="", fallback="someone") -> Name:
    text = str(value).strip() if value else ""
    return Name(text or (id_ and f"{kind or 'object'} {id_}") or fallback, id_, kind)


def _list(values) -> str:
    values = [str(value) for value in values or []]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def _target(event) -> Name:
    return _named(event.target_name, event.target_id, event.target_type, "something")


def _what(data) -> str:
    if data.get("permission_set"):
        return f"the permission set {data['permission_set']}"
    return _list(data.get("access")) or "access"


def _subject(data) -> Name:
    return _named(data.get("subject"), data.get("subject_id", ""), data.get("subject_type", ""))


def _grant_target(event, data) -> Name:
    target = data.get("target")
    if data.get("target_id"):
        return Name(target or data["target_id"], data["target_id"], "target")
    if event.target_type == "grant" or not target:
        return Name(target or "something")
    return Name(target, event.target_id, event.target_type)


def sentence(event) -> Sentence:
    """What ``event`` says, as a sentence without its channel and time."""
    actor = Name(actor_display(event), "", "user")
    target = _target(event)
    data = _payload(event)
    before, after = event.before or {}, event.after or {}
    action = event.action
    parts: list
    if action == "membership.added":
        user = _named(data.get("user"), data.get("user_id", ""), "user")
        parts = [actor, " added ", user, " to ", target]
        if data.get("expires_at"):
            parts.append(f" until {data['expires_at'][:10]}")
    elif action == "membership.removed":
        user = _named(data.get("user"), data.get("user_id", ""), "user")
        parts = [actor, " removed ", user, " from ", target]
    elif action == "membership.expired":
        user = _named(data.get("user"), data.get("user_id", ""), "user")
        parts = ["The membership of ", user, " in ", target, " expired"]
    elif action in ("member_group.added", "member_group.removed"):
        child = _named(data.get("member_group"), data.get("member_group_id", ""), "group")
        verb = (
            [" made ", child, " a member group of "]
            if action.endswith("added")
            else [
                " took the member group ",
                child,
                " out of ",
            ]
        )
        parts = [actor, *verb, target]
    elif action == "group.created":
        parts = [actor, " created the group ", target]
    elif action == "group.updated":
        parts = [actor]
        if "name" in before and "name" in after:
            parts += [" renamed the group ", Name(before["name"]), " to ", target]
        else:
            parts += [" changed the group ", target]
        rest = [
            label
            for key, label in (("description", "description"), ("slug", "slug"))
            if key in after
        ]
        if rest:
            parts.append(f" ({_list(rest)})")
    elif action == "group.deleted":
        parts = [actor, " deleted the group ", target]
        if "members" in data:
            count = data["members"]
            parts.append(f" ({count} member{'s' if count != 1 else ''})")
    elif action in ("group.permission_set_added", "group.permission_set_removed"):
        held = _named(data.get("permission_set"), data.get("id", ""), "permission set")
        if action.endswith("added"):
            parts = [actor, " gave ", target, " the permission set ", held]
        else:
            parts = [actor, " took the permission set ", held, " from ", target]
    elif action in ("group.rights_granted", "group.rights_revoked"):
        holder = _named(data.get("holder"), data.get("holder_id", ""), data.get("holder_type", ""))
        rights = _list(RIGHT_LABELS.get(right, right) for right in data.get("rights", []))
        if action.endswith("granted"):
            parts = [actor, " gave ", holder, f" the right to {rights} ", target]
        else:
            parts = [actor, " took back from ", holder, f" the right to {rights} ", target]
    elif action == "grant.added":
        parts = [
            actor,
            " granted ",
            _subject(data),
            f" {_what(data)} on ",
            _grant_target(event, data),
        ]
    elif action == "grant.removed":
        parts = [actor, " revoked ", f"{_what(data)} from ", _subject(data), " on "]
        parts.append(_grant_target(event, data))
    elif action.startswith("permission_set."):
        verb = action.split(".", 1)[1]
        parts = [actor, f" {verb} the permission set ", target]
    elif action == "resource.created":
        parts = [actor, " registered the resource ", target]
        if data.get("folder"):
            parts.append(f" in {data['folder']}")
    elif action == "resource.moved":
        parts = [actor, " moved ", target, f" to {after.get('folder') or 'no folder'}"]
    elif action == "resource.deleted":
        parts = [actor, " deleted the resource ", target]
    elif action == "organization.created":
        parts = [actor, " created the organization ", target]
    elif action == "organization.updated":
        parts = [actor, " renamed the organization ", Name(before.get("name", "")), " to ", target]
    elif action == "user.created":
        parts = [actor, " created the user ", target]
    elif action in ("user.activated", "user.deactivated"):
        verb = "reactivated" if action == "user.activated" else "deactivated"
        parts = [actor, f" {verb} ", target]
    elif action == "user.updated":
        changes = [f"{key.replace('_', ' ')} {before.get(key)!s} → {after[key]!s}" for key in after]
        parts = [actor, " changed ", target, f" ({'; '.join(changes)})" if changes else ""]
    elif action in ("api_key.created", "api_key.revoked"):
        verb = "created" if action.endswith("created") else "revoked"
        parts = [actor, f" {verb} the API key ", target]
        if data.get("user"):
            parts.append(f" (acting as {data['user']})")
    else:
        parts = [actor, f" {ACTIONS.get(action, action).lower()}: ", target]
    return Sentence(parts)


def when_text(event) -> str:
    return timezone.localtime(event.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def full_text(event) -> str:
    """The whole sentence: "Ann Lee added Bo Chen to Editors, via the API, 14:02 UTC"."""
    time = timezone.localtime(event.created_at, dt.UTC).strftime("%H:%M UTC")
    return f"{sentence(event).text}, {CHANNEL_PHRASES.get(event.channel, event.channel)}, {time}"


@dataclass
class Entry:
    """One event as a page shows it."""

    event: AuditEvent
    sentence: Sentence

    @property
    def channel(self) -> str:
        return CHANNEL_PHRASES.get(self.event.channel, self.event.channel)


def entries(events) -> list[Entry]:
    return [Entry(event, sentence(event)) for event in events]


# --- which events -------------------------------------------------------------------------


def _about(key: str, value: str) -> Q:
    return Q(**{f"after__{key}": value}) | Q(**{f"before__{key}": value})


def events_of_organization(organization):
    return AuditEvent.objects.filter(organization=organization).select_related("actor")


def events_of_group(group):
    """Changes to ``group``: itself, its members and member groups, its permission sets and
    rights, the grants it is the subject of, and its being nested in another group."""
    group_id = str(group.public_id)
    return events_of_organization(group.organization).filter(
        Q(target_type="group", target_id=group_id)
        | _about("member_group_id", group_id)
        | _about("subject_id", group_id)
        | _about("holder_id", group_id)
    )


def events_of_user(user, organization):
    """Changes to ``user`` in ``organization``: their account, memberships, grants and
    rights."""
    user_id = str(user.public_id)
    return events_of_organization(organization).filter(
        Q(target_type="user", target_id=user_id)
        | _about("user_id", user_id)
        | _about("subject_id", user_id)
        | _about("holder_id", user_id)
    )


@dataclass
class Filters:
    actor: str = ""
    action: str = ""
    target: str = ""
    channel: str = ""
    since: dt.date | dt.datetime | None = None  # a day (UTC), or a moment
    until: dt.date | None = None

    @property
    def active(self) -> bool:
        return any((self.actor, self.action, self.target, self.channel, self.since, self.until))


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def filtered(events, filters: Filters):
    if filters.actor:
        people = User.objects.filter(
            Q(email__icontains=filters.actor)
            | Q(first_name__icontains=filters.actor)
            | Q(last_name__icontains=filters.actor)
        )
        events = events.filter(Q(actor_name__icontains=filters.actor) | Q(actor__in=people))
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.channel:
        events = events.filter(channel=filters.channel)
    if filters.target:
        text = filters.target
        match = Q(target_name__icontains=text) | Q(target_id__iexact=text)
        for key in ("user", "member_group", "subject", "holder", "permission_set", "target"):
            match |= Q(**{f"after__{key}__icontains": text})
            match |= Q(**{f"before__{key}__icontains": text})
        for key in ("user_id", "member_group_id", "subject_id", "holder_id"):
            match |= _about(key, text.lower())
        events = events.filter(match)
    if isinstance(filters.since, dt.datetime):
        events = events.filter(created_at__gte=filters.since)
    elif filters.since:
        events = events.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        events = events.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return events


# --- keyset pages -------------------------------------------------------------------------


class BadCursor(ValueError):
    pass


def cursor_of(event) -> str:
    raw = f"{event.created_at.isoformat()}|{event.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_cursor(value: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, _, pk = raw.rpartition("|")
        moment = dt.datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError(stamp)
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(value) from error


@dataclass
class Page:
    entries: list
    older: str | None  # cursor for the next (older) page
    newer: str | None  # cursor for the previous (newer) page


def page(events, *, older_than: str = "", newer_than: str = "", size: int = PAGE_SIZE) -> Page:
    """Newest first, ``size`` at a time, by (created_at, id): no OFFSET, so a page stays the
    same however many events are written meanwhile, and events with equal times keep their
    order."""
    if newer_than:
        moment, pk = parse_cursor(newer_than)
        rows = list(
            events.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk)).order_by(
                "created_at", "pk"
            )[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            entries(rows),
            older=cursor_of(rows[-1]) if rows else None,
            newer=cursor_of(rows[0]) if rows and more_newer else None,
        )
    if older_than:
        moment, pk = parse_cursor(older_than)
        events = events.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(events.order_by("-created_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        entries(rows),
        older=cursor_of(rows[-1]) if rows and more_older else None,
        newer=cursor_of(rows[0]) if rows and older_than else None,
    )


# --- export -------------------------------------------------------------------------------

CSV_HEADER = [
    "time (UTC)",
    "event id",
    "actor",
    "actor email",
    "actor id",
    "action",
    "target type",
    "target id",
    "target name",
    "channel",
    "sentence",
    "before",
    "after",
]


def safe_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection, OWASP): a value starting
    with = + - @ or a tab or carriage return is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def record(event) -> dict:
    """The event as plain values, under the CSV's column names."""
    actor_id = str(event.actor.public_id) if event.actor_id and event.actor else ""
    values = (
        event.created_at.astimezone(dt.UTC).isoformat(),
        event.pk,
        actor_display(event) if event.actor_name else "",
        actor_email(event),
        actor_id,
        event.action,
        event.target_type,
        event.target_id,
        event.target_name,
        event.channel,
        sentence(event).text,
        event.before,
        event.after,
    )
    return dict(zip(CSV_HEADER, values, strict=True))


def row(event) -> list[str]:
    """The event as CSV cells, none of which a spreadsheet would run as a formula."""
    cells = record(event)
    for key in ("before", "after"):
        value = cells[key]
        cells[key] = json.dumps(value, ensure_ascii=False) if value is not None else ""
    return [safe_cell(value) for value in cells.values()]


class _Echo:
    def write(self, value):
        return value


def csv_lines(events, *, chunk_size: int = 500):
    """The CSV of ``events``, newest first, one line at a time (for a streaming response);
    read in keyset chunks so memory stays flat however long the log is."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    cursor = ""
    while True:
        chunk = page(events, older_than=cursor, size=chunk_size)
        for entry in chunk.entries:
            yield writer.writerow(row(entry.event))
        if not chunk.older:
            return
        cursor = chunk.older
