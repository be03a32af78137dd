"""Concurrent writers, on real PostgreSQL with committed transactions and threads.

The Administrators group keeps an active member even when two admins remove each other at the
same moment (the group row is locked), and parallel adds of the same member make one row.
"""

import os
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts import services as account_services
from audit.models import AuditEvent
from groups import bulk
from groups import services as group_services
from groups.models import Group, Membership
from tests.conftest import make_member

# Each test flushes the database when it ends; post_migrate (groups.defaults) puts the default
# permission sets back, as Django does for permissions and content types.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race_rounds(default: int) -> int:
    """How many rounds a race test runs: ``default``, or RACE_ROUNDS from the environment for a
    stress run (``RACE_ROUNDS=200 pytest tests/groups/test_races.py``)."""
    wanted = os.environ.get("RACE_ROUNDS", "").strip()
    if not wanted:
        return default
    if not wanted.isdigit() or int(wanted) < 1:
        raise ValueError(f"RACE_ROUNDS must be a whole number, 1 or more, not {wanted!r}.")
    return int(wanted)


ROUNDS = race_rounds(10)


def run_at_once(*calls) -> list:
    """Run each call in its own thread, released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def two_admins(round_number: int):
    organization = account_services.organization_create(name=f"Race {round_number}", actor=None)
    first = make_member(organization, admin=True)
    second = make_member(organization, admin=True)
    administrators = group_services.default_group(organization, Group.Kind.ADMINISTRATORS)
    return administrators, first, second


def active_admins(administrators) -> set[int]:
    return set(
        Membership.objects.filter(group=administrators, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def test_membership_remove_two_admins_removing_each_other_keeps_one():
    for round_number in range(ROUNDS):
        administrators, first, second = two_admins(round_number)

        outcomes = run_at_once(
            lambda a=administrators, u=second: group_services.membership_remove(
                group=a, users=[u], actor=None
            ),
            lambda a=administrators, u=first: group_services.membership_remove(
                group=a, users=[u], actor=None
            ),
        )

        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], ValidationError), errors
        assert len(active_admins(administrators)) == 1
        assert (
            AuditEvent.objects.filter(
                organization=administrators.organization, action="membership.removed"
            ).count()
            == 1
        )


def test_membership_remove_two_admins_removing_each_other_as_themselves_keeps_one():
    for round_number in range(max(1, ROUNDS // 2)):
        administrators, first, second = two_admins(round_number)

        outcomes = run_at_once(
            lambda a=administrators, u=second, me=first: group_services.membership_remove(
                group=a, users=[u], actor=me
            ),
            lambda a=administrators, u=first, me=second: group_services.membership_remove(
                group=a, users=[u], actor=me
            ),
        )

        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert len(errors) == 1, outcomes
        # The loser waited for the lock, then found they were no longer an administrator:
        # refused before the last-administrator rule is even reached.
        assert isinstance(errors[0], PermissionDenied), errors
        assert len(active_admins(administrators)) == 1


def test_user_set_active_two_admins_deactivating_each_other_keeps_one():
    for round_number in range(race_rounds(3)):
        administrators, first, second = two_admins(round_number)

        outcomes = run_at_once(
            lambda u=first: account_services.user_set_active(user=u, active=False, actor=None),
            lambda u=second: account_services.user_set_active(user=u, active=False, actor=None),
        )

        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], ValidationError), errors
        assert len(active_admins(administrators)) == 1


def test_removing_and_deactivating_the_two_admins_at_once_keeps_one():
    for round_number in range(race_rounds(3)):
        administrators, first, second = two_admins(round_number)

        outcomes = run_at_once(
            lambda a=administrators, u=first: group_services.membership_remove(
                group=a, users=[u], actor=None
            ),
            lambda u=second: account_services.user_set_active(user=u, active=False, actor=None),
        )

        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], ValidationError), errors
        assert len(active_admins(administrators)) == 1


def test_membership_add_twenty_times_at_once_makes_one_row():
    administrators, admin, _ = two_admins(0)
    organization = administrators.organization
    group = group_services.group_create(organization=organization, display_name="Hot", actor=admin)
    member = make_member(organization)

    outcomes = run_at_once(
        *[
            lambda: group_services.membership_add(group=group, users=[member], actor=admin)
            for _ in range(20)
        ]
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert sorted(len(outcome) for outcome in outcomes) == [0] * 19 + [1]
    assert Membership.objects.filter(group=group, user=member).count() == 1
    assert (
        AuditEvent.objects.filter(action="membership.added", target_id=str(group.public_id)).count()
        == 1
    )


def test_group_create_twenty_times_at_once_makes_one_group():
    administrators, admin, _ = two_admins(0)
    organization = administrators.organization

    outcomes = run_at_once(
        *[
            lambda: group_services.group_create(
                organization=organization, display_name="Hot", actor=admin
            )
            for _ in range(20)
        ]
    )

    created = [outcome for outcome in outcomes if isinstance(outcome, Group)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert (len(created), len(refused)) == (1, 19), outcomes
    assert Group.objects.filter(organization=organization, kind=Group.Kind.CUSTOM).count() == 1
    assert AuditEvent.objects.filter(action="group.created").count() == 1


def test_membership_add_batch_two_confirmations_of_one_preview_apply_once():
    """Two people confirm the same preview at once: the group row is locked, so the second
    sees the first's additions, its preview is stale, and it adds nobody."""
    for round_number in range(ROUNDS):
        organization = account_services.organization_create(
            name=f"Batch {round_number}", actor=None
        )
        people = [make_member(organization) for _ in range(3)]
        group = group_services.group_create(
            organization=organization, display_name="Team", actor=None
        )
        emails = bulk.EmailList.from_text("\n".join(person.email for person in people))
        seen = bulk.preview(group, emails).fingerprint

        def confirm(group=group, emails=emails, seen=seen):
            return group_services.membership_add_batch(
                group=group, emails=emails, expected=seen, actor=None
            )

        outcomes = run_at_once(confirm, confirm)

        applied = [o for o in outcomes if isinstance(o, bulk.Preview)]
        stale = [o for o in outcomes if isinstance(o, group_services.StalePreview)]
        assert len(applied) == 1 and len(stale) == 1, outcomes
        assert len(stale[0].preview.already) == 3
        assert Membership.objects.filter(group_id=group.pk).count() == 3
        batch = AuditEvent.objects.filter(
            action="membership.batch_added", organization=organization
        )
        assert batch.count() == 1
        added = AuditEvent.objects.filter(action="membership.added", target_id=str(group.public_id))
        assert added.count() == 3
