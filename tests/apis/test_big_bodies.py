"""A body too big for the server gets each API's own error shape (issue 15, item 10): REST,
GraphQL and Conductor answered Django's HTML 400 page to a JSON body over the upload limit."""

import json

import pytest
from django.conf import settings

from apis.middleware import too_big_answer
from tests.helpers import changes_nothing

JSON = "application/json"


@pytest.fixture
def big_body():
    return json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})


def test_rest_answers_413_in_its_error_shape(admin_api, big_body):
    with changes_nothing():
        response = admin_api.post(
            "/t/acme/api/v1/groups", big_body, content_type="application/json"
        )
    assert response.status_code == 413
    body = response.json()
    assert (body["error"], body["status"], body["code"]) == (True, 413, "too_large")
    assert "at most 2,621,440 are accepted" in body["message"]
    assert response["Cache-Control"].startswith("private")


def test_graphql_answers_413_with_errors(admin_api, big_body):
    response = admin_api.post("/graphql", big_body, content_type="application/json")
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_conductor_answers_413_in_its_error_json(client, big_body):
    response = client.post("/api/token", big_body, content_type="application/json")
    assert response.status_code == 413
    body = response.json()
    assert (body["status"], body["error"], body["instance"]) == (
        413,
        "PAYLOAD_TOO_LARGE",
        "/api/token",
    )


def test_pages_are_left_to_django():
    """Only the API paths are answered here; pages keep Django's own answer."""
    assert too_big_answer("/t/acme/portal/access-management/groups/new/", "too big") is None
    assert too_big_answer("/accounts/login/", "too big") is None
    assert too_big_answer("/t/acme/api/v1/groups", "too big").status_code == 413
