"""Reading the audit trail: which events a page shows, filtered, in which order and pages.
Each event reads as a sentence (``audit.sentences``); who is tied to which groups is read by
``audit.ties``, and the CSV export is ``audit.export``."""

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import JSONField, Q
from django.db.models.expressions import RawSQL

from .models import AuditEvent
from .sentences import CHANNEL_PHRASES, Sentence, sentence
from .ties import about, group_ties, tied_lifecycle, user_ties

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


def events_of_organization(organization):
    return AuditEvent.objects.filter(organization=organization).select_related("actor")


def events_of_group(group):
    """Changes to ``group``: itself, its members and member groups, its permission sets and
    rights, the grants it is the subject of, its being nested in another group, and the
    deletion and restore of the groups it was a member group of or that were its member
    groups."""
    group_id = str(group.public_id)
    events = events_of_organization(group.organization)
    return events.filter(
        Q(target_type="group", target_id=group_id)
        | about("member_group_id", group_id)
        | about("subject_id", group_id)
        | about("holder_id", group_id)
        | Q(pk__in=tied_lifecycle(events, group_id, group_ties(group_id)))
    )


def events_of_user(user, organization):
    """Changes to ``user`` in ``organization``: their account, memberships, grants and
    rights, and the deletion and restore of the groups they were a direct member of."""
    user_id = str(user.public_id)
    events = events_of_organization(organization)
    return events.filter(
        Q(target_type="user", target_id=user_id)
        | about("user_id", user_id)
        | about("subject_id", user_id)
        | about("holder_id", user_id)
        | Q(pk__in=tied_lifecycle(events, user_id, user_ties(user_id)))
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


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def filtered(events, filters: Filters):
    everything = events  # the ties of a person or group are read from every event
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
            match |= about(key, text.lower())
        # A restore lists who and what came back: found by their names, emails or ids.
        for key in ("members", "member_groups", "parent_groups"):
            match |= Q(**{f"after__{key}__icontains": text})
        if _is_uuid(text):
            # The id of a person or a group: also the deletions and restores of their groups.
            subject_id = text.lower()
            ties = user_ties(subject_id) + group_ties(subject_id)
            match |= Q(pk__in=tied_lifecycle(everything, subject_id, ties))
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


# A page reads at most this many entries of a restore's member list (which may hold 200,000,
# shown on each of their pages): the database cuts the list and says how long it was
# (``members_total``), and the sentence counts from that. Exports read everything.
LIST_PREVIEW = 20

# The list is read out of the (large, compressed) payload once: ``OFFSET 0`` keeps PostgreSQL
# from inlining the subquery and unpacking the payload again for each use of ``m``.
_LIGHT_AFTER = """(
    SELECT CASE
        WHEN jsonb_typeof(m) = 'array' AND jsonb_array_length(m) > %s
        THEN ("accounts_auditevent"."after" - 'members') || jsonb_build_object(
            'members', jsonb_path_query_array(m, ('$[0 to ' || (%s - 1) || ']')::jsonpath),
            'members_total', jsonb_array_length(m)
        )
        ELSE "accounts_auditevent"."after"
    END
    FROM (SELECT "accounts_auditevent"."after" -> 'members' AS m OFFSET 0) AS list
)"""


def _light(events):
    """``events`` with long member lists cut short in the database (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return events
    return events.defer("after").annotate(
        light_after=RawSQL(_LIGHT_AFTER, (LIST_PREVIEW, LIST_PREVIEW), output_field=JSONField())
    )


def _rows(events) -> list:
    rows = list(events)
    for event in rows:
        if hasattr(event, "light_after"):
            event.after = event.light_after
    return rows


def page(
    events,
    *,
    older_than: str = "",
    newer_than: str = "",
    size: int = PAGE_SIZE,
    whole: bool = False,
) -> Page:
    """Newest first, ``size`` at a time, by (created_at, id): no OFFSET, so a page stays the
    same however many events are written meanwhile, and events with equal times keep their
    order. Unless ``whole``, long lists in the events are cut short (``LIST_PREVIEW``)."""
    if not whole:
        events = _light(events)
    if newer_than:
        moment, pk = parse_cursor(newer_than)
        rows = _rows(
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
    rows = _rows(events.order_by("-created_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        entries(rows),
        older=cursor_of(rows[-1]) if rows and more_older else None,
        newer=cursor_of(rows[0]) if rows and older_than else None,
    )
