"""Every GraphQL example of seed 003 (aiWARE's Admin Center), verbatim but for the ids."""

import uuid

from audit.models import AuditEvent
from groups.models import Group
from tests.apis.graphql_helpers import data_of, post

SEED_GROUP_ID = "498a72dc-77b4-4c22-a658-26b7b23fb848"
SEED_OTHER_GROUP_ID = "10230e23-b9ca-4ace-b472-e3cad1e28cb2"

AUTH_GROUP = """query authGroup{
authGroup(id: "498a72dc-77b4-4c22-a658-26b7b23fb848"){
id
name
}
}"""

AUTH_GROUP_CREATE = """mutation authGroupCreate {
authGroupCreate(input: {
description: "test",
name: "test" }) {
id
name
}
}"""

AUTH_GROUP_DELETE = """mutation authGroupDelete {
authGroupDelete(id: "10230e23-b9ca-4ace-b472-e3cad1e28cb2") {
id
}
}"""

AUTH_GROUP_UPDATE = """mutation authGroupUpdate {
authGroupUpdate(
input: {
id: "10230e23-b9ca-4ace-b472-e3cad1e28cb2"
description: "test2"
name: "test2"
}
) {
id
name
}
}"""

AUTH_GROUP_ADD_MEMBERS = """mutation authGroupAddMembers($groupId: ID!, $memberId: ID!) {
authGroupAddMembers(
id: $groupId
members: [{ id: $memberId, memberType: User }]
) {
id
name
members {
records {
createdAt
member {
... on User {
name
}
}
}
}
}
}"""


def api_events(action) -> list:
    return list(AuditEvent.objects.filter(action=action, channel="api"))


def test_seed_auth_group_query(admin_api, group):
    query = AUTH_GROUP.replace(SEED_GROUP_ID, str(group.public_id))

    data = data_of(post(admin_api, query))

    assert data == {"authGroup": {"id": str(group.public_id), "name": "Editors"}}


def test_seed_auth_group_create(admin_api, organization, org_admin):
    data = data_of(post(admin_api, AUTH_GROUP_CREATE))

    created = Group.objects.get(organization=organization, display_name="test")
    assert data == {"authGroupCreate": {"id": str(created.public_id), "name": "test"}}
    assert uuid.UUID(data["authGroupCreate"]["id"])
    assert created.description == "test"
    assert created.kind == Group.Kind.CUSTOM
    [event] = api_events("group.created")
    assert event.actor == org_admin
    assert event.organization == organization
    assert event.target_id == str(created.public_id)


def test_seed_auth_group_delete(admin_api, organization, group, org_admin):
    query = AUTH_GROUP_DELETE.replace(SEED_OTHER_GROUP_ID, str(group.public_id))

    data = data_of(post(admin_api, query))

    assert data == {"authGroupDelete": {"id": str(group.public_id)}}
    assert not Group.objects.filter(pk=group.pk).exists()
    [event] = api_events("group.deleted")
    assert event.actor == org_admin
    assert event.target_id == str(group.public_id)


def test_seed_auth_group_update(admin_api, group, org_admin):
    query = AUTH_GROUP_UPDATE.replace(SEED_OTHER_GROUP_ID, str(group.public_id))

    data = data_of(post(admin_api, query))

    assert data == {"authGroupUpdate": {"id": str(group.public_id), "name": "test2"}}
    group.refresh_from_db()
    assert (group.display_name, group.description) == ("test2", "test2")
    [event] = api_events("group.updated")
    assert event.actor == org_admin
    assert event.before == {"name": "Editors", "description": "Edits things"}
    assert event.after == {"name": "test2", "description": "test2"}


def test_seed_auth_group_add_members(admin_api, group, org_member, org_admin):
    variables = {"groupId": str(group.public_id), "memberId": str(org_member.public_id)}

    data = data_of(post(admin_api, AUTH_GROUP_ADD_MEMBERS, variables))

    result = data["authGroupAddMembers"]
    assert result["id"] == str(group.public_id)
    assert result["name"] == "Editors"
    # Ann created Editors (she is not a member of it); Bo is its one member now.
    [record] = result["members"]["records"]
    assert record["member"] == {"name": "Bo Chen"}
    membership = group.memberships.get(user=org_member)
    assert record["createdAt"] == membership.added_at.isoformat()
    assert membership.added_by == org_admin
    [event] = api_events("membership.added")
    assert event.actor == org_admin
    assert event.after["email"] == org_member.email


def test_auth_group_delete_answers_its_id_and_a_message(admin_api, group):
    """The seed's result type, ``{id, message}``, asked for whole."""
    query = AUTH_GROUP_DELETE.replace(SEED_OTHER_GROUP_ID, str(group.public_id)).replace(
        "id\n", "id message\n"
    )
    assert "id message" in query
    data = data_of(post(admin_api, query))
    assert data == {
        "authGroupDelete": {
            "id": str(group.public_id),
            "message": f"Auth group “{group.display_name}” was deleted.",
        }
    }
