"""Temporary membership: expiries are checked when given, and an expired membership ends by the
``expire_memberships`` command or on the next request of its user, whichever comes first."""

import html
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.api_keys import api_key_create, token_for
from audit.models import AuditEvent
from groups import services
from groups.middleware import expire_for
from groups.models import MemberGroup, Membership
from tests.conftest import make_member

GROUPS_PAGE = "/t/acme/portal/access-management/groups/"
GROUPS_API = "/t/acme/api/v1/groups"


@pytest.fixture(autouse=True)
def memberships_checked(db):
    """After every scenario the stored memberships equal the recursive-query oracle."""
    yield
    out = StringIO()
    call_command("check_memberships", stdout=out)
    assert "all correct" in out.getvalue()


def later(**delta):
    return timezone.now() + timedelta(**delta)


def expire_now(group, user) -> None:
    """Test setup: move an expiry into the past, as time passing would."""
    Membership.objects.filter(group=group, user=user).update(expires_at=later(seconds=-1))


def direct_flag(group, user):
    """True (direct), False (inherited) or None (not a member)."""
    membership = Membership.objects.filter(group=group, user=user).first()
    return None if membership is None else membership.direct


def snapshot() -> set:
    return set(Membership.objects.values_list("group_id", "user_id", "direct", "expires_at"))


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, given temporary access.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def eve(organization):
    # Eve Ng: another plain member of Acme.
    return make_member(organization, first_name="Eve", last_name="Ng")


@pytest.fixture
def viewers(organization, group, org_admin):
    """Editors viewers: a group holding the ``view_group`` right on Editors, nothing else."""
    viewers = services.group_create(
        organization=organization, display_name="Editors viewers", actor=None
    )
    services.group_rights_grant(
        group=group, holder_group=viewers, rights=["view_group"], actor=org_admin
    )
    return viewers


@pytest.fixture
def temporary_viewer(viewers, org_admin, dee):
    """Dee, in Editors viewers for one hour: she sees Editors only through that membership."""
    services.membership_add(group=viewers, users=[dee], expires_at=later(hours=1), actor=org_admin)
    return dee


def group_names(response) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(r'<span class="group-name">(.*?)</span>', response.content.decode())
    ]


# --- giving an expiry ---------------------------------------------------------------------


def test_membership_add_with_expiry_lasts_until_then(group, org_admin, dee):
    expires_at = later(days=7)

    services.membership_add(group=group, users=[dee], expires_at=expires_at, actor=org_admin)

    assert services.memberships_expire(now=expires_at - timedelta(seconds=1)) == 0
    assert Membership.objects.get(group=group, user=dee).expires_at == expires_at
    assert services.memberships_expire(now=expires_at) == 1
    assert direct_flag(group, dee) is None


def test_membership_add_refuses_an_expiry_in_the_past(group, org_admin, dee):
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(
            group=group, users=[dee], expires_at=later(seconds=-1), actor=org_admin
        )

    assert list(excinfo.value.message_dict) == ["expires_at"]
    assert snapshot() == before


def test_membership_add_refuses_an_expiry_on_the_administrators_group(
    administrators, org_admin, dee
):
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(
            group=administrators, users=[dee], expires_at=later(days=1), actor=org_admin
        )

    assert "cannot expire" in excinfo.value.message_dict["expires_at"][0]
    assert snapshot() == before


def test_membership_add_with_expiry_promotes_an_inherited_member(
    organization, group, org_admin, dee
):
    team = services.group_create(organization=organization, display_name="Team", actor=None)
    services.member_group_add(parent=group, child=team, actor=None)
    services.membership_add(group=team, users=[dee], actor=org_admin)
    expires_at = later(hours=2)

    assert services.membership_add(
        group=group, users=[dee], expires_at=expires_at, actor=org_admin
    ) == [dee]

    membership = Membership.objects.get(group=group, user=dee)
    assert (membership.direct, membership.expires_at) == (True, expires_at)


