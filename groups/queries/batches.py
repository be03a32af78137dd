"""Reads for many groups at once (a page of groups and the fields asked of each): a fixed number
of queries whatever the page's size. The GraphQL API's batches (``apis/graphql/loaders.py``)
read through these."""

from django.db.models import Count, F, Prefetch, Window
from django.db.models.functions import RowNumber

from .. import access
from ..models import GroupPermissionSet, MemberGroup, Membership, PermissionSet


def direct_member_counts(group_pks) -> dict:
    """``{group pk: number of direct people}``."""
    return dict(
        Membership.objects.filter(group_id__in=group_pks, direct=True)
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )


def member_group_counts(group_pks) -> dict:
    """``{group pk: number of member groups}``."""
    return dict(
        MemberGroup.objects.filter(parent_id__in=group_pks)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )


def permission_set_links(group_pks):
    """The groups' permission sets, by set name."""
    return (
        GroupPermissionSet.objects.filter(group_id__in=group_pks)
        .select_related("permission_set")
        .order_by("permission_set__name")
    )


def first_direct_memberships(group_pks, count: int):
    """Each group's first ``count`` direct memberships, oldest first, with the person."""
    return (
        Membership.objects.filter(group_id__in=group_pks, direct=True)
        .select_related("user", "added_by")
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=F("group_id"),
                order_by=[F("added_at").asc(), F("pk").asc()],
            )
        )
        .filter(row__lte=count)
    )


def first_member_groups(group_pks, count: int):
    """Each group's first ``count`` member groups, oldest first."""
    return (
        MemberGroup.objects.filter(parent_id__in=group_pks)
        .select_related("child__organization", "added_by")
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=F("parent_id"),
                order_by=[F("added_at").asc(), F("pk").asc()],
            )
        )
        .filter(row__lte=count)
    )


def with_permission_sets(groups, keys, *, to_attr: str):
    """``groups`` with, as ``to_attr``, the links to their default sets named by ``keys`` (and
    each set's capabilities), in a fixed number of queries."""
    return groups.prefetch_related(
        Prefetch(
            "permission_set_links",
            queryset=GroupPermissionSet.objects.filter(permission_set__key__in=list(keys))
            .select_related("permission_set")
            .prefetch_related("permission_set__permissions")
            .order_by("permission_set__name"),
            to_attr=to_attr,
        )
    )


def permission_sets_of_people(users, organization, keys) -> tuple[dict, dict]:
    """``({user id: {set id}}, {set id: set})``: the default sets named by ``keys`` that the
    people's groups in ``organization`` hold, with their capabilities (two queries)."""
    rows = (
        GroupPermissionSet.objects.filter(
            group__organization=organization,
            group__user__in=users,
            permission_set__key__in=list(keys),
        )
        .values_list("group__user", "permission_set_id")
        .distinct()
    )
    held: dict[int, set[int]] = {}
    for user_id, set_id in rows:
        held.setdefault(user_id, set()).add(set_id)
    sets = {
        ps.pk: ps
        for ps in PermissionSet.objects.filter(
            pk__in=set().union(*held.values()) if held else []
        ).prefetch_related("permissions")
    }
    return held, sets


def groups_of_people(users, organization, *, visible_to=None):
    """``(user id, group slug, group name)`` for the people's groups in ``organization``, by
    name; with ``visible_to``, only the groups that caller may see."""
    memberships = Membership.objects.filter(user__in=users, group__group__organization=organization)
    if visible_to is not None:
        visible = access.groups_visible_to(visible_to, organization).values("pk")
        memberships = memberships.filter(group_id__in=visible)
    return memberships.order_by("group__group__display_name").values_list(
        "user_id", "group__group__slug", "group__group__display_name"
    )
