"""Helpers shared by the API tests: URLs, the one error shape, query counts, bearer clients."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

JSON = "application/json"
ERROR_KEYS = {"error", "status", "code", "message", "details"}


def api_url(path, organization_slug="acme"):
    return f"/t/{organization_slug}/api/v1/{path}"


def group_url(group, suffix=""):
    """The API URL of ``group``, in its own organization."""
    return api_url(f"groups/{group.public_id}{suffix}", group.organization.slug)


def bearer(token) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def error_of(response, status, code=None) -> dict:
    """The one error shape, with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(JSON)
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] is True
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    if code is not None:
        assert body["code"] == code
    return body


def query_count(client, url) -> tuple[int, object]:
    """How many queries a GET of ``url`` runs, and its JSON answer (which must be a 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()