# --- the service and the command ----------------------------------------------------------


def test_memberships_expire_ends_only_what_has_passed(group, org_admin, dee, eve):
    services.membership_add(group=group, users=[dee], expires_at=later(hours=1), actor=org_admin)
    services.membership_add(group=group, users=[eve], expires_at=later(days=1), actor=org_admin)

    assert services.memberships_expire(now=later(hours=2)) == 1

    assert direct_flag(group, dee) is None
    assert direct_flag(group, eve) is True


def test_memberships_expire_leaves_memberships_without_expiry(group, org_admin, dee):
    services.membership_add(group=group, users=[dee], actor=org_admin)

    assert services.memberships_expire(now=later(days=10_000)) == 0
    assert direct_flag(group, dee) is True


def test_expire_memberships_command_ends_it_with_a_system_event(group, org_admin, dee):
    services.membership_add(group=group, users=[dee], expires_at=later(hours=1), actor=org_admin)
    expire_now(group, dee)
    out = StringIO()

    call_command("expire_memberships", stdout=out)

    assert out.getvalue() == "Ended 1 expired membership.\n"
    assert direct_flag(group, dee) is None
    event = AuditEvent.objects.get(action="membership.expired")
    assert event.actor is None
    assert event.actor_name == ""
    assert event.channel == "system"
    assert event.target_id == str(group.public_id)
    assert event.organization == group.organization
    assert event.before["email"] == dee.email


def test_expire_memberships_command_takes_the_access_away(
    organization, viewers, group, temporary_viewer
):
    dee = temporary_viewer
    set_ = services.permission_set_create(
        organization=organization, name="Group viewers", permissions=["view_groups"], actor=None
    )
    services.group_permission_set_add(group=viewers, permission_set=set_, actor=None)
    assert dee.has_perm("accounts.view_groups", organization)
    expire_now(viewers, dee)

    call_command("expire_memberships", stdout=StringIO())

    assert not dee.has_perm("accounts.view_groups", organization)


def test_expired_membership_in_a_child_ends_the_inherited_membership_of_parents(
    organization, group, org_admin, dee
):
    team = services.group_create(organization=organization, display_name="Team", actor=None)
    services.member_group_add(parent=group, child=team, actor=None)
    services.membership_add(group=team, users=[dee], expires_at=later(hours=1), actor=org_admin)
    assert direct_flag(group, dee) is False

    assert services.memberships_expire(now=later(hours=2)) == 1

    assert direct_flag(team, dee) is None
    assert direct_flag(group, dee) is None


def test_expired_direct_membership_of_a_user_also_in_a_child_leaves_them_inherited(
    organization, group, org_admin, dee
):
    team = services.group_create(organization=organization, display_name="Team", actor=None)
    services.member_group_add(parent=group, child=team, actor=None)
    services.membership_add(group=team, users=[dee], actor=org_admin)
    services.membership_add(group=group, users=[dee], expires_at=later(hours=1), actor=org_admin)

    assert services.memberships_expire(now=later(hours=2)) == 1

    membership = Membership.objects.get(group=group, user=dee)
    assert (membership.direct, membership.expires_at) == (False, None)
    assert AuditEvent.objects.filter(action="membership.expired").count() == 1


def test_memberships_expire_of_one_user_leaves_the_others(group, org_admin, dee, eve):
    services.membership_add(
        group=group, users=[dee, eve], expires_at=later(hours=1), actor=org_admin
    )
    expire_now(group, dee)
    expire_now(group, eve)

    assert services.memberships_expire(user=dee) == 1

    assert direct_flag(group, dee) is None
    assert direct_flag(group, eve) is True


# --- on the next request ------------------------------------------------------------------


