"""Two administrators restoring the same deleted group at the same moment: one wins, the other
is told it was restored meanwhile; a restore racing the purge never leaves half a group."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import services as account_services
from audit.models import AuditEvent
from groups import services
from groups.models import DeletedGroup, Group, Membership
from groups.services import trash
from tests.conftest import make_member

from .test_races import race_rounds, run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = race_rounds(5)


def deleted_team(round_number):
    organization = account_services.organization_create(name=f"Race {round_number}", actor=None)
    member = make_member(organization)
    team = services.group_create(organization=organization, display_name="Team", actor=None)
    services.membership_add(group=team, users=[member], actor=None)
    services.group_delete(group=team, actor=None)
    return DeletedGroup.objects.get(organization=organization), member


def test_group_restore_twice_at_once_restores_once():
    for round_number in range(ROUNDS):
        deleted, member = deleted_team(round_number)

        outcomes = run_at_once(
            lambda d=deleted: trash.group_restore(deleted=d, actor=None),
            lambda d=deleted: trash.group_restore(deleted=d, actor=None),
        )

        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(refused) == 1, outcomes
        assert Group.objects.filter(public_id=deleted.public_id).count() == 1
        assert Membership.objects.filter(
            user=member, group__group__public_id=deleted.public_id
        ).exists()
        assert (
            AuditEvent.objects.filter(action="group.restored", target_id=deleted.public_id).count()
            == 1
        )
        assert not DeletedGroup.objects.filter(pk=deleted.pk).exists()


def test_group_restore_racing_the_purge_does_one_or_the_other():
    for round_number in range(ROUNDS):
        deleted, _ = deleted_team(round_number)

        run_at_once(
            lambda d=deleted: trash.group_restore(deleted=d, actor=None),
            lambda: trash.deleted_groups_purge(days=0),
        )

        restored = Group.objects.filter(public_id=deleted.public_id).exists()
        purged = AuditEvent.objects.filter(
            action="group.purged", target_id=deleted.public_id
        ).exists()
        assert restored != purged
        assert not DeletedGroup.objects.filter(pk=deleted.pk).exists()
