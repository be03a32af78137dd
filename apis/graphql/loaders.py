"""Reads for the GraphQL API, batched so that a page of groups costs a fixed number of queries.

Every ``AuthGroup`` built from one list (a page of ``authGroups``, the member groups of a page
of members) shares one ``GroupBatch``. The first time a field needs something (member counts,
permission sets, a page of members), the batch fetches it for every group of the list at once.
"""

import re
from collections import defaultdict

from apis.common.lookups import as_uuid
from groups import access
from groups.queries import KIND_ORDER, batches, users_by_public_ids

from .errors import ApiError

USER = "User"
GROUP = "Group"
DEFAULT_LIMIT = 30
MAX_LIMIT = 100
MAX_IDS = 1000


def valid_uuids(values) -> list[str]:
    return [found for found in map(as_uuid, values) if found is not None]


def check_page(offset, limit) -> tuple[int, int]:
    """``(offset, limit)``; null means the default."""
    offset = 0 if offset is None else offset
    limit = DEFAULT_LIMIT if limit is None else limit
    if offset < 0:
        raise ApiError("offset cannot be negative.", "BAD_USER_INPUT")
    if not 0 <= limit <= MAX_LIMIT:
        raise ApiError(f"limit must be between 0 and {MAX_LIMIT}.", "BAD_USER_INPUT")
    return offset, limit


def check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ApiError(
            f"nameRegex is not a valid regular expression: {error}.", "BAD_USER_INPUT"
        ) from error
    if "\x00" in pattern:
        raise ApiError("nameRegex cannot contain a NUL character.", "BAD_USER_INPUT")
    return pattern


def auth_groups(user, organization, *, ids=None, name_regex=None):
    """The groups of ``organization`` the user may see, default groups first, then by name.
    ``nameRegex`` matches the name case-insensitively."""
    groups = access.groups_visible_to(user, organization).select_related("organization")
    if ids is not None:
        groups = groups.filter(public_id__in=valid_uuids(ids))
    if name_regex:
        groups = groups.filter(display_name__iregex=check_regex(name_regex))
    return groups.annotate(kind_order=KIND_ORDER).order_by("kind_order", "display_name", "pk")


class GroupBatch:
    """The groups of one list, and what has been fetched for all of them."""

    def __init__(self, groups, access_checker: access.Access):
        self.groups = list(groups)
        self.access = access_checker
        self._visible = None
        self._member_counts = None
        self._permission_sets = None
        self._members = {}
        self._member_group_batches = {}

    def visible(self, group) -> bool:
        """Member records and permission sets show only on groups the caller may see."""
        if self._visible is None:
            self.access.prefetch(self.groups)
            self._visible = {g.pk for g in self.groups if self.access.can_see(g)}
        return group.pk in self._visible

    def _pks(self) -> list[int]:
        return [g.pk for g in self.groups if self.visible(g)]

    def member_counts(self, member_type=None) -> dict:
        """``{group pk: number of direct members}`` (people and member groups)."""
        if member_type is None and self._member_counts is not None:
            return self._member_counts
        counts: dict = defaultdict(int)
        pks = self._pks()
        if pks and member_type in (None, USER):
            rows = batches.direct_member_counts(pks).items()
            for pk, n in rows:
                counts[pk] += n
        if pks and member_type in (None, GROUP):
            rows = batches.member_group_counts(pks).items()
            for pk, n in rows:
                counts[pk] += n
        if member_type is None:
            self._member_counts = counts
        return counts

    def permission_sets(self, group) -> list:
        if self._permission_sets is None:
            self._permission_sets = defaultdict(list)
            links = batches.permission_set_links(self._pks())
            for link in links:
                self._permission_sets[link.group_id].append(link.permission_set)
        return self._permission_sets[group.pk] if self.visible(group) else []

    def members(
        self, group, *, member_type, offset: int, limit: int
    ) -> tuple[list, int, "GroupBatch"]:
        """A page of ``group``'s direct members (people and member groups, oldest first), their
        number, and the batch of the member groups on the pages of every group of this batch
        (so that their own fields are fetched once for all). Fetched for the whole batch in at
        most four queries per argument set."""
        key = (member_type, offset, limit)
        if key not in self._members:
            self._members[key] = self._fetch_members(member_type, offset, limit)
            children = [
                row.child
                for rows in self._members[key].values()
                for kind, row in rows
                if kind == GROUP
            ]
            self._member_group_batches[key] = GroupBatch(children, self.access)
        child_batch = self._member_group_batches[key]
        if not self.visible(group):
            return [], 0, child_batch
        pages = self._members[key]
        return (
            pages.get(group.pk, []),
            self.member_counts(member_type).get(group.pk, 0),
            child_batch,
        )

    def _fetch_members(self, member_type, offset, limit) -> dict:
        pks = self._pks()
        end = offset + limit
        rows: dict = defaultdict(list)
        if not pks or limit == 0:
            return rows
        if member_type in (None, USER):
            memberships = batches.first_direct_memberships(pks, end)
            for membership in memberships:
                rows[membership.group_id].append(
                    (membership.added_at, 0, membership.pk, USER, membership)
                )
        if member_type in (None, GROUP):
            links = batches.first_member_groups(pks, end)
            for link in links:
                rows[link.parent_id].append((link.added_at, 1, link.pk, GROUP, link))
        return {
            pk: [(kind, row) for _, _, _, kind, row in sorted(entries, key=lambda e: e[:3])][
                offset:end
            ]
            for pk, entries in rows.items()
        }


def members_by_ids(user, organization, *, user_ids, group_ids) -> tuple[list, list, list[str]]:
    """``(users, groups, unknown)``: the organization's people named in ``user_ids``, the
    groups the caller may see named in ``group_ids``, and the ids that name none of them.
    An id may be in both lists (when the caller did not say what it names): it is unknown only
    if it names neither a person nor a group."""
    if max(len(user_ids), len(group_ids)) > MAX_IDS:
        # As REST's userIds: a bound on the work one request may ask for (issue 15, item 9).
        raise ApiError(f"At most {MAX_IDS:,} member ids at once.", "BAD_USER_INPUT")
    user_ids = list(dict.fromkeys(str(value).strip() for value in user_ids))
    group_ids = list(dict.fromkeys(str(value).strip() for value in group_ids))
    users = users_by_public_ids(organization, user_ids)[0] if user_ids else []
    groups = (
        list(
            access.groups_visible_to(user, organization)
            .select_related("organization")
            .filter(public_id__in=valid_uuids(group_ids))
        )
        if group_ids
        else []
    )
    found_users = {str(u.public_id) for u in users}
    found_groups = {str(g.public_id) for g in groups}
    # Sets: membership tests were in lists, quadratic (66,000 ids took 106 s).
    asked_users, asked_groups = set(user_ids), set(group_ids)
    unknown = [
        value
        for value in dict.fromkeys([*user_ids, *group_ids])
        if not (value in asked_users and as_uuid(value) in found_users)
        and not (value in asked_groups and as_uuid(value) in found_groups)
    ]
    return users, groups, unknown
