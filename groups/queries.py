"""Reads, shaped for the pages that show them (one query per list, whatever its length)."""

import base64
import json
import uuid

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Lower

from accounts import person_names
from accounts.models import Organization

from . import access, models
from .models import Group, GroupPermissionSet, MemberGroup, Membership, PermissionSet, Resource

User = get_user_model()
SEARCH_MIN_LENGTH = 3
SEARCH_LIMIT = 20
# A search that takes longer than this (PostgreSQL) is stopped: "refine your search".
SEARCH_TIMEOUT_MS = 400
SEARCH_FEW_MATCHES_MS = 100
# Member counts are exact up to here; above, lists say "more than" and panels an estimate.
COUNT_EXACT_UP_TO = 10_000

# Default groups first (Administrators, Users), then custom groups by name (indexed).
KIND_ORDER = models.KIND_ORDER


def organizations_of(user):
    """The organizations the user belongs to (operators: every organization)."""
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(groups__kind=Group.Kind.USERS, groups__user=user).order_by(
        "name"
    )


# Stored text never holds a NUL (PostgreSQL refuses it: a search with one would be a 500), so
# a search that contains one matches nothing.
NUL = "\x00"


def _member_count_sql(limit: int | None) -> RawSQL:
    """The group's (effective) member count as a correlated subquery: PostgreSQL computes it
    after ORDER BY … LIMIT, so only for the rows of the page. With ``limit``, counting stops
    there (cheap for any size; the caller shows "more than")."""
    rows = "SELECT 1 FROM groups_membership m WHERE m.group_id = groups_group.group_ptr_id"
    if limit is None:
        return RawSQL(f"SELECT COUNT(*) FROM ({rows}) counted", [])
    return RawSQL(f"SELECT COUNT(*) FROM ({rows} LIMIT %s) counted", [limit + 1])


def groups_for_list(user, organization, search: str = "", *, exact_counts: bool = True):
    """The groups the user may see, with their member counts, default groups first.
    ``exact_counts=False``: counts stop above ``COUNT_EXACT_UP_TO`` (the list shows "more
    than"), so a page costs the same whatever the size of its groups."""
    groups = access.groups_visible_to(user, organization)
    search = " ".join(search.split())
    if NUL in search:
        groups = groups.none()
    elif search:
        groups = groups.filter(display_name__icontains=search)
    return groups.annotate(
        member_count=_member_count_sql(None if exact_counts else COUNT_EXACT_UP_TO),
        kind_order=KIND_ORDER,
    ).order_by("kind_order", "display_name", "group_ptr_id")


class DeferredJoinPaginator(Paginator):
    """Reads a page's keys first (an index-only walk, cheap however deep the page), then the
    rows of those keys with their annotations: page 4,000 costs about what page 1 does."""

    key = "pk"

    def __init__(self, object_list, per_page, *, key: str = "pk", **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.key = key

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list(self.key, flat=True)[bottom:top])
        rows = {
            getattr(row, self.key): row
            for row in self.object_list.filter(**{f"{self.key}__in": keys})
        }
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


def group_members(group, search: str = ""):
    """A group's memberships with the member and who added them."""
    memberships = Membership.objects.filter(group_id=group.pk).select_related("user", "added_by")
    if NUL in search:
        memberships = memberships.none()
    for term in search.split():
        memberships = memberships.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__email__icontains=term)
        )
    return memberships.order_by("user__last_name", "user__first_name", "user__email", "pk")


def member_count(group) -> int:
    return Membership.objects.filter(group_id=group.pk).count()


def count_or_estimate(queryset) -> tuple[int, bool]:
    """``(count, estimated)`` of any queryset: exact up to ``COUNT_EXACT_UP_TO`` (a count that
    stops there), above that PostgreSQL's planner estimate of its rows (no scan)."""
    queryset = queryset.order_by()  # a count needs no order (else: a sort of every row)
    exact = queryset[: COUNT_EXACT_UP_TO + 1].count()
    if exact <= COUNT_EXACT_UP_TO or connection.vendor != "postgresql":
        return (exact if exact <= COUNT_EXACT_UP_TO else queryset.count()), False
    plan = json.loads(queryset.explain(format="json"))
    return max(exact, int(plan[0]["Plan"]["Plan Rows"])), True


