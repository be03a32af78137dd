"""Reading the audit trail: which events a page shows, in which order and pages, and the CSV
they export to. Each event reads as a sentence (``audit.sentences``)."""

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import JSONField, Q
from django.db.models.expressions import RawSQL

from .models import AuditEvent
from .sentences import (
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


# --- deletions and restores of the groups one was in ------------------------------------------
#
# Deleting a group is one ``group.deleted`` event that names no member (a group may have
# 200,000), and its restore is one ``group.restored`` event that lists them deep in ``after``,
# where the indexes on ``user_id`` and ``member_group_id`` do not reach. Which of them concern a
# person (or a group) is read from the trail instead: the events that tied it to a group and
# untied it (few, and indexed) give the groups it was ever in; the deletions, restores and
# purges of those groups (by the target index) are walked in order, and each one that found it
# tied to the group belongs to its history. Three small queries, whatever the groups' sizes.

LIFECYCLE = ("group.deleted", "group.restored", "group.purged")
MEMBERSHIP_ACTIONS = ("membership.added", "membership.removed", "membership.expired")
NESTING_ACTIONS = ("member_group.added", "member_group.removed")


@dataclass(frozen=True)
class Tie:
    """How a person or a group is tied to other groups in the trail.

    ``events`` tie and untie it (``tying``: the actions that tie); ``group`` is where such an
    event names the other group: "target", or a payload key. A restore of the other group ties
    it again if it is in that event's ``after[restored_in]`` (by ``restored_as``); a restore of
    the group itself (for a group) ties it again to the groups in ``after[own_in]`` (by
    ``own_as``)."""

    events: Q
    tying: tuple
    group: str
    restored_in: str
    restored_as: str
    own_in: str = ""
    own_as: str = ""


def user_ties(user_id: str) -> list[Tie]:
    return [
        Tie(
            events=_about("user_id", user_id) & Q(action__in=MEMBERSHIP_ACTIONS),
            tying=("membership.added",),
            group="target",
            restored_in="members",
            restored_as="user_id",
        )
    ]


def group_ties(group_id: str) -> list[Tie]:
    return [
        # A member group of others: deleting one of them takes it out.
        Tie(
            events=_about("member_group_id", group_id) & Q(action__in=NESTING_ACTIONS),
            tying=("member_group.added",),
            group="target",
            restored_in="member_groups",
            restored_as="member_group_id",
            own_in="parent_groups",
            own_as="group_id",
        ),
        # The parent of member groups: deleting one of them takes it out of this one.
        Tie(
            events=Q(target_type="group", target_id=group_id, action__in=NESTING_ACTIONS),
            tying=("member_group.added",),
            group="member_group_id",
            restored_in="parent_groups",
            restored_as="group_id",
            own_in="member_groups",
            own_as="member_group_id",
        ),
    ]


def _named_in(events, pk: int, key: str, id_key: str, subject_id: str) -> bool:
    """Whether the list ``after[key]`` of event ``pk`` names ``subject_id``. PostgreSQL answers
    in the database (a restore may list 200,000 members); elsewhere the list is read here."""
    if connection.vendor == "postgresql":
        lookup = {"pk": pk, f"after__{key}__contains": [{id_key: subject_id}]}
        return events.filter(**lookup).exists()
    entries = events.filter(pk=pk).values_list(f"after__{key}", flat=True).first() or []
    return any(isinstance(e, dict) and e.get(id_key) == subject_id for e in entries)


def tied_lifecycle(events, subject_id: str, ties: list[Tie]) -> list[int]:
    """The ids of the deletions, restores and purges, among ``events``, of groups ``subject_id``
    was tied to (by ``ties``) at the time: a deletion that found it tied, the restore that
    followed (whether or not it came back: both are its story), and the purge that ended it."""
    timeline = []  # (created_at, pk, tie index or None, action, group id, payload id)
    for index, tie in enumerate(ties):
        fields = ["created_at", "pk", "action", "target_id"]
        if tie.group != "target":
            fields += [f"after__{tie.group}", f"before__{tie.group}"]
        for row in events.filter(tie.events).values_list(*fields):
            group = row[3] if tie.group == "target" else (row[4] or row[5])
            timeline.append((row[0], row[1], index, row[2], str(group or "")))
    groups = {entry[4] for entry in timeline} - {""}
    own = any(tie.own_in for tie in ties)
    if not groups and not own:
        return []
    lifecycle = Q(target_id__in=groups)
    if own:
        lifecycle |= Q(target_id=subject_id)
    for created_at, pk, action, group in events.filter(
        lifecycle, target_type="group", action__in=LIFECYCLE
    ).values_list("created_at", "pk", "action", "target_id"):
        timeline.append((created_at, pk, None, action, group))
    timeline.sort(key=lambda entry: (entry[0], entry[1]))

    tied = {}  # (tie index, group id) -> True, False, or the pk of a restore yet to be read
    cut = set()  # (tie index, group id) tied when the group was deleted, not restored since
    found = []

    def is_tied(key) -> bool:
        state = tied.get(key, False)
        if state is True or state is False:
            return state
        tie = ties[key[0]]
        tied[key] = _named_in(events, state, tie.restored_in, tie.restored_as, subject_id)
        return tied[key]

    for _, pk, index, action, group in timeline:
        if index is not None:
            tied[(index, group)] = action in ties[index].tying
        elif group == subject_id and own:
            if action == "group.deleted":
                tied = {key: False for key in tied}
            elif action == "group.restored":
                for index, tie in enumerate(ties):
                    entries = (
                        events.filter(pk=pk).values_list(f"after__{tie.own_in}", flat=True).first()
                    )
                    for entry in entries or []:
                        if isinstance(entry, dict) and entry.get(tie.own_as):
                            tied[(index, str(entry[tie.own_as]))] = True
        else:
            keys = [(index, group) for index in range(len(ties))]
            if action == "group.deleted":
                hit = [key for key in keys if is_tied(key)]
                for key in hit:
                    tied[key] = False
                    cut.add(key)
            elif action == "group.restored":
                hit = [key for key in keys if key in cut]
                for key in hit:
                    cut.discard(key)
                    tied[key] = pk  # read only if a later deletion needs it
            else:  # purged
                hit = [key for key in keys if key in cut]
                cut.difference_update(hit)
            if hit:
                found.append(pk)
    return found


def events_of_group(group):
    """Changes to ``group``: itself, its members and member groups, its permission sets and
    rights, the grants it is the subject of, its being nested in another group, and the
    deletion and restore of the groups it was a member group of or that were its member
    groups."""
    group_id = str(group.public_id)
    events = events_of_organization(group.organization)
    return events.filter(
        Q(target_type="group", target_id=group_id)
        | _about("member_group_id", group_id)
        | _about("subject_id", group_id)
        | _about("holder_id", group_id)
        | Q(pk__in=tied_lifecycle(events, group_id, group_ties(group_id)))
    )


def events_of_user(user, organization):
    """Changes to ``user`` in ``organization``: their account, memberships, grants and
    rights, and the deletion and restore of the groups they were a direct member of."""
    user_id = str(user.public_id)
    events = events_of_organization(organization)
    return events.filter(
        Q(target_type="user", target_id=user_id)
        | _about("user_id", user_id)
        | _about("subject_id", user_id)
        | _about("holder_id", user_id)
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
            match |= _about(key, text.lower())
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
        chunk = page(events, older_than=cursor, size=chunk_size, whole=True)
        for entry in chunk.entries:
            yield row(entry.event)
        if not chunk.older:
            return
        cursor = chunk.older
