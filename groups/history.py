"""Reading the audit trail: which events a page shows, in which order and pages, and the CSV
they export to. Each event reads as a sentence (``groups.audit_sentences``)."""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.models import AuditEvent

from .audit_sentences import (
    ACTIONS,
    CHANNEL_PHRASES,
    Sentence,
    actor_display,
    actor_email,
    full_text,
    sentence,
    when_text,
)

__all__ = [
    "ACTIONS",
    "CHANNEL_PHRASES",
    "Sentence",
    "actor_display",
    "full_text",
    "sentence",
    "when_text",
]

User = get_user_model()

PAGE_SIZE = 50


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
    """The event as CSV cells (``spreadsheet.lines`` makes them safe to open)."""
    cells = record(event)
    for key in ("before", "after"):
        value = cells[key]
        cells[key] = json.dumps(value, ensure_ascii=False) if value is not None else ""
    return list(cells.values())


def csv_rows(events, *, chunk_size: int = 500):
    """The header, then ``events`` newest first as CSV cells, read in keyset chunks so memory
    stays flat however long the log is."""
    yield CSV_HEADER
    cursor = ""
    while True:
        chunk = page(events, older_than=cursor, size=chunk_size)
        for entry in chunk.entries:
            yield row(entry.event)
        if not chunk.older:
            return
        cursor = chunk.older
