"""An organization is never left without a lasting administrator (issue 15, items 6 and 14):
memberships that expire do not count toward the last administrator, nesting and adding
expiring members cannot both pass when they race, and nesting a group deleted meanwhile is a
404, not a 500."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from groups import nesting
from groups import services as group_services
from groups.models import Group, MemberGroup, Membership
from groups.services.memberships import membership_insert
from tests.conftest import make_member
from tests.groups.test_races import ROUNDS, run_at_once


def test_an_expiring_administrator_does_not_count_as_the_last_one(
    organization, administrators, org_admin
):
    """The raced state (a team with expiring members nested into Administrators) made without
    the race: removing the one lasting administrator is refused."""
    team = group_services.group_create(organization=organization, display_name="Team", actor=None)
    temp = make_member(organization, first_name="Tem", last_name="Porary")
    membership_insert(
        team,
        [temp],
        expires_at=timezone.now() + timedelta(seconds=45),
        channel="system",
        actor=None,
    )
    # The nesting, as the race left it (the service now refuses it).
    MemberGroup.objects.create(parent=administrators, child=team)
    nesting.add_subtree(administrators.pk, team.pk)

    with pytest.raises(ValidationError, match="last administrator"):
        group_services.membership_remove(group=administrators, users=[org_admin], actor=None)
    assert Membership.objects.filter(group=administrators, user=org_admin, direct=True).exists()


def test_nesting_a_group_deleted_meanwhile_is_a_404(organization, administrators, group):
    stale = Group.objects.get(pk=group.pk)
    group_services.group_delete(group=group, actor=None)
    other = group_services.group_create(organization=organization, display_name="Other", actor=None)

    with pytest.raises(Http404):
        group_services.member_group_add(parent=other, child=stale, actor=None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_adding_expiring_members_and_nesting_into_administrators_cannot_both_pass(
    organization, administrators
):
    """The finding: 41 members with a 45 s expiry added to a group while it was nested into
    Administrators, both 201. Now one of them is refused, whichever comes first, and no
    expiring membership is ever below Administrators."""
    for round_ in range(ROUNDS):
        team = group_services.group_create(
            organization=organization, display_name=f"Team {round_}", actor=None
        )
        people = [make_member(organization) for _ in range(5)]
        ends = timezone.now() + timedelta(seconds=45)
        outcomes = run_at_once(
            lambda team=team, people=people, ends=ends: group_services.membership_add(
                group=team, users=people, expires_at=ends, actor=None
            ),
            lambda team=team: group_services.member_group_add(
                parent=administrators, child=team, actor=None
            ),
        )
        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(refused) == 1, outcomes
        assert not [o for o in outcomes if isinstance(o, Exception) and o not in refused]
        below = nesting.below_ids([administrators.pk])
        assert not Membership.objects.filter(group_id__in=below, expires_at__isnull=False).exists()
