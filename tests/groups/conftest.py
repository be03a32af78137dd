"""Personas of the groups tests, and API clients holding their keys (``api_for`` and
``admin_api`` are in ``tests/conftest.py``: the audit tests use them too)."""

import pytest

from groups import services as group_services
from tests.conftest import make_member


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
