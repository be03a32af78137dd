"""The API keys page: administrators manage every key, others their own; the secret is shown
once; a revoked key stops working at once."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.api_keys import api_key_create, token_for
from accounts.models import ApiKey
from audit.models import AuditEvent

HTMX = {"HX-Request": "true"}


def page_url(organization):
    return reverse("accounts:api_keys", args=[organization.slug])


def revoke_url(key):
    return reverse("accounts:api_key_revoke", args=[key.organization.slug, key.public_id])


@pytest.fixture
def member_key(organization, org_member):
    key, _ = api_key_create(
        organization=organization, name="Bo's script", user=org_member, actor=None
    )
    return key


def test_api_keys_page_needs_sign_in(client, organization):
    response = client.get(page_url(organization))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_api_keys_page_is_a_404_for_another_organization(client, organization, outsider):
    client.force_login(outsider)
    assert client.get(page_url(organization)).status_code == 404


def test_administrator_creates_a_key_for_a_member_and_sees_the_secret_once(
    client, organization, org_admin, org_member
):
    client.force_login(org_admin)
    response = client.post(
        page_url(organization), {"name": "Provisioning", "user": org_member.public_id}
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Provisioning")
    assert (key.user, key.organization, key.created_by) == (org_member, organization, org_admin)
    body = response.content.decode()
    token = body.split('id="new-token" readonly value="')[1].split('"')[0]
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        .get(f"/t/{organization.slug}/api/v1/groups")
        .status_code
        == 200
    )
    assert token not in client.get(page_url(organization)).content.decode()
    assert AuditEvent.objects.get(action="api_key.created").channel == "ui"


def test_member_sees_only_their_own_keys_and_can_only_make_keys_for_themselves(
    client, organization, org_admin, org_member, member_key
):
    api_key_create(organization=organization, name="Ann's key", user=org_admin, actor=None)
    client.force_login(org_member)
    body = client.get(page_url(organization)).content.decode()
    assert "Bo&#x27;s script" in body or "Bo's script" in body
    assert "Ann&#x27;s key" not in body and "Ann's key" not in body
    response = client.post(page_url(organization), {"name": "Sneaky", "user": org_admin.public_id})
    assert response.status_code == 200
    assert not ApiKey.objects.filter(name="Sneaky").exists()
    assert "Select a valid choice" in response.content.decode()


def test_empty_name_shows_an_error_and_creates_nothing(client, organization, org_admin):
    client.force_login(org_admin)
    response = client.post(page_url(organization), {"name": "  ", "user": org_admin.public_id})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoking_a_key_refuses_its_very_next_request(client, organization, org_admin, org_member):
    key, secret = api_key_create(organization=organization, name="CI", user=org_member, actor=None)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")
    assert api.get(f"/t/{organization.slug}/api/v1/groups").status_code == 200
    client.force_login(org_admin)
    response = client.post(revoke_url(key), headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == page_url(organization)
    assert api.get(f"/t/{organization.slug}/api/v1/groups").status_code == 401
    assert AuditEvent.objects.get(action="api_key.revoked").channel == "ui"


def test_member_cannot_revoke_someone_elses_key(client, organization, org_admin, outsider):
    key, _ = api_key_create(organization=organization, name="Ann's", user=org_admin, actor=None)
    client.force_login(outsider)
    assert client.post(revoke_url(key)).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_member_revoking_an_administrators_key_gets_a_404(
    client, organization, org_admin, org_member
):
    key, _ = api_key_create(organization=organization, name="Ann's", user=org_admin, actor=None)
    client.force_login(org_member)
    assert client.post(revoke_url(key)).status_code == 404
    assert client.get(revoke_url(key)).status_code == 405
    key.refresh_from_db()
    assert key.revoked_at is None
