"""Nobody hands out, directly or through a group, more than they hold (issue 15, item 1): the
paths an outside tester used to become an administrator, each tried again, over HTTP where it
was found, and at the service for the rest. Refusals name what is lacking and change nothing."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from accounts import services as account_services
from groups import services
from groups.models import PermissionSet, Resource
from groups.services import grants
from tests.apis.api_helpers import JSON, api_url, error_of
from tests.conftest import make_member
from tests.helpers import changes_nothing

ADMINISTRATOR = "administrator"


def holder_of(organization, *capabilities, name):
    """A member of a group holding a custom permission set with just these capabilities (and
    view_organization, without which the organization is closed to them)."""
    person = make_member(organization, first_name=name, last_name="Holder")
    permission_set = services.permission_set_create(
        organization=organization,
        name=f"Only {' '.join(capabilities)}",
        permissions=["view_organization", *capabilities],
        actor=None,
    )
    group = services.group_create(
        organization=organization, display_name=f"{name}'s set", actor=None
    )
    services.group_permission_set_add(group=group, permission_set=permission_set, actor=None)
    services.membership_add(group=group, users=[person], actor=None)
    return person


@pytest.fixture
def access_manager(organization):
    # Max: holds view_organization and manage_access, nothing else.
    return holder_of(organization, "manage_access", name="Max")


@pytest.fixture
def set_manager(organization):
    # Sue: holds view_organization, view_groups and manage_permission_sets.
    return holder_of(organization, "manage_permission_sets", "view_groups", name="Sue")


@pytest.fixture
def user_manager(organization):
    # Uma: holds view_organization and manage_users.
    return holder_of(organization, "manage_users", name="Uma")


def administrator_set():
    return PermissionSet.objects.get(key=ADMINISTRATOR)


def test_grant_of_the_administrator_set_on_the_organization_to_oneself_is_refused_over_rest(
    api_for, organization, access_manager
):
    """The finding: POST grants with the Administrator set on the organization answered 201."""
    body = {
        "subject": {"type": "user", "id": str(access_manager.public_id)},
        "target": {"type": "organization"},
        "permissionSetId": str(administrator_set().public_id),
    }
    client = api_for(access_manager)
    with changes_nothing():
        error = error_of(client.post(api_url("grants"), json.dumps(body), content_type=JSON), 403)
    assert "you do not hold" in error["message"]
    assert "change_groups" in error["message"] and "manage_users" in error["message"]


def test_grant_of_access_types_one_does_not_hold_is_refused(organization, access_manager):
    resource = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="deploy", actor=None
    )
    with changes_nothing(), pytest.raises(PermissionDenied, match="access_update"):
        grants.grant_add(
            organization=organization,
            subject=access_manager,
            target=resource,
            access_types=["UPDATE"],
            actor=access_manager,
        )


def test_grant_of_what_one_holds_goes_through(organization, org_admin, org_member):
    """An administrator holds everything: the rule refuses only what is not held."""
    resource = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="deploy", actor=None
    )
    grant = grants.grant_add(
        organization=organization,
        subject=org_member,
        target=resource,
        permission_set=administrator_set(),
        actor=org_admin,
    )
    assert grant.resource == resource
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_assigning_the_administrator_set_to_a_group_needs_holding_it(
    organization, group, set_manager
):
    with changes_nothing(), pytest.raises(PermissionDenied, match="you do not hold"):
        services.group_permission_set_add(
            group=group, permission_set=administrator_set(), actor=set_manager
        )


def test_a_group_manager_cannot_add_himself_to_a_group_that_gives_more_than_he_holds(
    group, group_manager
):
    """Editors holds Read only (view_groups, access_read): its manager, who holds neither,
    cannot put himself (or anyone) in it; the refusal names what he lacks."""
    read_only = PermissionSet.objects.get(key="read-only")
    services.group_permission_set_add(group=group, permission_set=read_only, actor=None)

    with changes_nothing(), pytest.raises(PermissionDenied) as refused:
        services.membership_add(group=group, users=[group_manager], actor=group_manager)
    assert "access_read" in str(refused.value) and "view_groups" in str(refused.value)


def test_a_group_manager_cannot_nest_a_group_into_one_that_gives_more(
    organization, group, group_manager
):
    read_only = PermissionSet.objects.get(key="read-only")
    services.group_permission_set_add(group=group, permission_set=read_only, actor=None)
    mine = services.group_create(organization=organization, display_name="Mine", actor=None)
    services.group_rights_grant(
        group=mine, rights=["view_group", "manage_members"], user=group_manager, actor=None
    )

    with changes_nothing(), pytest.raises(PermissionDenied, match="you do not hold"):
        services.member_group_add(parent=group, child=mine, actor=group_manager)


def test_a_group_manager_still_adds_members_to_a_group_that_gives_nothing(
    organization, group, group_manager
):
    dee = make_member(organization, first_name="Dee", last_name="Park")
    assert services.membership_add(group=group, users=[dee], actor=group_manager) == [dee]


def test_a_user_manager_cannot_make_an_administrator(organization, user_manager):
    newcomer = make_member(organization, first_name="New", last_name="Comer")
    with changes_nothing(), pytest.raises(PermissionDenied, match="you do not hold"):
        account_services.organization_user_add(
            organization=organization, user=newcomer, admin=True, actor=user_manager
        )
