"""Nested groups: effective membership is the closure of direct memberships and member-group
edges, kept by the services; the rules (union, cycles, last administrator) hold with nesting."""

from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from audit.models import AuditEvent
from groups import services
from groups.models import Group, MemberGroup, Membership
from groups.services import member_groups
from tests.conftest import make_member
from tests.helpers import audit_mark, changes_nothing, events_since, members

User = get_user_model()


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def memberships_checked(db):
    """After every scenario the stored memberships equal the recursive-query oracle."""
    yield
    out = StringIO()
    call_command("check_memberships", stdout=out)
    assert "all correct" in out.getvalue()


def state() -> dict:
    """What a refused operation must leave exactly as it was."""
    return {
        "memberships": set(
            Membership.objects.values_list("group_id", "user_id", "direct", "expires_at")
        ),
        "member_groups": set(MemberGroup.objects.values_list("parent_id", "child_id")),
        "groups": set(Group.objects.values_list("pk", "display_name")),
        "active": set(User.objects.filter(is_active=True).values_list("pk", flat=True)),
        "audit_events": AuditEvent.objects.count(),
    }


def direct_flags(group) -> dict:
    """user -> whether their membership of ``group`` is direct."""
    return {m.user: m.direct for m in Membership.objects.filter(group=group).select_related("user")}


def create(organization, name, actor=None) -> Group:
    return services.group_create(organization=organization, display_name=name, actor=actor)


def nest(parent, child, actor=None) -> bool:
    return services.member_group_add(parent=parent, child=child, actor=actor)


def chain(organization, depth: int, prefix: str = "Level") -> list[Group]:
    """``depth + 1`` groups, each nested in the next: ``[bottom, parent, …, top]``."""
    groups = [create(organization, f"{prefix} {n}") for n in range(depth + 1)]
    for child, parent in pairwise(groups):
        nest(parent, child)
    return groups


def viewers_set(organization):
    """A custom permission set holding only ``view_groups``."""
    return services.permission_set_create(
        organization=organization, name="Group viewers", permissions=["view_groups"], actor=None
    )


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, the usual person to put in a nested group.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def eve(organization):
    # Eve Ng: another plain member of Acme.
    return make_member(organization, first_name="Eve", last_name="Ng")


@pytest.fixture
def sales(organization, org_admin):
    """Sales, a custom group of Acme."""
    return create(organization, "Sales", org_admin)


@pytest.fixture
def emea(organization, org_admin):
    """Sales EMEA, a custom group of Acme (nested into Sales by the tests that want it)."""
    return create(organization, "Sales EMEA", org_admin)


# --- the closure --------------------------------------------------------------------------


def test_membership_add_to_a_child_makes_an_effective_member_of_every_ancestor(
    organization, org_admin, dee
):
    groups = chain(organization, 6)

    services.membership_add(group=groups[0], users=[dee], actor=org_admin)

    for group in groups:
        assert dee in members(group)
    assert direct_flags(groups[0])[dee] is True
    assert all(direct_flags(group)[dee] is False for group in groups[1:])


def test_member_group_add_brings_the_child_members_into_parent_and_ancestors(
    organization, org_admin, dee, eve
):
    top, middle, child = (create(organization, name) for name in ("Top", "Middle", "Child"))
    nest(top, middle)
    services.membership_add(group=child, users=[dee, eve], actor=org_admin)

    assert nest(middle, child, org_admin) is True

    assert members(middle) == {dee, eve}
    assert members(top) == {dee, eve}
    assert direct_flags(top) == {dee: False, eve: False}


