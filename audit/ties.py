"""How a person or a group is tied to groups in the audit trail, and which deletions, restores
and purges of those groups therefore belong to its history (``history.events_of_group``,
``history.events_of_user`` and the Audit log's target filter)."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q


def about(key: str, value: str) -> Q:
    """The events whose ``after`` or ``before`` names ``value`` under ``key``."""
    return Q(**{f"after__{key}": value}) | Q(**{f"before__{key}": value})


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
            events=about("user_id", user_id) & Q(action__in=MEMBERSHIP_ACTIONS),
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
            events=about("member_group_id", group_id) & Q(action__in=NESTING_ACTIONS),
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
