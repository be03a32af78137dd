"""The closure of nested groups: who is effectively in which group.

``Membership`` (the table Django and guardian read) must equal, for every group, the users
directly in it or in any group below it (member groups, any depth). The services call
``refresh`` with the groups whose closure may have changed, inside their own transaction.
The graph of one organization is read in one query; each refresh costs a fixed number of
queries whatever the depth. A change of some people's direct memberships (the common case)
goes through ``refresh_users``: one recursive query up from their direct groups, reading only
the edges on the way.
"""

from collections import defaultdict, deque

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .models import Group, MemberGroup, Membership


class Graph:
    """The member-group edges of one organization, in memory."""

    def __init__(self, organization_id, *, edges=None):
        self.children = defaultdict(set)
        self.parents = defaultdict(set)
        if edges is None:
            edges = MemberGroup.objects.filter(parent__organization_id=organization_id).values_list(
                "parent_id", "child_id"
            )
        for parent, child in edges:
            self.children[parent].add(child)
            self.parents[child].add(parent)

    @classmethod
    def upward(cls, group_ids) -> "Graph":
        """Only the edges above these groups (any depth), in one recursive query: enough for
        ``above`` and for walking up from them, at the cost of the ancestors alone."""
        group_ids = list(group_ids)
        if not group_ids:
            return cls(None, edges=[])
        edges = MemberGroup._meta.db_table
        marks = ", ".join(["%s"] * len(group_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE up(parent_id, child_id) AS ("
                f"SELECT parent_id, child_id FROM {edges} WHERE child_id IN ({marks}) "
                f"UNION SELECT e.parent_id, e.child_id FROM {edges} e "
                "JOIN up ON e.child_id = up.parent_id) SELECT parent_id, child_id FROM up",
                group_ids,
            )
            return cls(None, edges=cursor.fetchall())

    def nodes(self) -> set:
        return set(self.children) | set(self.parents)

    def _walk(self, start, links) -> set:
        seen, queue = {start}, deque([start])
        while queue:
            for nxt in links[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def below(self, group_id) -> set:
        """The group and every group nested in it, at any depth."""
        return self._walk(group_id, self.children)

    def above(self, group_id) -> set:
        """The group and every group it is nested in, at any depth."""
        return self._walk(group_id, self.parents)

    def path(self, start, goal) -> list | None:
        """Group ids from ``start`` down to ``goal`` through member-group edges, or None."""
        previous, queue = {start: None}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                path = []
                while node is not None:
                    path.append(node)
                    node = previous[node]
                return path[::-1]
            for nxt in self.children[node]:
                if nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
        return None


def effective_users(graph: Graph, group_ids) -> dict:
    """For each group id: the ids of the users directly in it or in a group below it."""
    below = {group_id: graph.below(group_id) for group_id in group_ids}
    everything = set().union(*below.values()) if below else set()
    direct = defaultdict(set)
    for group_id, user_id in Membership.objects.filter(
        group_id__in=everything, direct=True
    ).values_list("group_id", "user_id"):
        direct[group_id].add(user_id)
    return {
        group_id: set().union(*(direct[g] for g in groups)) for group_id, groups in below.items()
    }


def refresh(organization_id, group_ids, graph: Graph | None = None) -> None:
    """Make the inherited rows of these groups (and only these) equal to the closure: after a
    change of the nesting, or of a group as a whole (deleted, restored). When only some people's
    direct memberships changed, ``refresh_users`` does it at a cost that follows the people."""
    group_ids = set(group_ids)
    if not group_ids:
        return
    graph = graph or Graph(organization_id)
    wanted = effective_users(graph, group_ids)
    current = defaultdict(dict)
    for group_id, user_id, direct in Membership.objects.filter(group_id__in=group_ids).values_list(
        "group_id", "user_id", "direct"
    ):
        current[group_id][user_id] = direct
    stale = Q(pk__in=[])
    missing = []
    for group_id in group_ids:
        rows = current[group_id]
        for user_id in wanted[group_id] - rows.keys():
            missing.append(Membership(group_id=group_id, user_id=user_id, direct=False))
        gone = [u for u, direct in rows.items() if not direct and u not in wanted[group_id]]
        if gone:
            stale |= Q(group_id=group_id, user_id__in=gone)
    Membership.objects.filter(stale, direct=False).delete()
    Membership.objects.bulk_create(missing)


def _reach(group_ids, start: str, step: str) -> set:
    """The groups reached from ``group_ids`` along member-group edges, in one recursive query
    that reads only the edges on the way (not the organization's whole graph)."""
    group_ids = list(group_ids)
    if not group_ids:
        return set()
    edges, groups, key = MemberGroup._meta.db_table, Group._meta.db_table, Group._meta.pk.column
    marks = ", ".join(["%s"] * len(group_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE reach(id) AS (SELECT {key} FROM {groups} WHERE {key} IN ({marks}) "
            f"UNION SELECT e.{step} FROM {edges} e JOIN reach ON e.{start} = reach.id) "
            "SELECT id FROM reach",
            group_ids,
        )
        return {row[0] for row in cursor.fetchall()}


def above_ids(group_ids) -> set:
    """These groups and every group they are nested in, at any depth."""
    return _reach(group_ids, "child_id", "parent_id")


def below_ids(group_ids) -> set:
    """These groups and every group nested in them, at any depth."""
    return _reach(group_ids, "parent_id", "child_id")


def refresh_users(organization_id, user_ids, *, gained_only=False) -> None:
    """Make these users' inherited rows in one organization equal to the closure of their
    direct memberships there, when only their direct memberships changed (nobody else's
    closure did). With ``gained_only`` (they only gained direct memberships) no inherited row
    can have become stale, and the delete is skipped. Two statements whatever the size of the
    organization or of the groups, done in the database: the closure up from the users' direct
    groups (a recursive query reading only the edges on the way), the inherited rows it lacks
    inserted and those it no longer holds deleted."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    members, edges = Membership._meta.db_table, MemberGroup._meta.db_table
    groups, key = Group._meta.db_table, Group._meta.pk.column
    marks = ", ".join(["%s"] * len(user_ids))
    # Only this organization's rows: another organization's nesting changes are not
    # serialized with this one (nesting is locked per organization).
    of_organization = f"group_id IN (SELECT {key} FROM {groups} WHERE organization_id = %s)"
    closure = (
        f"WITH RECURSIVE up(user_id, group_id) AS ("
        f"SELECT user_id, group_id FROM {members} "
        f"WHERE direct AND user_id IN ({marks}) AND {of_organization} "
        f"UNION SELECT up.user_id, e.parent_id FROM {edges} e "
        "JOIN up ON e.child_id = up.group_id) "
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(user_ids) > 100:
            # The closure's size is guessed far too big: compiling the plans (JIT) would cost
            # more than running them.
            cursor.execute("SET LOCAL jit = off")
        if not gained_only:
            cursor.execute(
                closure + f"DELETE FROM {members} WHERE user_id IN ({marks}) AND NOT direct "
                f"AND {of_organization} "
                f"AND NOT EXISTS (SELECT 1 FROM up WHERE up.user_id = {members}.user_id "
                f"AND up.group_id = {members}.group_id)",
                [*user_ids, organization_id, *user_ids, organization_id],
            )
        # Rows already there (direct ones, or inherited through another group) are skipped by
        # the unique (group, user) index itself: no anti-join over the whole table.
        cursor.execute(
            closure + f"INSERT INTO {members} (user_id, group_id, added_at, direct) "
            "SELECT DISTINCT up.user_id, up.group_id, %s, %s FROM up WHERE true "
            "ON CONFLICT (group_id, user_id) DO NOTHING",
            [*user_ids, organization_id, now, False],
        )


def add_subtree(parent_id, child_id) -> None:
    """After ``child`` was nested in ``parent``: everyone directly in ``child`` or a group below
    it becomes an inherited member of ``parent`` and of every group above it, in one statement
    (rows already there are kept by the unique index). Nothing else can change when an edge is
    added, so this is the whole refresh; removing one needs ``refresh_users``."""
    members, edges = Membership._meta.db_table, MemberGroup._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")  # as in refresh_users: misestimated sizes
        cursor.execute(
            f"WITH RECURSIVE up(id) AS (SELECT %s UNION SELECT e.parent_id FROM {edges} e "
            "JOIN up ON e.child_id = up.id), "
            f"down(id) AS (SELECT %s UNION SELECT e.child_id FROM {edges} e "
            "JOIN down ON e.parent_id = down.id) "
            f"INSERT INTO {members} (user_id, group_id, added_at, direct) "
            f"SELECT DISTINCT m.user_id, up.id, %s, %s FROM {members} m "
            "JOIN down ON m.group_id = down.id CROSS JOIN up WHERE m.direct "
            "ON CONFLICT (group_id, user_id) DO NOTHING",
            [parent_id, child_id, now, False],
        )


def ancestors_of(group: Group, graph: Graph | None = None) -> set:
    """The ids of the groups ``group`` is nested in (not the group itself)."""
    if graph is None:
        return above_ids([group.pk]) - {group.pk}
    return graph.above(group.pk) - {group.pk}