def test_nesting_refreshes_many_people_a_chunk_at_a_time(monkeypatch, organization, org_admin):
    """Nesting brings everyone below the child into the groups above; un-nesting refreshes
    them in chunks (a real group has up to hundreds of thousands): every chunk loses them."""
    monkeypatch.setattr(member_groups, "REFRESH_CHUNK", 2)
    top, middle, child, grandchild = (
        create(organization, name) for name in ("Top", "Middle", "Child", "Grandchild")
    )
    nest(top, middle)
    nest(child, grandchild)
    people = [make_member(organization, first_name="P", last_name=str(i)) for i in range(5)]
    services.membership_add(group=child, users=people[:2], actor=org_admin)
    services.membership_add(group=grandchild, users=people[2:], actor=org_admin)

    assert nest(middle, child, org_admin) is True
    assert members(top) == members(middle) == set(people)

    services.member_group_remove(parent=middle, child=child, actor=org_admin)
    assert members(top) == members(middle) == set()
    assert members(child) == set(people)


def test_member_group_add_of_an_existing_member_group_is_a_no_op(sales, emea, org_admin):
    nest(sales, emea, org_admin)

    with changes_nothing(state):
        assert nest(sales, emea, org_admin) is False


def test_nested_member_gets_the_parent_permission_set_at_once(
    organization, org_admin, sales, emea, dee
):
    services.group_permission_set_add(
        group=sales, permission_set=viewers_set(organization), actor=org_admin
    )
    benelux = create(organization, "Sales Benelux", org_admin)
    nest(emea, benelux, org_admin)
    services.membership_add(group=benelux, users=[dee], actor=org_admin)
    assert not dee.has_perm("accounts.view_groups", organization)

    nest(sales, emea, org_admin)

    assert dee.has_perm("accounts.view_groups", organization)


def test_member_group_remove_takes_the_inherited_permission_away_at_once(
    organization, org_admin, sales, emea, dee
):
    services.group_permission_set_add(
        group=sales, permission_set=viewers_set(organization), actor=org_admin
    )
    benelux = create(organization, "Sales Benelux", org_admin)
    nest(sales, emea)
    nest(emea, benelux)
    services.membership_add(group=benelux, users=[dee], actor=org_admin)
    assert dee.has_perm("accounts.view_groups", organization)

    assert services.member_group_remove(parent=emea, child=benelux, actor=org_admin) is True

    assert not dee.has_perm("accounts.view_groups", organization)
    assert dee not in members(sales)
    assert dee not in members(emea)
    assert dee in members(benelux)


def test_membership_remove_from_a_grandchild_takes_the_inherited_permission_away_at_once(
    organization, org_admin, sales, emea, dee
):
    services.group_permission_set_add(
        group=sales, permission_set=viewers_set(organization), actor=org_admin
    )
    benelux = create(organization, "Sales Benelux", org_admin)
    nest(sales, emea)
    nest(emea, benelux)
    services.membership_add(group=benelux, users=[dee], actor=org_admin)

    assert services.membership_remove(group=benelux, users=[dee], actor=org_admin) == [dee]

    assert not dee.has_perm("accounts.view_groups", organization)
    assert not Membership.objects.filter(user=dee, group__in=[sales, emea, benelux]).exists()


def test_member_group_remove_keeps_a_user_who_is_also_direct_in_the_parent(
    sales, emea, org_admin, dee
):
    services.membership_add(group=sales, users=[dee], actor=org_admin)
    services.membership_add(group=emea, users=[dee], actor=org_admin)
    nest(sales, emea)

    services.member_group_remove(parent=sales, child=emea, actor=org_admin)

    assert direct_flags(sales) == {dee: True}


def test_member_group_remove_keeps_a_user_who_is_in_the_parent_through_another_child(
    organization, sales, emea, org_admin, dee
):
    apac = create(organization, "Sales APAC", org_admin)
    nest(sales, emea)
    nest(sales, apac)
    services.membership_add(group=emea, users=[dee], actor=org_admin)
    services.membership_add(group=apac, users=[dee], actor=org_admin)

    services.member_group_remove(parent=sales, child=emea, actor=org_admin)

    assert direct_flags(sales) == {dee: False}


def test_membership_remove_of_a_direct_member_still_in_a_child_leaves_an_inherited_member(
    sales, emea, org_admin, dee
):
    nest(sales, emea)
    services.membership_add(group=emea, users=[dee], actor=org_admin)
    # Adding someone already inherited makes the membership direct.
    assert services.membership_add(group=sales, users=[dee], actor=org_admin) == [dee]
    assert direct_flags(sales) == {dee: True}

    assert services.membership_remove(group=sales, users=[dee], actor=org_admin) == [dee]

    assert direct_flags(sales) == {dee: False}


