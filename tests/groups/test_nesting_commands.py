"""The nesting and expiry commands: add_member_group, check_memberships, expire_memberships."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import AuditEvent
from groups import services
from groups.management.commands.check_memberships import oracle, stored
from groups.models import MemberGroup, Membership
from tests.conftest import make_member
from tests.helpers import run


def snapshot() -> set:
    return set(Membership.objects.values_list("group_id", "user_id", "direct", "expires_at"))


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def eve(organization):
    # Eve Ng: another plain member of Acme.
    return make_member(organization, first_name="Eve", last_name="Ng")


@pytest.fixture
def sales(organization):
    """Sales, a custom group of Acme."""
    return services.group_create(organization=organization, display_name="Sales", actor=None)


@pytest.fixture
def emea(organization, dee):
    """Sales EMEA, with Dee in it."""
    group = services.group_create(organization=organization, display_name="Sales EMEA", actor=None)
    services.membership_add(group=group, users=[dee], actor=None)
    return group


@pytest.fixture
def nested(sales, emea):
    """Sales EMEA nested into Sales: Dee is an inherited member of Sales."""
    services.member_group_add(parent=sales, child=emea, actor=None)
    return sales, emea


# --- add_member_group ---------------------------------------------------------------------


def test_add_member_group_nests_the_child_and_says_so(sales, emea, dee):
    out = run("add_member_group", "acme", "Sales", "sales-emea")

    assert out == "“Sales EMEA” is now a member of “Sales”.\n"
    assert Membership.objects.get(group=sales, user=dee).direct is False
    event = AuditEvent.objects.get(action="member_group.added")
    assert (event.channel, event.actor) == (AuditEvent.Channel.COMMAND, None)


def test_add_member_group_twice_says_it_already_was(nested):
    assert run("add_member_group", "acme", "sales", "Sales EMEA") == (
        "“Sales EMEA” already was a member of “Sales”.\n"
    )
    assert MemberGroup.objects.count() == 1


def test_add_member_group_remove_un_nests_the_child(nested, dee):
    sales, _ = nested

    out = run("add_member_group", "acme", "Sales", "Sales EMEA", "--remove")

    assert out == "“Sales EMEA” is no longer a member of “Sales”.\n"
    assert not Membership.objects.filter(group=sales, user=dee).exists()
    event = AuditEvent.objects.get(action="member_group.removed")
    assert event.channel == AuditEvent.Channel.COMMAND


def test_add_member_group_remove_of_a_group_that_was_not_a_member_says_so(sales, emea):
    assert run("add_member_group", "acme", "Sales", "Sales EMEA", "--remove") == (
        "“Sales EMEA” was not a member of “Sales”.\n"
    )


def test_add_member_group_refuses_a_cycle_with_its_path(nested):
    before = snapshot()

    with pytest.raises(CommandError, match="Sales → Sales EMEA → Sales"):
        run("add_member_group", "acme", "Sales EMEA", "Sales")

    assert snapshot() == before
    assert MemberGroup.objects.count() == 1


def test_add_member_group_refuses_the_users_group_as_parent(sales):
    with pytest.raises(CommandError, match="Everyone in Acme"):
        run("add_member_group", "acme", "users", "Sales")
    assert not MemberGroup.objects.exists()


def test_add_member_group_refuses_a_group_of_another_organization(sales, other_organization):
    services.group_create(organization=other_organization, display_name="Globex Ops", actor=None)

    with pytest.raises(CommandError, match="No group named “Globex Ops”"):
        run("add_member_group", "acme", "Sales", "Globex Ops")


def test_add_member_group_remove_refuses_to_un_nest_the_last_administrator(
    organization, administrators, org_admin, emea, dee
):
    run("add_member_group", "acme", "administrators", "Sales EMEA")
    services.membership_remove(group=administrators, users=[org_admin], actor=None)
    before = snapshot()

    with pytest.raises(CommandError, match="last administrator"):
        run("add_member_group", "acme", "administrators", "Sales EMEA", "--remove")

    assert snapshot() == before


# --- check_memberships --------------------------------------------------------------------


def test_check_memberships_of_one_organization_reports_it_correct(organization, nested, org_admin):
    # Acme Users: Ann, Dee; Administrators: Ann; Sales EMEA: Dee; Sales: Dee (inherited).
    assert run("check_memberships", "acme") == "Acme: 5 memberships, all correct.\n"


def test_check_memberships_without_organization_checks_every_one(nested, outsider):
    # Acme Users, Sales EMEA and Sales: Dee; Globex Users and Administrators: Olga.
    assert run("check_memberships") == (
        "Acme: 3 memberships, all correct.\nGlobex: 2 memberships, all correct.\n"
    )


def test_check_memberships_refuses_an_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization"):
        run("check_memberships", "nowhere")


def test_check_memberships_finds_a_missing_inherited_row(organization, nested, dee):
    sales, _ = nested
    Membership.objects.filter(group=sales, user=dee, direct=False).delete()

    out = StringIO()
    with pytest.raises(CommandError, match="1 difference"):
        call_command("check_memberships", "acme", stdout=out)

    assert "Acme: 1 missing, 0 that should not be." in out.getvalue()


def test_check_memberships_finds_a_row_that_should_not_be(organization, sales, eve):
    Membership.objects.create(group=sales, user=eve, direct=False)

    out = StringIO()
    with pytest.raises(CommandError, match="1 difference"):
        call_command("check_memberships", stdout=out)

    assert "Acme: 0 missing, 1 that should not be." in out.getvalue()


def test_check_memberships_repair_fixes_every_difference(organization, nested, dee, eve):
    sales, emea = nested
    Membership.objects.filter(group=sales, user=dee).delete()
    Membership.objects.create(group=sales, user=eve, direct=False)
    Membership.objects.create(group=emea, user=eve, direct=False)

    out = run("check_memberships", "--repair")

    assert "Acme: 1 missing, 2 that should not be.\nAcme: repaired.\n" in out
    assert oracle(organization) == stored(organization)
    assert Membership.objects.get(group=sales, user=dee).direct is False
    assert not Membership.objects.filter(user=eve, group__in=[sales, emea]).exists()
    # Acme Users: Dee, Eve; Sales EMEA and Sales: Dee.
    assert run("check_memberships") == "Acme: 4 memberships, all correct.\n"


def test_check_memberships_looks_only_at_the_organization_asked(
    organization, other_organization, nested, outsider
):
    globex_team = services.group_create(
        organization=other_organization, display_name="Team", actor=None
    )
    Membership.objects.create(group=globex_team, user=outsider, direct=False)

    assert run("check_memberships", "acme").endswith("all correct.\n")
    with pytest.raises(CommandError):
        run("check_memberships", "globex")


# --- expire_memberships -------------------------------------------------------------------


def test_expire_memberships_with_nothing_expired_says_so(organization, emea):
    assert run("expire_memberships") == "Ended 0 expired memberships.\n"


def test_expire_memberships_counts_what_it_ended(organization, sales, dee, eve):
    services.membership_add(
        group=sales,
        users=[dee, eve],
        expires_at=timezone.now() + timedelta(hours=1),
        actor=None,
    )
    Membership.objects.filter(group=sales, user=dee).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert run("expire_memberships") == "Ended 1 expired membership.\n"
    Membership.objects.filter(group=sales, user=eve).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.membership_add(
        group=sales, users=[dee], expires_at=timezone.now() + timedelta(hours=1), actor=None
    )
    Membership.objects.filter(group=sales, user=dee).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert run("expire_memberships") == "Ended 2 expired memberships.\n"
    assert not Membership.objects.filter(group=sales).exists()
    # Only Acme Users is left: Dee and Eve.
    assert run("check_memberships") == "Acme: 2 memberships, all correct.\n"
