"""One person's memberships changed at once in two groups under a shared parent, on real
PostgreSQL with committed transactions: the parent's inherited row follows the final state."""

from functools import partial

import pytest
from django.db import connection

from accounts import services as account_services
from groups import services
from groups.models import Membership
from tests.conftest import make_member
from tests.groups.test_races import race_rounds, run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = race_rounds(8)


def tree(round_number: int):
    """Sales holds EMEA and APAC as member groups; Dee is directly in both."""
    organization = account_services.organization_create(
        name=f"Closure race {round_number}", actor=None
    )
    sales, emea, apac = (
        services.group_create(organization=organization, display_name=name, actor=None)
        for name in ("Sales", "EMEA", "APAC")
    )
    services.member_group_add(parent=sales, child=emea, actor=None)
    services.member_group_add(parent=sales, child=apac, actor=None)
    dee = make_member(organization, first_name="Dee")
    for group in (emea, apac):
        services.membership_add(group=group, users=[dee], actor=None)
    return sales, emea, apac, dee


def test_removing_one_person_from_two_sibling_groups_at_once_leaves_the_parent_too():
    for round_number in range(ROUNDS):
        sales, emea, apac, dee = tree(round_number)

        outcomes = run_at_once(
            partial(services.membership_remove, group=emea, users=[dee], actor=None),
            partial(services.membership_remove, group=apac, users=[dee], actor=None),
        )

        assert outcomes == [[dee], [dee]]
        assert not Membership.objects.filter(user=dee, group__in=[sales, emea, apac]).exists()


def test_adding_and_removing_one_person_at_once_keeps_the_parent_row_exact():
    for round_number in range(ROUNDS):
        sales, emea, apac, dee = tree(round_number)
        services.membership_remove(group=apac, users=[dee], actor=None)

        outcomes = run_at_once(
            partial(services.membership_remove, group=emea, users=[dee], actor=None),
            partial(services.membership_add, group=apac, users=[dee], actor=None),
        )

        assert outcomes == [[dee], [dee]]
        inherited = Membership.objects.filter(user=dee, group=sales)
        assert list(inherited.values_list("direct", flat=True)) == [False]
