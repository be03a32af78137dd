"""Concurrent grant writers, on real PostgreSQL with committed transactions and threads: a
subject ends up with one grant per target (and permission set), whatever the interleaving."""

from functools import partial

import pytest
from django.db import connection

from accounts import services as account_services
from audit.models import AuditEvent
from groups import services
from groups.models import Grant, ResourceGroupObjectPermission
from groups.services import grants
from tests.groups.test_races import race_rounds, run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = race_rounds(5)
WRITERS = 8


def setting(round_number: int):
    organization = account_services.organization_create(
        name=f"Grant race {round_number}", actor=None
    )
    group = services.group_create(organization=organization, display_name="Operators", actor=None)
    target = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="checkout", actor=None
    )
    return organization, group, target


def test_grant_add_parallel_access_types_merge_into_one_grant():
    for round_number in range(ROUNDS):
        organization, group, target = setting(round_number)
        add = partial(
            grants.grant_add, organization=organization, subject=group, target=target, actor=None
        )
        wanted = ["READ", "EXECUTE", "UPDATE", "READ"] * (WRITERS // 4)

        outcomes = run_at_once(
            *[partial(add, access_types=[access_type]) for access_type in wanted]
        )

        assert all(isinstance(outcome, Grant) for outcome in outcomes), outcomes
        grant = Grant.objects.get(subject_group=group, resource=target)
        assert grant.access_types == ["READ", "UPDATE", "EXECUTE"]
        codenames = set(
            ResourceGroupObjectPermission.objects.filter(
                group=group.group_ptr, content_object=target
            ).values_list("permission__codename", flat=True)
        )
        assert codenames == {"access_read", "access_update", "access_execute"}
        # One event per change: three access types arrived, the repeats changed nothing.
        added = AuditEvent.objects.filter(organization=organization, action="grant.added")
        assert 1 <= added.count() <= 3


def test_grant_add_parallel_same_permission_set_makes_one_grant():
    for round_number in range(ROUNDS):
        organization, group, target = setting(round_number)
        read_only = services.permission_set_by_key("read-only")
        add = partial(
            grants.grant_add, organization=organization, subject=group, target=target, actor=None
        )

        outcomes = run_at_once(*[partial(add, permission_set=read_only) for _ in range(WRITERS)])

        assert all(isinstance(outcome, Grant) for outcome in outcomes), outcomes
        assert Grant.objects.filter(subject_group=group, resource=target).count() == 1
        assert (
            AuditEvent.objects.filter(organization=organization, action="grant.added").count() == 1
        )
