"""The API over real HTTP (pytest-django's live server), as seed 001's curl calls drive it."""

import json
import re
import urllib.error
import urllib.request

import pytest

from accounts.api_keys import api_key_create, api_key_revoke, token_for
from audit.models import AuditEvent
from groups.models import Group, GroupPermissionSet, Membership, PermissionSet
from tests.conftest import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def call(live_server, method, path, *, token=None, body=None, raw=None):
    """``(status, parsed JSON or None)`` of one HTTP request to the Acme API."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"{live_server.url}/t/acme/api/v1/{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    return status, json.loads(content) if content else None


def fetch(url) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.status, response.read()


@pytest.fixture
def admin_token(organization, org_admin):
    # Ann's token: every capability in Acme.
    key, secret = api_key_create(organization=organization, name="live", user=org_admin, actor=None)
    return token_for(key, secret)


def test_live_api_creates_a_group_adds_a_member_and_assigns_a_role(
    live_server, admin_token, organization, org_admin
):
    person = make_member(organization, first_name="Lia", last_name="Live")
    role = PermissionSet.objects.get(key="read-only")

    status, created = call(
        live_server,
        "POST",
        "groups",
        token=admin_token,
        body={"name": "Engineering", "slug": "engineering", "description": "Engineering team"},
    )
    assert status == 201, created
    group_id = created["id"]
    status, added = call(
        live_server,
        "POST",
        f"groups/{group_id}/members",
        token=admin_token,
        body={"userId": str(person.public_id)},
    )
    assert status == 201, added
    status, roles = call(
        live_server,
        "POST",
        f"groups/{group_id}/roles",
        token=admin_token,
        body={"roleId": str(role.public_id)},
    )
    assert status == 201, roles

    status, group = call(live_server, "GET", f"groups/{group_id}", token=admin_token)
    assert status == 200
    assert (group["name"], group["slug"], group["memberCount"]) == ("Engineering", "engineering", 1)
    assert group["permissionSets"] == [
        {"id": str(role.public_id), "name": "Read only", "protected": True}
    ]
    status, members = call(live_server, "GET", f"groups/{group_id}/members", token=admin_token)
    assert [m["user"]["id"] for m in members["data"]] == [str(person.public_id)]
    assert members["meta"]["total"] == 1

    stored = Group.objects.get(public_id=group_id)
    assert Membership.objects.filter(group_id=stored.pk, user=person).exists()
    assert GroupPermissionSet.objects.filter(group=stored, permission_set=role).exists()
    assert set(
        AuditEvent.objects.filter(channel="api", actor=org_admin).values_list("action", flat=True)
    ) == {"group.created", "membership.added", "group.permission_set_added"}


def test_live_api_refuses_a_caller_without_a_valid_key_with_401(
    live_server, admin_token, organization
):
    for token in (None, "nope", admin_token + "x"):
        status, body = call(live_server, "POST", "groups", token=token, body={"name": "Ops"})
        assert status == 401, body
        assert body["error"] is True
        assert body["code"] == "unauthenticated"
    assert not Group.objects.filter(display_name="Ops").exists()


def test_live_api_refuses_a_revoked_key_on_the_next_request(live_server, organization, org_admin):
    key, secret = api_key_create(organization=organization, name="live", user=org_admin, actor=None)
    token = token_for(key, secret)
    assert call(live_server, "GET", "groups", token=token)[0] == 200

    api_key_revoke(key=key, actor=org_admin)

    assert call(live_server, "GET", "groups", token=token)[0] == 401


def test_live_api_answers_bad_input_with_400_not_500(live_server, admin_token):
    for raw in (b"{not json", b"\xff\xfe", b'{"name": "a\\u0000"}', b'{"name": 1}'):
        status, body = call(live_server, "POST", "groups", token=admin_token, raw=raw)
        assert status == 400, (raw, body)
        assert body["status"] == 400


def test_live_api_docs_load_their_assets_from_this_server(live_server, organization):
    status, page = fetch(f"{live_server.url}/t/acme/api/v1/docs")
    assert status == 200

    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.decode())
    assert len(assets) >= 3
    for asset in assets:
        status, content = fetch(f"{live_server.url}{asset}")
        assert status == 200
        assert content
    status, schema = fetch(f"{live_server.url}/t/acme/api/v1/openapi.json")
    assert json.loads(schema)["info"]["title"] == "Admin Center API"
