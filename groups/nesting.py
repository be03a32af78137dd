"""The closure of nested groups: who is effectively in which group.

``Membership`` (the table Django and guardian read) must equal, for every group, the users
directly in it or in any group below it (member groups, any depth). The services call
``refresh`` with the groups whose closure may have changed, inside their own transaction.
The graph of one organization is read in one query; each refresh costs a fixed number of
queries whatever the depth.
"""

from collections import defaultdict, deque

from django.db.models import Q

from .models import Group, MemberGroup, Membership


class Graph:
    """The member-group edges of one organization, in memory."""

    def __init__(self, organization_id):
        self.children = defaultdict(set)
        self.parents = defaultdict(set)
        edges = MemberGroup.objects.filter(parent__organization_id=organization_id).values_list(
            "parent_id", "child_id"
        )
        for parent, child in edges:
            self.children[parent].add(child)
            self.parents[child].add(parent)

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


def _of_users(rows, user_ids):
    return rows if user_ids is None else rows.filter(user_id__in=user_ids)


def effective_users(graph: Graph, group_ids, user_ids=None) -> dict:
    """For each group id: the ids of the users directly in it or in a group below it (among
    ``user_ids`` only, when given)."""
    below = {group_id: graph.below(group_id) for group_id in group_ids}
    everything = set().union(*below.values()) if below else set()
    direct = defaultdict(set)
    for group_id, user_id in _of_users(
        Membership.objects.filter(group_id__in=everything, direct=True), user_ids
    ).values_list("group_id", "user_id"):
        direct[group_id].add(user_id)
    return {
        group_id: set().union(*(direct[g] for g in groups)) for group_id, groups in below.items()
    }


def refresh(organization_id, group_ids, graph: Graph | None = None, *, user_ids=None) -> None:
    """Make the inherited rows of these groups (and only these) equal to the closure. With
    ``user_ids``, only those users' rows: when only their direct memberships changed, nobody
    else's closure did, and the cost follows the users changed, not the size of the groups."""
    group_ids = set(group_ids)
    if not group_ids:
        return
    if user_ids is not None:
        user_ids = set(user_ids)
        if not user_ids:
            return
    graph = graph or Graph(organization_id)
    wanted = effective_users(graph, group_ids, user_ids)
    current = defaultdict(dict)
    for group_id, user_id, direct in _of_users(
        Membership.objects.filter(group_id__in=group_ids), user_ids
    ).values_list("group_id", "user_id", "direct"):
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
    _of_users(Membership.objects.filter(stale, direct=False), user_ids).delete()
    Membership.objects.bulk_create(missing)


def ancestors_of(group: Group, graph: Graph | None = None) -> set:
    """The ids of the groups ``group`` is nested in (not the group itself)."""
    graph = graph or Graph(group.organization_id)
    return graph.above(group.pk) - {group.pk}