def test_membership_remove_of_a_user_who_is_only_inherited_is_refused(sales, emea, org_admin, dee):
    """It was a silent no-op, and the Admin Center then said "Removed": now the service says
    why nothing can change (as REST and GraphQL did on their own)."""
    nest(sales, emea)
    services.membership_add(group=emea, users=[dee], actor=org_admin)

    with changes_nothing(state), pytest.raises(ValidationError, match="only through"):
        services.membership_remove(group=sales, users=[dee], actor=org_admin)
    assert direct_flags(sales) == {dee: False}


def test_membership_remove_in_a_diamond_keeps_the_other_path(organization, org_admin, dee):
    top, left, right, bottom = (create(organization, n) for n in ("Top", "Left", "Right", "Bottom"))
    nest(top, left)
    nest(top, right)
    nest(left, bottom)
    nest(right, bottom)
    services.membership_add(group=bottom, users=[dee], actor=org_admin)

    services.member_group_remove(parent=left, child=bottom, actor=org_admin)

    assert dee not in members(left)
    assert dee in members(right)
    assert direct_flags(top) == {dee: False}


# --- refusals -----------------------------------------------------------------------------


def test_member_group_add_refuses_a_cycle_naming_the_path(organization, org_admin):
    a, b, c = (create(organization, name) for name in ("Alpha", "Bravo", "Charlie"))
    nest(b, a)
    nest(c, b)

    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        nest(a, c, org_admin)

    [message] = excinfo.value.messages
    assert "Charlie → Bravo → Alpha → Charlie" in message
    assert excinfo.value.error_dict["child"][0].code == "cycle"


def test_member_group_add_refuses_a_direct_cycle(sales, emea, org_admin):
    nest(sales, emea)

    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        nest(emea, sales, org_admin)

    assert "Sales → Sales EMEA → Sales" in " ".join(excinfo.value.messages)


def test_member_group_add_refuses_a_group_in_itself(sales, org_admin):
    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        nest(sales, sales, org_admin)

    assert "cannot be a member of itself" in " ".join(excinfo.value.messages)


def test_member_group_add_refuses_a_group_of_another_organization(
    sales, other_organization, org_admin
):
    foreign = create(other_organization, "Globex Sales")

    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        nest(sales, foreign)
    assert "is not in Acme" in " ".join(excinfo.value.messages)
    with changes_nothing(state), pytest.raises(ValidationError):
        nest(foreign, sales)


def test_member_group_add_refuses_the_users_group_as_parent(users_group, sales, org_admin):
    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        nest(users_group, sales, org_admin)

    assert excinfo.value.error_dict["users"][0].code == services.PROTECTED


def test_member_group_remove_of_a_group_that_is_not_a_member_is_a_no_op(sales, emea, org_admin):
    with changes_nothing(state):
        assert services.member_group_remove(parent=sales, child=emea, actor=org_admin) is False


# --- the Administrators group -------------------------------------------------------------


def test_member_group_add_into_administrators_makes_its_members_administrators(
    organization, administrators, sales, org_admin, dee
):
    services.membership_add(group=sales, users=[dee], actor=org_admin)
    assert not account_services.is_organization_admin(dee, organization)

    nest(administrators, sales, org_admin)

    assert account_services.is_organization_admin(dee, organization)
    assert dee.has_perm("accounts.manage_users", organization)


@pytest.fixture
def ops_only_admin(organization, administrators, org_admin, dee):
    """Ops is nested into Administrators and Dee, in Ops, is the only administrator left."""
    ops = create(organization, "Ops")
    nest(administrators, ops)
    services.membership_add(group=ops, users=[dee], actor=None)
    services.membership_remove(group=administrators, users=[org_admin], actor=None)
    assert not account_services.is_organization_admin(org_admin, organization)
    return ops


