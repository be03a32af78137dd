"""Personas of the groups tests, and API clients holding their keys."""

import pytest

from accounts.api_keys import api_key_create, token_for
from groups import services as group_services
from tests.conftest import make_member

from .api_helpers import bearer


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
