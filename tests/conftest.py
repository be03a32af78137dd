"""Personas and the organization they live in, and API clients holding their keys. Each fixture
is built with the services."""

import pytest

from accounts import services as account_services
from accounts.api_keys import api_key_create, token_for
from groups import services as group_services
from groups.models import Group

from .apis.api_helpers import bearer
from .factories import UserFactory


def make_member(organization, *, admin=False, **fields):
    user = UserFactory(**fields)
    account_services.organization_user_add(
        organization=organization, user=user, admin=admin, actor=None
    )
    return user


@pytest.fixture
def organization(db):
    """Acme, with its two default groups."""
    return account_services.organization_create(name="Acme", actor=None)


@pytest.fixture
def other_organization(db):
    """Globex: another tenant, whose people must never see Acme's objects."""
    return account_services.organization_create(name="Globex", actor=None)


@pytest.fixture
def org_admin(organization):
    # Ann Lee: a member of Acme Administrators.
    return make_member(organization, admin=True, first_name="Ann", last_name="Lee")


@pytest.fixture
def org_member(organization):
    # Bo Chen: a plain member of Acme (only in Acme Users).
    return make_member(organization, first_name="Bo", last_name="Chen")


@pytest.fixture
def group(organization, org_admin):
    """Editors: a custom group of Acme, created by Ann."""
    return group_services.group_create(
        organization=organization,
        display_name="Editors",
        description="Edits things",
        actor=org_admin,
    )


@pytest.fixture
def group_manager(organization, group, org_admin):
    # Cy Diaz: a member of Acme holding every right on Editors, and nothing organization-wide.
    user = make_member(organization, first_name="Cy", last_name="Diaz")
    group_services.group_rights_grant(
        group=group,
        user=user,
        rights=["view_group", "change_group", "delete_group", "manage_members"],
        actor=org_admin,
    )
    return user


@pytest.fixture
def outsider(other_organization):
    # Olga Ode: an administrator of Globex, a stranger to Acme.
    return make_member(other_organization, admin=True, first_name="Olga", last_name="Ode")


@pytest.fixture
def administrators(organization):
    return group_services.default_group(organization, Group.Kind.ADMINISTRATORS)


@pytest.fixture
def users_group(organization):
    return group_services.default_group(organization, Group.Kind.USERS)


@pytest.fixture
def viewer(organization, group, org_admin):
    # Vi Vo: a member of Acme who may only view Editors.
    user = make_member(organization, first_name="Vi", last_name="Vo")
    group_services.group_rights_grant(
        group=group, user=user, rights=["view_group"], actor=org_admin
    )
    return user


@pytest.fixture
def stranger(other_organization):
    # Gus Globex: a plain member of Globex, whom Acme must never see.
    return make_member(other_organization, first_name="Gus", last_name="Globex")


@pytest.fixture
def api_for(organization):
    """A test client calling the API with a new key of ``user`` in Acme (or ``org``)."""

    def make(user, org=None):
        key, secret = api_key_create(
            organization=org or organization, name="tests", user=user, actor=None
        )
        return bearer(token_for(key, secret))

    return make


@pytest.fixture
def admin_api(api_for, org_admin):
    # Ann's key: every capability in Acme.
    return api_for(org_admin)


@pytest.fixture
def member_api(api_for, org_member):
    # Bo's key: sees the organization, no group, no access management.
    return api_for(org_member)


@pytest.fixture
def manager_api(api_for, group_manager):
    # Cy's key: every right on Editors, nothing organization-wide.
    return api_for(group_manager)


@pytest.fixture
def viewer_api(api_for, viewer):
    # Vi Vo's key: a member of Acme who may only view Editors.
    return api_for(viewer)


@pytest.fixture
def outsider_api(api_for, outsider, other_organization):
    # Olga's key: an administrator of Globex.
    return api_for(outsider, other_organization)
