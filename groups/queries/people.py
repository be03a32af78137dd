"""Finding people: member search by name or email (three characters at least), and people
by public id, within one organization."""

import uuid

from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat

from accounts import person_names

from .. import access
from ..models import Group, Membership
from .pages import NUL

User = get_user_model()


SEARCH_MIN_LENGTH = 3


SEARCH_LIMIT = 20


# A search that takes longer than this (PostgreSQL) is stopped: "refine your search".
SEARCH_TIMEOUT_MS = 400


SEARCH_FEW_MATCHES_MS = 100


class SearchTooBroad(Exception):
    """The search hit its time limit: the person should type more."""


def within(run, milliseconds: int) -> list:
    """What ``run()`` returns, its queries stopped by PostgreSQL after ``milliseconds`` each
    (``SearchTooBroad``). Elsewhere: what it returns."""
    if connection.vendor != "postgresql":
        return run()
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'), "
                    "set_config('statement_timeout', %s, true)",
                    [f"{milliseconds}ms"],
                )
                previous = cursor.fetchone()[0]
            rows = run()
            if nested:  # a local setting lasts until the outer transaction ends: put it back
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return rows
    except OperationalError as error:
        if type(error.__cause__).__name__ == "QueryCanceled":
            raise SearchTooBroad from error
        raise


def _like_contains(term: str) -> str:
    """``term`` as a LIKE pattern that matches it anywhere, its wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# People of a name, walked in order (one lateral index scan per name, ``LIMIT``): the people
# of the Users group ``%s`` whose first or last name is one of the names given.
_PEOPLE_OF_NAMES = """
SELECT u.id, u.last_name, u.first_name, u.email
FROM unnest(%s::varchar[]) WITH ORDINALITY AS n(value, position)
CROSS JOIN LATERAL (
    SELECT id, last_name, first_name, email FROM accounts_user u
    WHERE u.{column} = n.value AND u.is_active
      AND EXISTS (SELECT 1 FROM groups_membership m WHERE m.group_id = %s AND m.user_id = u.id)
    ORDER BY {order} LIMIT %s
) u
ORDER BY {outer}
"""


_BY_LAST_NAME = _PEOPLE_OF_NAMES.format(
    column="last_name", order="u.first_name, u.email", outer="n.position, u.first_name, u.email"
)


_BY_FIRST_NAME = _PEOPLE_OF_NAMES.format(
    column="first_name", order="u.last_name, u.email", outer="u.last_name, u.first_name, u.email"
)


# Last names are walked in order, this many in the first round (then twice as many each
# round), until twenty people are found.
NAMES_PER_QUERY = 8


# Organizations with at least this many people search through the table of names (PostgreSQL).
NAMES_PLAN_FROM = 20_000


def _ids_through_names(users_group: int, term: str) -> list[int]:
    """The ids of the first ``SEARCH_LIMIT`` people of ``users_group`` (by last name, first
    name, email) whose first or last name contains ``term``, found through the table of
    distinct names (``accounts.person_names``): the cost follows the names that match and the
    rows shown, not the number of people who match."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, value FROM {person_names.TABLE} "
            "WHERE UPPER(value) LIKE UPPER(%s) ORDER BY value",
            [_like_contains(term)],
        )
        names = cursor.fetchall()
        last = [value for kind, value in names if kind == person_names.LAST]
        first = [value for kind, value in names if kind == person_names.FIRST]
        found = []
        # Last names in order: once twenty people are found, later names come after them.
        # The rounds grow (8, 16, 32… names) so that names nobody here bears (other
        # organizations', former ones) cost a few queries, not one per handful of names.
        start, size = 0, NAMES_PER_QUERY
        while start < len(last) and len(found) < SEARCH_LIMIT:
            cursor.execute(_BY_LAST_NAME, [last[start : start + size], users_group, SEARCH_LIMIT])
            found += [row[0] for row in cursor.fetchall()]
            start, size = start + size, size * 2
        # First names: the first twenty in last-name order among the people of each of them.
        if first:
            cursor.execute(
                _BY_FIRST_NAME + " LIMIT %s", [first, users_group, SEARCH_LIMIT, SEARCH_LIMIT]
            )
            found += [row[0] for row in cursor.fetchall()]
    return found


def users_search(organization, group, query: str):
    """Users of ``organization`` whose first or last name contains every typed word, with
    ``is_member`` telling whether they are already in ``group``, ordered and limited in the
    database. None under three characters: no query is run at all. Raises ``SearchTooBroad``
    when the database gives up (PostgreSQL: trigram indexes make that rare)."""
    query = " ".join(query.split())
    if len(query.replace(" ", "")) < SEARCH_MIN_LENGTH:
        return None
    if NUL in query:
        return []
    # The Users group's id as a value, not a subquery: the planner then knows how big it is
    # and picks the plan that fits (walk the name index, or the trigram indexes).
    users_group = (
        Group.objects.filter(organization=organization, kind=Group.Kind.USERS)
        .values_list("pk", flat=True)
        .first()
    )
    in_group = Membership.objects.filter(group_id=group.pk, user=OuterRef("pk"))
    if _through_names(users_group, query):
        # The first twenty of each kind of match, then the first twenty of those.
        ids = within(lambda: _ids_through_names(users_group, query), SEARCH_TIMEOUT_MS)
        return list(
            User.objects.filter(pk__in=ids)
            .annotate(is_member=Exists(in_group))
            .order_by("last_name", "first_name", "email")[:SEARCH_LIMIT]
        )
    in_organization = Membership.objects.filter(group_id=users_group, user=OuterRef("pk"))
    users = User.objects.filter(Exists(in_organization), is_active=True)
    for term in query.split():
        users = users.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term))
    users = users.annotate(is_member=Exists(in_group))
    try:
        # Few matches: every match through the trigram indexes, then sorted. (Ordering by an
        # expression keeps the planner off the name index, which it may wrongly walk for
        # names clustered far down the alphabet: "johnson", "иван".)
        first = users.order_by(Concat("last_name", Value("")), "first_name", "email")
        return within(lambda: list(first[:SEARCH_LIMIT]), SEARCH_FEW_MATCHES_MS)
    except SearchTooBroad:
        # Many matches: walking the name index in order finds the first twenty at once.
        walk = users.order_by("last_name", "first_name", "email")
        return within(lambda: list(walk[:SEARCH_LIMIT]), SEARCH_TIMEOUT_MS)


def _through_names(users_group, query: str) -> bool:
    """Whether to search through the table of names: on PostgreSQL, one word, and an
    organization large enough for it to pay (a count that stops at ``NAMES_PLAN_FROM``)."""
    if connection.vendor != "postgresql" or " " in query or users_group is None:
        return False
    people = Membership.objects.filter(group_id=users_group)[:NAMES_PLAN_FROM].count()
    return people >= NAMES_PLAN_FROM


def users_by_public_ids(organization, public_ids):
    """``(found, unknown)``: the organization's users with these public ids, and the ids that
    name nobody in it."""
    # Without repeats, in order, in linear time (a list's ``in`` made 66,000 ids quadratic).
    wanted = [value for value in dict.fromkeys(str(v).strip() for v in public_ids) if value]
    valid = []
    for value in wanted:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    found = list(access.members_of(organization).filter(public_id__in=valid))
    known = {str(user.public_id) for user in found}
    return found, [value for value in wanted if value not in known]
