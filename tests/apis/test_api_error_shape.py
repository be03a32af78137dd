"""Answers the API's handlers never see still have its one error shape."""

import pytest
from django.test import Client

from accounts.api_keys import api_key_create, token_for


@pytest.fixture
def api(organization, org_admin):
    key, secret = api_key_create(organization=organization, name="t", user=org_admin, actor=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")


def shape(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["error"], body["status"]) == (True, status)
    assert body["message"]
    return body


def test_unknown_api_path_is_a_json_404(api):
    shape(api.get("/t/acme/api/v1/no-such-thing"), 404)


def test_method_not_taken_is_a_json_405_with_allow(api, group):
    response = api.post("/t/acme/api/v1/permission-sets", {}, content_type="application/json")
    shape(response, 405)
    assert "GET" in response["Allow"]


def test_pages_outside_the_api_keep_their_html_404(client, org_admin):
    client.force_login(org_admin)
    response = client.get("/t/acme/portal/access-management/nothing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