def member_count_estimate(group) -> tuple[int, bool]:
    """``(count, estimated)``: exact up to ``COUNT_EXACT_UP_TO`` members (a count that stops
    there), above that PostgreSQL's planner estimate (one more query, no table scan)."""
    rows = Membership.objects.filter(group_id=group.pk)
    exact = rows[: COUNT_EXACT_UP_TO + 1].count()
    if exact <= COUNT_EXACT_UP_TO or connection.vendor != "postgresql":
        return (exact if exact <= COUNT_EXACT_UP_TO else rows.count()), False
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM groups_membership WHERE group_id = %s",
            [group.pk],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(exact, int(plan[0]["Plan"]["Plan Rows"])), True


class SearchTooBroad(Exception):
    """The search hit its time limit: the person should type more."""


def _within(run, milliseconds: int) -> list:
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
        ids = _within(lambda: _ids_through_names(users_group, query), SEARCH_TIMEOUT_MS)
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
        return _within(lambda: list(first[:SEARCH_LIMIT]), SEARCH_FEW_MATCHES_MS)
    except SearchTooBroad:
        # Many matches: walking the name index in order finds the first twenty at once.
        walk = users.order_by("last_name", "first_name", "email")
        return _within(lambda: list(walk[:SEARCH_LIMIT]), SEARCH_TIMEOUT_MS)


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
    wanted = []
    for value in public_ids:
        value = str(value).strip()
        if value and value not in wanted:
            wanted.append(value)
    valid = []
    for value in wanted:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    found = list(
        User.objects.filter(
            public_id__in=valid,
            memberships__group__group__organization=organization,
            memberships__group__group__kind=Group.Kind.USERS,
        )
    )
    known = {str(user.public_id) for user in found}
    return found, [value for value in wanted if value not in known]


def group_permission_sets(group):
    return (
        GroupPermissionSet.objects.filter(group=group)
        .select_related("permission_set", "assigned_by")
        .order_by("permission_set__name")
    )


def permission_sets_available(group):
    """Sets the group could be given: the defaults and its organization's own, not held yet."""
    held = GroupPermissionSet.objects.filter(group=group, permission_set=OuterRef("pk"))
    return (
        PermissionSet.objects.filter(Q(organization=None) | Q(organization=group.organization_id))
        .exclude(Exists(held))
        .order_by("name")
    )


def member_groups(group):
    """The groups that are members of ``group``, with their (effective) member counts."""
    return (
        MemberGroup.objects.filter(parent=group)
        .select_related("child")
        .annotate(member_count=Count("child__user", distinct=True))
        .order_by("child__display_name")
    )


def inherited_via(group, memberships) -> dict:
    """For the inherited members among ``memberships``: the member groups of ``group`` they
    come through, by user id (one query for the whole page)."""
    inherited = [m.user_id for m in memberships if not m.direct]
    if not inherited:
        return {}
    children = MemberGroup.objects.filter(parent=group).values("child")
    via = {}
    rows = (
        Membership.objects.filter(group_id__in=children, user_id__in=inherited)
        .values_list("user_id", "group__group__display_name")
        .order_by("group__group__display_name")
    )
    for user_id, name in rows:
        via.setdefault(user_id, []).append(name)
    return via


def groups_addable_as_members(group):
    """Groups of the organization that could become members of ``group`` (not itself, not
    already members; cycles are refused by the service with their path)."""
    taken = MemberGroup.objects.filter(parent=group).values("child")
    return (
        Group.objects.filter(organization=group.organization_id)
        .exclude(pk=group.pk)
        .exclude(pk__in=taken)
        .exclude(kind=Group.Kind.USERS)
        # The list order (Administrators first, then by name): the index serves it.
        .annotate(kind_order=KIND_ORDER)
        .order_by("kind_order", "display_name", "group_ptr_id")
    )


def resources_of(organization):
    return Resource.objects.filter(organization=organization).select_related("folder")


def user_groups(user, organization):
    """The user's groups in ``organization``, direct and inherited."""
    return (
        Membership.objects.filter(user=user, group__group__organization=organization)
        .select_related("group__group")
        .order_by("-direct", "group__group__display_name")
    )