def test_membership_remove_refuses_the_last_administrator_in_a_nested_group(ops_only_admin, dee):
    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        services.membership_remove(group=ops_only_admin, users=[dee], actor=dee)

    assert excinfo.value.error_dict["users"][0].code == services.LAST_ADMINISTRATOR


def test_group_delete_refuses_the_nested_group_of_the_last_administrator(ops_only_admin, dee):
    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        services.group_delete(group=ops_only_admin, actor=dee)

    assert excinfo.value.error_dict["users"][0].code == services.LAST_ADMINISTRATOR


def test_member_group_remove_refuses_to_un_nest_the_last_administrator(
    ops_only_admin, administrators, dee
):
    with changes_nothing(state), pytest.raises(ValidationError) as excinfo:
        services.member_group_remove(parent=administrators, child=ops_only_admin, actor=dee)

    assert excinfo.value.error_dict["users"][0].code == services.LAST_ADMINISTRATOR


def test_user_set_active_refuses_to_deactivate_the_last_administrator_in_a_nested_group(
    ops_only_admin, dee
):
    with changes_nothing(state), pytest.raises(ValidationError):
        account_services.user_set_active(user=dee, active=False, actor=None)


def test_organization_user_remove_refuses_the_last_administrator_in_a_nested_group(
    organization, ops_only_admin, dee
):
    with changes_nothing(state), pytest.raises(ValidationError):
        account_services.organization_user_remove(organization=organization, user=dee, actor=None)


def test_last_administrator_rule_lets_a_nested_administrator_go_when_another_remains(
    organization, administrators, ops_only_admin, dee, eve
):
    services.membership_add(group=administrators, users=[eve], actor=dee)

    services.member_group_remove(parent=administrators, child=ops_only_admin, actor=dee)

    assert not account_services.is_organization_admin(dee, organization)
    assert account_services.is_organization_admin(eve, organization)


def test_last_administrator_rule_counts_only_active_nested_administrators(
    organization, administrators, ops_only_admin, dee, eve
):
    # Eve is an administrator through Ops too, but deactivated: Dee is the last active one.
    services.membership_add(group=ops_only_admin, users=[eve], actor=dee)
    account_services.user_set_active(user=eve, active=False, actor=None)

    with changes_nothing(state), pytest.raises(ValidationError):
        services.membership_remove(group=ops_only_admin, users=[dee], actor=None)


def test_membership_remove_from_administrators_keeps_an_admin_who_is_also_in_a_nested_group(
    organization, administrators, org_admin
):
    ops = create(organization, "Ops")
    nest(administrators, ops)
    services.membership_add(group=ops, users=[org_admin], actor=None)

    assert services.membership_remove(group=administrators, users=[org_admin], actor=org_admin) == [
        org_admin
    ]

    assert direct_flags(administrators) == {org_admin: False}
    assert org_admin.has_perm("accounts.manage_users", organization)


def test_organization_user_remove_takes_a_user_out_of_inherited_groups_too(
    organization, sales, emea, org_admin, dee
):
    nest(sales, emea)
    services.membership_add(group=emea, users=[dee], actor=org_admin)
    services.membership_add(group=sales, users=[dee], actor=org_admin)

    account_services.organization_user_remove(organization=organization, user=dee, actor=None)

    assert not Membership.objects.filter(user=dee).exists()


# --- deleting a group ---------------------------------------------------------------------


def test_group_delete_of_a_nested_group_takes_its_members_out_of_the_parents(
    organization, org_admin, dee, eve
):
    top, middle, bottom = chain(organization, 2)
    services.membership_add(group=bottom, users=[dee], actor=org_admin)
    services.membership_add(group=middle, users=[eve], actor=org_admin)

    services.group_delete(group=middle, actor=org_admin)

    assert members(top) == set()
    assert members(bottom) == {dee}
    assert not MemberGroup.objects.filter(child=bottom).exists()
    assert User.objects.filter(pk__in=[dee.pk, eve.pk]).count() == 2


