"""Groups as their pages show them: lists with member counts, members direct and inherited,
member groups, permission sets, a person's groups."""

import json

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from accounts.models import Organization

from .. import access, models
from ..models import Group, GroupPermissionSet, MemberGroup, Membership, PermissionSet
from .pages import NUL

User = get_user_model()


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


def groups_addable_as_members(group, who):
    """Groups ``who`` may see that could become members of ``group`` (not itself, not already
    members; cycles are refused by the service with their path). A group manager is offered the
    groups they see, not every group of the organization."""
    taken = MemberGroup.objects.filter(parent=group).values("child")
    return (
        access.groups_visible_to(who, group.organization)
        .exclude(pk=group.pk)
        .exclude(pk__in=taken)
        .exclude(kind=Group.Kind.USERS)
        # The list order (Administrators first, then by name): the index serves it.
        .annotate(kind_order=KIND_ORDER)
        .order_by("kind_order", "display_name", "group_ptr_id")
    )


def user_groups(user, organization):
    """The user's groups in ``organization``, direct and inherited."""
    return (
        Membership.objects.filter(user=user, group__group__organization=organization)
        .select_related("group__group")
        .order_by("-direct", "group__group__display_name")
    )


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


def permission_sets_of_user(user, organization):
    """The permission sets held by the groups ``user`` is in (directly or not), by name."""
    return (
        PermissionSet.objects.filter(
            group_links__in=GroupPermissionSet.objects.filter(
                group__organization=organization, group__user=user
            )
        )
        .distinct()
        .order_by("name")
    )


def groups_of(organization):
    """Every group of ``organization`` (for questions asked of each, prefetched by the caller)."""
    return Group.objects.filter(organization=organization).select_related("organization")


def permission_sets_listed(organization):
    """The defaults first, then the organization's own, with their capabilities."""
    return (
        PermissionSet.objects.filter(Q(organization=None) | Q(organization=organization))
        .prefetch_related("permissions")
        .order_by("-protected", "name", "pk")
    )


def group_slug_taken(organization, slug: str) -> bool:
    return Group.objects.filter(organization=organization, slug=slug).exists()


def default_permission_sets(keys):
    """The permission sets shared by every organization with these keys."""
    return PermissionSet.objects.filter(organization=None, key__in=list(keys))