def resources_for_list(organization, search: str = ""):
    """The organization's resources in list order (type, key: the unique index serves it),
    those whose name or key contains ``search``, with their grant counts (stopped above
    ``COUNT_EXACT_UP_TO``; evaluated for the rows of a page only)."""
    resources = Resource.objects.filter(organization=organization).select_related("folder")
    if NUL in search:
        resources = resources.none()
    elif search:
        resources = resources.filter(Q(name__icontains=search) | Q(key__icontains=search))
    counted = RawSQL(
        "SELECT COUNT(*) FROM (SELECT 1 FROM groups_grant g "
        "WHERE g.resource_id = groups_resource.id LIMIT %s) counted",
        [COUNT_EXACT_UP_TO + 1],
    )
    return resources.annotate(grant_count=counted).order_by("type", "key")


# --- keyset pages (deep pages cost what the first one does) --------------------------------

MEMBER_ORDER = ("user__last_name", "user__first_name", "user__email", "pk")


def encode_position(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_position(text: str) -> list | None:
    """The ``[last name, first name, email, id]`` of a page edge, or None if ``text`` is not
    one this site gave out (then the list starts from the top)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError):
        return None
    if (
        isinstance(values, list)
        and len(values) == 4
        and all(isinstance(v, str) and len(v) <= 254 and NUL not in v for v in values[:3])
        and type(values[3]) is int
        and 0 < values[3] < 2**63
    ):
        return values
    return None


def _beyond(order, values, direction: str) -> Q:
    """Rows after (``gt``) or before (``lt``) ``values`` in ``order``; the bound on the first
    column lets the database start its index walk there."""
    condition = Q(pk__in=[])
    for n in range(len(order)):
        equal = {order[i]: values[i] for i in range(n)}
        condition |= Q(**equal, **{f"{order[n]}__{direction}": values[n]})
    return condition & Q(**{f"{order[0]}__{direction}e": values[0]})


class KeysetPage:
    """A page of a list walked from a position (``after`` the previous page's last row, or
    ``before`` the next page's first), in ``order``: no OFFSET, so page 8,000 costs what page 1
    does. ``previous_position``/``next_position`` are the links' values (None: no such page)."""

    def __init__(self, queryset, order, size: int, *, after: str = "", before: str = ""):
        position = decode_position(after or before) if (after or before) else None
        if position and before:
            rows = list(
                queryset.filter(_beyond(order, position, "lt")).order_by(
                    *[f"-{name}" for name in order]
                )[: size + 1]
            )
            earlier, rows = len(rows) > size, rows[:size][::-1]
            later = True
        else:
            if position:
                queryset = queryset.filter(_beyond(order, position, "gt"))
            rows = list(queryset.order_by(*order)[: size + 1])
            later, rows = len(rows) > size, rows[:size]
            earlier = position is not None
        self.object_list = rows
        self.previous_position = _position(rows[0], order) if rows and earlier else None
        self.next_position = _position(rows[-1], order) if rows and later else None


def _position(row, order) -> str:
    values = []
    for name in order:
        value = row
        for part in name.split("__"):
            value = getattr(value, part)
        values.append(value)
    return encode_position(values)


def permission_sets_usable(organization):
    """The permission sets a group of ``organization`` may hold: its own and the defaults."""
    return PermissionSet.objects.filter(
        Q(organization=organization) | Q(organization=None)
    ).order_by("name")


def grant_of_group(group, public_id):
    """The grant ``public_id`` whose subject is ``group``, or None."""
    return (
        models.Grant.objects.select_related("organization", "resource", "permission_set")
        .filter(subject_group=group, public_id=public_id)
        .first()
    )


def group_names_taken(organization, names) -> set[str]:
    """Which of ``names`` (lower case) a group of ``organization`` has, in one query."""
    return set(
        Group.objects.annotate(lower=Lower("display_name"))
        .filter(organization=organization, lower__in=names)
        .values_list("lower", flat=True)
    )


def folder_contents(resource):
    """What sits directly in a folder, by type and key."""
    return resource.contents.order_by("type", "key")
