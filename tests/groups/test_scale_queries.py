"""Query counts that must not grow with the size of the data (issue 8): the permission check
through six levels of nesting is one query; member search is one bounded query."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import explain, grants, services
from tests.conftest import make_member

User = get_user_model()


def count_queries(operation):
    with CaptureQueriesContext(connection) as captured:
        result = operation()
    return len(captured), result


@pytest.fixture
def chain(organization):
    """Seven groups, each a member of the one above: level 0 … level 6."""
    groups = [
        services.group_create(organization=organization, display_name=f"Level {n}", actor=None)
        for n in range(7)
    ]
    for parent, child in itertools.pairwise(groups):
        services.member_group_add(parent=parent, child=child, actor=None)
    return groups


@pytest.mark.django_db
def test_permission_check_through_six_levels_is_one_query(organization, chain):
    reader = make_member(organization, email="deep@acme.example", first_name="Dee")
    bystander = make_member(organization, email="by@acme.example", first_name="By")
    services.membership_add(group=chain[-1], users=[reader], actor=None)
    resource = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="checkout", actor=None
    )
    grants.grant_add(
        organization=organization,
        subject=chain[0],
        target=resource,
        access_types=["READ"],
        actor=None,
    )
    reader, bystander = User.objects.get(pk=reader.pk), User.objects.get(pk=bystander.pk)

    assert count_queries(lambda: explain.can(reader, "READ", resource)) == (1, True)
    assert count_queries(lambda: explain.can(reader, "UPDATE", resource)) == (1, False)
    assert count_queries(lambda: explain.can(bystander, "READ", resource)) == (1, False)
    # Leaving the deepest group takes it away on the very next check.
    services.membership_remove(group=chain[-1], users=[reader], actor=None)
    assert count_queries(lambda: explain.can(reader, "READ", resource)) == (1, False)


@pytest.mark.django_db
def test_access_on_the_whole_organization_counts_in_the_same_query(organization, chain):
    reader = make_member(organization, email="deep@acme.example", first_name="Dee")
    services.membership_add(group=chain[-1], users=[reader], actor=None)
    resource = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="checkout", actor=None
    )
    grants.grant_add(
        organization=organization,
        subject=chain[0],
        target=organization,
        access_types=["EXECUTE"],
        actor=None,
    )
    reader = User.objects.get(pk=reader.pk)
    assert count_queries(lambda: explain.can(reader, "EXECUTE", resource)) == (1, True)
    assert count_queries(lambda: explain.can(reader, "DELETE", resource)) == (1, False)
