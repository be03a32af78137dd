"""More concurrent writers, on real PostgreSQL with committed transactions and threads (see
tests/groups/test_races.py for two administrators removing each other): twenty parallel adds of
the same member, a group deleted while members are added to it, and two opposite nestings at
once. Driven through HTTP (the API, and the Admin Center's htmx form), so that "no 500" is
checked where people would see it. RACE_ROUNDS raises the number of rounds for a stress run."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.api_keys import api_key_create, token_for
from audit.models import AuditEvent
from groups import services as group_services
from groups.models import Group, MemberGroup, Membership
from tests.conftest import make_member
from tests.groups.test_races import race_rounds, run_at_once, two_admins

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = race_rounds(5)
ADDERS = 20


def _client(organization, admin) -> Client:
    key, secret = api_key_create(organization=organization, name="race", user=admin, actor=None)
    # A 500 must come back as a response here, not as an exception in the thread.
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}", raise_request_exception=False
    )


def _status(response) -> int:
    return response.status_code


def _one_member_added_once(group, member, outcomes, *, allowed: set[int]):
    """Every answer was one people may get (never a 5xx, never an exception), and the twenty
    adds made one membership, one audit event and a consistent effective table."""
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert set(outcomes) <= allowed, outcomes
    assert Membership.objects.filter(group_id=group.pk, user=member).count() == 1
    added = AuditEvent.objects.filter(action="membership.added", target_id=str(group.public_id))
    assert added.count() == 1
    call_command("check_memberships", group.organization.slug, stdout=None)


def _hot_group(round_number):
    administrators, admin, _ = two_admins(round_number)
    organization = administrators.organization
    group = group_services.group_create(organization=organization, display_name="Hot", actor=admin)
    return admin, group, make_member(organization)


def test_api_members_add_twenty_times_at_once_makes_one_membership_and_no_500():
    for round_number in range(ROUNDS):
        _api_members_add_twenty_times_at_once_round(round_number)


def _api_members_add_twenty_times_at_once_round(round_number):
    admin, group, member = _hot_group(round_number)
    organization = group.organization
    client = _client(organization, admin)
    url = f"/t/{organization.slug}/api/v1/groups/{group.public_id}/members"
    body = json.dumps({"userId": str(member.public_id)})

    def add():
        return _status(client.post(url, body, content_type="application/json"))

    outcomes = run_at_once(*[add] * ADDERS)

    # One adder made the membership (201); the others found it there (200).
    assert sorted(outcomes) == [200] * (ADDERS - 1) + [201], outcomes
    _one_member_added_once(group, member, outcomes, allowed={200, 201})


def test_admin_center_members_add_twenty_times_at_once_makes_one_membership_and_no_500():
    for round_number in range(ROUNDS):
        _admin_center_members_add_twenty_times_at_once_round(round_number)


def _admin_center_members_add_twenty_times_at_once_round(round_number):
    admin, group, member = _hot_group(round_number)
    url = reverse("groups:members_add", args=[group.organization.slug, group.public_id])
    clients = []
    for _ in range(ADDERS):
        # One signed-in browser each, as twenty open tabs would be.
        client = Client(raise_request_exception=False)
        client.force_login(admin)
        clients.append(client)

    def add(client):
        response = client.post(
            url, {"users": [str(member.public_id)]}, headers={"HX-Request": "true"}
        )
        return _status(response), response.content.decode()

    answers = run_at_once(*[lambda c=client: add(c) for client in clients])

    assert all(isinstance(answer, tuple) for answer in answers), answers
    outcomes = [status for status, _ in answers]
    _one_member_added_once(group, member, outcomes, allowed={200})
    # Each adder is told what happened to them: one added the member, the others found them
    # there already.
    told = [page for _, page in answers]
    assert sum(f"Added 1 member to {group}." in page for page in told) == 1, told
    assert sum("(1 already a member)" in page for page in told) == ADDERS - 1


def test_deleting_a_group_while_members_are_added_leaves_no_orphans_and_no_500():
    for round_number in range(ROUNDS):
        _deleting_a_group_while_members_are_added_leaves_no_orphans_and_no_500_round(round_number)


def _deleting_a_group_while_members_are_added_leaves_no_orphans_and_no_500_round(round_number):
    administrators, admin, _ = two_admins(round_number)
    organization = administrators.organization
    group = group_services.group_create(
        organization=organization, display_name="Doomed", actor=admin
    )
    people = [make_member(organization) for _ in range(4)]
    client = _client(organization, admin)
    base = f"/t/{organization.slug}/api/v1/groups/{group.public_id}"

    def add(person):
        body = json.dumps({"userId": str(person.public_id)})
        return _status(client.post(f"{base}/members", body, content_type="application/json"))

    outcomes = run_at_once(
        lambda: _status(client.delete(base)),
        *[lambda p=person: add(p) for person in people],
    )

    assert outcomes[0] == 204, outcomes
    # Each add ran before the delete (201) or after it (404): never a 500.
    assert set(outcomes[1:]) <= {201, 404}, outcomes
    assert not Group.objects.filter(pk=group.pk).exists()
    assert not Membership.objects.filter(group_id=group.pk).exists()
    call_command("check_memberships", organization.slug, stdout=None)


def test_nesting_a_in_b_while_b_in_a_refuses_one_and_makes_no_cycle():
    for round_number in range(ROUNDS):
        _nesting_a_in_b_while_b_in_a_refuses_one_and_makes_no_cycle_round(round_number)


def _nesting_a_in_b_while_b_in_a_refuses_one_and_makes_no_cycle_round(round_number):
    administrators, admin, _ = two_admins(round_number)
    organization = administrators.organization
    first = group_services.group_create(organization=organization, display_name="A", actor=admin)
    second = group_services.group_create(organization=organization, display_name="B", actor=admin)
    client = _client(organization, admin)
    api = f"/t/{organization.slug}/api/v1/groups"

    def nest(parent, child):
        body = json.dumps({"groupId": str(child.public_id)})
        url = f"{api}/{parent.public_id}/member-groups"
        return _status(client.post(url, body, content_type="application/json"))

    outcomes = run_at_once(lambda: nest(first, second), lambda: nest(second, first))

    assert sorted(outcomes) == [201, 409], outcomes
    edges = MemberGroup.objects.filter(parent__in=[first, second])
    assert edges.count() == 1
    call_command("check_memberships", organization.slug, stdout=None)


def test_services_nesting_both_ways_at_once_refuse_one():
    for round_number in range(ROUNDS):
        _services_nesting_both_ways_at_once_refuse_one_round(round_number)


def _services_nesting_both_ways_at_once_refuse_one_round(round_number):
    administrators, admin, _ = two_admins(round_number)
    organization = administrators.organization
    first, second = (
        group_services.group_create(organization=organization, display_name=n, actor=admin)
        for n in ("A", "B")
    )
    outcomes = run_at_once(
        lambda: group_services.member_group_add(parent=first, child=second, actor=admin),
        lambda: group_services.member_group_add(parent=second, child=first, actor=admin),
    )
    assert sum(outcome is True for outcome in outcomes) == 1, outcomes
    assert MemberGroup.objects.filter(parent__in=[first, second]).count() == 1
