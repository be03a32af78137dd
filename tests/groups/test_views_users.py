"""A person's page: what it shows depends on what the viewer shares with the person."""

import pytest
from django.urls import reverse

from accounts import services as account_services
from tests.conftest import make_member


def person_url(organization, person):
    return reverse("groups:user_detail", args=[organization.slug, person.public_id])


@pytest.fixture
def dee_in_both(organization, other_organization):
    # Dee Park: a member of Acme and of Globex.
    dee = make_member(organization, first_name="Dee", last_name="Park")
    account_services.organization_user_add(organization=other_organization, user=dee, actor=None)
    return dee


def test_person_page_names_only_the_organizations_the_viewer_shares(
    client, other_organization, outsider, dee_in_both
):
    """Issue 15, item 11: Globex's administrator saw "Organizations: Acme, Globex"."""
    client.force_login(outsider)

    body = client.get(person_url(other_organization, dee_in_both)).content.decode()

    assert "Organizations: Globex<" in body
    assert "Acme" not in body


def test_person_page_names_every_organization_both_share(
    client, organization, org_admin, other_organization, dee_in_both
):
    account_services.organization_user_add(
        organization=other_organization, user=org_admin, actor=None
    )
    client.force_login(org_admin)

    body = client.get(person_url(organization, dee_in_both)).content.decode()

    assert "Organizations: Acme, Globex<" in body


def test_person_page_of_someone_else_is_403_for_a_plain_member(
    client, organization, org_member, dee_in_both
):
    client.force_login(org_member)
    assert client.get(person_url(organization, dee_in_both)).status_code == 403


def test_person_page_of_oneself_is_open_to_a_plain_member(client, organization, org_member):
    client.force_login(org_member)
    assert client.get(person_url(organization, org_member)).status_code == 200