def test_group_delete_of_a_nested_group_keeps_who_is_in_the_parent_otherwise(
    organization, sales, emea, org_admin, dee
):
    apac = create(organization, "Sales APAC", org_admin)
    nest(sales, emea)
    nest(sales, apac)
    services.membership_add(group=emea, users=[dee], actor=org_admin)
    services.membership_add(group=apac, users=[dee], actor=org_admin)

    services.group_delete(group=emea, actor=org_admin)

    assert direct_flags(sales) == {dee: False}


def test_group_delete_of_a_parent_leaves_its_member_groups_alone(sales, emea, org_admin, dee):
    nest(sales, emea)
    services.membership_add(group=emea, users=[dee], actor=org_admin)

    services.group_delete(group=sales, actor=org_admin)

    assert direct_flags(emea) == {dee: True}
    assert not MemberGroup.objects.exists()


# --- audit --------------------------------------------------------------------------------


def test_member_group_add_and_remove_are_audited(sales, emea, org_admin):
    mark = audit_mark()

    nest(sales, emea, org_admin)
    services.member_group_remove(parent=sales, child=emea, actor=org_admin)

    added, removed = events_since(mark)
    detail = {"member_group": "Sales EMEA", "member_group_id": str(emea.public_id)}
    assert (added.action, added.actor, added.target_id) == (
        "member_group.added",
        org_admin,
        str(sales.public_id),
    )
    assert (added.before, added.after) == (None, detail)
    assert (removed.action, removed.actor, removed.target_id) == (
        "member_group.removed",
        org_admin,
        str(sales.public_id),
    )
    assert (removed.before, removed.after) == (detail, None)
    assert added.organization == sales.organization


def test_member_group_add_does_not_audit_inherited_memberships(sales, emea, org_admin, dee):
    services.membership_add(group=emea, users=[dee], actor=org_admin)
    mark = audit_mark()

    nest(sales, emea, org_admin)

    assert [event.action for event in events_since(mark)] == ["member_group.added"]


# --- bounded queries ----------------------------------------------------------------------


def queries_of(operation) -> int:
    with CaptureQueriesContext(connection) as captured:
        operation()
    return len(captured)


def test_membership_add_runs_the_same_queries_at_depth_1_and_6(organization, org_admin, dee):
    shallow = chain(organization, 1, "Shallow")
    deep = chain(organization, 6, "Deep")

    at_1 = queries_of(
        lambda: services.membership_add(group=shallow[0], users=[dee], actor=org_admin)
    )
    at_6 = queries_of(lambda: services.membership_add(group=deep[0], users=[dee], actor=org_admin))

    assert at_1 == at_6
    assert Membership.objects.filter(user=dee, direct=False).count() == 1 + 6


def test_membership_remove_runs_the_same_queries_at_depth_1_and_6(organization, org_admin, dee):
    shallow = chain(organization, 1, "Shallow")
    deep = chain(organization, 6, "Deep")
    services.membership_add(group=shallow[0], users=[dee], actor=org_admin)
    services.membership_add(group=deep[0], users=[dee], actor=org_admin)

    at_1 = queries_of(
        lambda: services.membership_remove(group=shallow[0], users=[dee], actor=org_admin)
    )
    at_6 = queries_of(
        lambda: services.membership_remove(group=deep[0], users=[dee], actor=org_admin)
    )

    assert at_1 == at_6
    assert not Membership.objects.filter(user=dee, group__group__kind="custom").exists()


def test_member_group_add_runs_the_same_queries_at_depth_1_and_6(organization, org_admin, dee):
    shallow = chain(organization, 1, "Shallow")
    deep = chain(organization, 6, "Deep")
    shallow_child = create(organization, "Shallow child")
    deep_child = create(organization, "Deep child")
    services.membership_add(group=shallow_child, users=[dee], actor=org_admin)
    services.membership_add(group=deep_child, users=[dee], actor=org_admin)

    at_1 = queries_of(lambda: nest(shallow[0], shallow_child, org_admin))
    at_6 = queries_of(lambda: nest(deep[0], deep_child, org_admin))

    assert at_1 == at_6
