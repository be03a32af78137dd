"""Two expiry runs at once (cron and a user's own request, or two cron hosts), on real
PostgreSQL with committed transactions: each expired membership ends once, with one event."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from audit.models import AuditEvent
from groups import services
from groups.models import Membership
from tests.conftest import make_member
from tests.groups.test_races import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_memberships_expire_parallel_runs_expire_each_membership_once():
    for round_number in range(5):
        organization = account_services.organization_create(
            name=f"Expiry race {round_number}", actor=None
        )
        group = services.group_create(organization=organization, display_name="Temps", actor=None)
        people = [make_member(organization) for _ in range(6)]
        services.membership_add(group=group, users=people, actor=None)
        Membership.objects.filter(group=group, direct=True).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )

        outcomes = run_at_once(
            services.memberships_expire,
            services.memberships_expire,
            lambda user=people[0]: services.memberships_expire(user=user),
        )

        assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
        assert sum(outcomes) == len(people)
        assert not Membership.objects.filter(group=group).exists()
        expired = AuditEvent.objects.filter(organization=organization, action="membership.expired")
        assert expired.count() == len(people)
