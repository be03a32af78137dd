"""The seed's GraphQL examples in sequence over real HTTP (pytest-django's live server), as a
client of aiWARE's API would send them with its bearer key."""

import json
import urllib.error
import urllib.request

import pytest

from accounts.api_keys import api_key_create, token_for
from audit.models import AuditEvent
from groups.models import Group
from tests.apis.test_graphql_seed import (
    AUTH_GROUP,
    AUTH_GROUP_ADD_MEMBERS,
    AUTH_GROUP_CREATE,
    AUTH_GROUP_DELETE,
    AUTH_GROUP_UPDATE,
    SEED_GROUP_ID,
    SEED_OTHER_GROUP_ID,
)
from tests.conftest import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def graphql(live_server, token, query, variables=None) -> tuple[int, dict]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"{live_server.url}/graphql",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_live_seed_examples_create_update_add_members_read_and_delete(
    live_server, organization, org_admin
):
    key, secret = api_key_create(organization=organization, name="live", user=org_admin, actor=None)
    token = token_for(key, secret)
    bo = make_member(organization, first_name="Bo", last_name="Chen")

    status, created = graphql(live_server, token, AUTH_GROUP_CREATE)
    assert status == 200 and "errors" not in created
    group_id = created["data"]["authGroupCreate"]["id"]
    assert created["data"]["authGroupCreate"]["name"] == "test"

    _, updated = graphql(
        live_server, token, AUTH_GROUP_UPDATE.replace(SEED_OTHER_GROUP_ID, group_id)
    )
    assert updated == {"data": {"authGroupUpdate": {"id": group_id, "name": "test2"}}}

    _, added = graphql(
        live_server,
        token,
        AUTH_GROUP_ADD_MEMBERS,
        {"groupId": group_id, "memberId": str(bo.public_id)},
    )
    records = added["data"]["authGroupAddMembers"]["members"]["records"]
    assert [record["member"] for record in records] == [{"name": "Bo Chen"}]

    _, read = graphql(live_server, token, AUTH_GROUP.replace(SEED_GROUP_ID, group_id))
    assert read == {"data": {"authGroup": {"id": group_id, "name": "test2"}}}

    _, deleted = graphql(
        live_server, token, AUTH_GROUP_DELETE.replace(SEED_OTHER_GROUP_ID, group_id)
    )
    assert deleted == {"data": {"authGroupDelete": {"id": group_id}}}
    assert not Group.objects.filter(public_id=group_id).exists()

    _, missing = graphql(live_server, token, AUTH_GROUP.replace(SEED_GROUP_ID, group_id))
    assert missing["data"] is None
    assert missing["errors"][0]["message"] == "The requested object was not found"

    actions = list(
        AuditEvent.objects.filter(target_id=group_id)
        .order_by("pk")
        .values_list("action", "channel")
    )
    assert actions == [
        ("group.created", "api"),
        ("group.updated", "api"),
        ("membership.added", "api"),
        ("group.deleted", "api"),
    ]


def test_live_without_a_key_is_401(live_server, organization):
    status, body = graphql(live_server, "acx_wrong", AUTH_GROUP)

    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