def test_page_request_ends_the_expired_membership_before_the_view(
    client, group, viewers, temporary_viewer
):
    client.force_login(temporary_viewer)
    assert "Editors" in group_names(client.get(GROUPS_PAGE))
    expire_now(viewers, temporary_viewer)

    response = client.get(GROUPS_PAGE)

    assert response.status_code == 200
    assert "Editors" not in group_names(response)
    assert direct_flag(viewers, temporary_viewer) is None
    event = AuditEvent.objects.get(action="membership.expired")
    assert (event.actor, event.channel) == (None, "system")


def test_page_request_before_the_expiry_keeps_the_membership(client, viewers, temporary_viewer):
    client.force_login(temporary_viewer)

    assert "Editors" in group_names(client.get(GROUPS_PAGE))
    assert direct_flag(viewers, temporary_viewer) is True


def test_page_request_ends_only_the_requesting_user_memberships(
    client, org_admin, viewers, temporary_viewer, eve
):
    services.membership_add(group=viewers, users=[eve], expires_at=later(hours=1), actor=org_admin)
    expire_now(viewers, temporary_viewer)
    expire_now(viewers, eve)
    client.force_login(eve)

    client.get(GROUPS_PAGE)

    assert direct_flag(viewers, eve) is None
    assert direct_flag(viewers, temporary_viewer) is True


def test_api_request_ends_the_expired_membership_before_the_view(
    organization, group, viewers, temporary_viewer
):
    key, secret = api_key_create(
        organization=organization, name="tests", user=temporary_viewer, actor=None
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")
    assert [g["name"] for g in api.get(GROUPS_API).json()["data"]] == ["Editors"]
    expire_now(viewers, temporary_viewer)

    response = api.get(GROUPS_API)

    assert response.status_code == 200
    assert response.json()["data"] == []
    assert direct_flag(viewers, temporary_viewer) is None
    assert AuditEvent.objects.filter(action="membership.expired", actor=None).count() == 1


def test_expire_for_costs_one_query_when_nothing_has_expired(temporary_viewer, viewers):
    with CaptureQueriesContext(connection) as captured:
        expire_for(temporary_viewer)

    assert len(captured) == 1
    assert direct_flag(viewers, temporary_viewer) is True


def test_anonymous_request_is_left_alone(client, viewers, temporary_viewer):
    expire_now(viewers, temporary_viewer)

    client.get(GROUPS_PAGE)

    assert direct_flag(viewers, temporary_viewer) is True


def test_membership_add_refuses_an_expiry_on_a_group_nested_in_administrators(
    organization, administrators, group, org_admin, dee
):
    # An expiry there could end the last administrator: Ops is two levels down.
    ops = services.group_create(organization=organization, display_name="Ops", actor=None)
    services.member_group_add(parent=administrators, child=group, actor=None)
    services.member_group_add(parent=group, child=ops, actor=None)
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(group=ops, users=[dee], expires_at=later(hours=1), actor=org_admin)

    assert "cannot expire" in excinfo.value.message_dict["expires_at"][0]
    assert snapshot() == before


def test_member_group_add_refuses_nesting_expiring_members_into_administrators(
    organization, administrators, group, org_admin, dee
):
    ops = services.group_create(organization=organization, display_name="Ops", actor=None)
    services.member_group_add(parent=group, child=ops, actor=None)
    services.membership_add(group=ops, users=[dee], expires_at=later(hours=1), actor=org_admin)
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        services.member_group_add(parent=administrators, child=group, actor=org_admin)

    assert excinfo.value.error_dict["child"][0].code == services.CONFLICT
    assert "expires" in excinfo.value.messages[0]
    assert snapshot() == before
    assert not MemberGroup.objects.filter(parent=administrators).exists()


def test_member_group_add_into_administrators_of_a_group_without_expiries(
    organization, administrators, group, org_admin, dee
):
    services.membership_add(group=group, users=[dee], actor=org_admin)

    assert services.member_group_add(parent=administrators, child=group, actor=org_admin)
    assert direct_flag(administrators, dee) is False
