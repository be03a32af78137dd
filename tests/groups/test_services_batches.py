"""The batch services the channels share: all or nothing, and the inherited-member rule."""

import pytest
from django.core.exceptions import ValidationError

from groups import services
from groups.models import MemberGroup, PermissionSet
from tests.conftest import make_member
from tests.helpers import changes_nothing, members


@pytest.fixture
def writers(organization, org_admin):
    # Writers: a custom group with Wu in it, nested into Editors by the tests that need it.
    group = services.group_create(
        organization=organization, display_name="Writers", actor=org_admin
    )
    wu = make_member(organization, first_name="Wu", last_name="Chen")
    services.membership_add(group=group, users=[wu], actor=org_admin)
    return group


@pytest.fixture
def wu(writers):
    return writers.memberships.get().user


def test_membership_remove_refuses_a_member_who_is_only_inherited(group, writers, wu, org_admin):
    services.member_group_add(parent=group, child=writers, actor=org_admin)

    with changes_nothing(), pytest.raises(ValidationError) as refused:
        services.membership_remove(group=group, users=[wu], actor=org_admin)

    assert refused.value.error_dict["users"][0].code == services.INHERITED
    assert "Wu Chen is in “Editors” only through a member group (“Writers”)" in str(refused.value)


def test_membership_remove_of_someone_direct_and_inherited_keeps_them_inherited(
    group, writers, wu, org_admin
):
    services.membership_add(group=group, users=[wu], actor=org_admin)
    services.member_group_add(parent=group, child=writers, actor=org_admin)

    assert services.membership_remove(group=group, users=[wu], actor=org_admin) == [wu]

    assert group.memberships.get(user=wu).direct is False


def test_members_add_takes_people_and_groups_in_one_change(
    organization, group, writers, wu, org_admin
):
    dee = make_member(organization, first_name="Dee", last_name="Park")

    users, groups = services.members_add(
        group=group, users=[dee], groups=[writers], actor=org_admin
    )

    assert (users, groups) == ([dee], [writers])
    assert {dee, wu} <= set(members(group))


def test_members_add_is_all_or_nothing_when_a_group_is_refused(
    organization, group, writers, org_admin
):
    """Editors inside Writers, then Writers into Editors: a cycle. Dee is not added either."""
    services.member_group_add(parent=writers, child=group, actor=org_admin)
    dee = make_member(organization, first_name="Dee", last_name="Park")

    with changes_nothing(), pytest.raises(ValidationError, match="cycle"):
        services.members_add(group=group, users=[dee], groups=[writers], actor=org_admin)


def test_member_groups_add_is_all_or_nothing(organization, group, writers, org_admin):
    ops = services.group_create(organization=organization, display_name="Ops", actor=org_admin)
    services.member_group_add(parent=ops, child=group, actor=org_admin)

    with changes_nothing(), pytest.raises(ValidationError, match="cycle"):
        services.member_groups_add(parent=group, children=[writers, ops], actor=org_admin)

    assert not MemberGroup.objects.filter(parent=group).exists()


def test_members_remove_refuses_an_inherited_member_and_keeps_the_member_groups(
    group, writers, wu, org_admin
):
    services.member_group_add(parent=group, child=writers, actor=org_admin)

    with changes_nothing(), pytest.raises(ValidationError):
        services.members_remove(group=group, users=[wu], groups=[writers], actor=org_admin)

    assert MemberGroup.objects.filter(parent=group, child=writers).exists()


def test_group_permission_sets_set_makes_the_held_sets_exactly_those(group, org_admin):
    read_only = PermissionSet.objects.get(key="read-only")
    full = PermissionSet.objects.get(key="full-access")
    services.group_permission_set_add(group=group, permission_set=read_only, actor=org_admin)

    added, removed = services.group_permission_sets_set(
        group=group, permission_sets=[full], actor=org_admin
    )

    assert (added, removed) == ([full], [read_only])
    assert [link.permission_set for link in group.permission_set_links.all()] == [full]


def test_group_permission_sets_set_among_leaves_other_sets_alone(group, org_admin):
    read_only = PermissionSet.objects.get(key="read-only")
    full = PermissionSet.objects.get(key="full-access")
    services.group_permission_set_add(group=group, permission_set=read_only, actor=org_admin)

    added, removed = services.group_permission_sets_set(
        group=group, permission_sets=[full], among=[full], actor=org_admin
    )

    assert (added, removed) == ([full], [])
    assert {link.permission_set for link in group.permission_set_links.all()} == {read_only, full}
