"""The proof: seed 000's snippet, run by the official conductor-python SDK against a live server.

The seed shows the SDK's old camelCase names (``upsertGroup``); version 2 calls them
``upsert_group`` and so on. Nothing here is mocked: real HTTP, real token exchange, the real
client's (de)serialization.
"""

from pathlib import Path

import pytest
from conductor.client.configuration.configuration import Configuration
from conductor.client.configuration.settings.authentication_settings import (
    AuthenticationSettings,
)
from conductor.client.http.models.subject_ref import SubjectRef, SubjectType
from conductor.client.http.models.target_ref import TargetRef, TargetType
from conductor.client.http.models.upsert_group_request import UpsertGroupRequest
from conductor.client.http.rest import ApiException, AuthorizationException
from conductor.client.orkes.models.access_type import AccessType
from conductor.client.orkes.orkes_authorization_client import OrkesAuthorizationClient

from accounts.api_keys import api_key_create, api_key_revoke
from audit.models import AuditEvent
from groups import queries
from groups.models import Grant, Group, Resource
from tests.conftest import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def sdk_client(live_server, key, secret) -> OrkesAuthorizationClient:
    configuration = Configuration(
        server_api_url=f"{live_server.url}/api",
        authentication_settings=AuthenticationSettings(
            key_id=str(key.public_id), key_secret=secret
        ),
    )
    return OrkesAuthorizationClient(configuration)


def close(client) -> None:
    """Close the SDK's kept-alive connections, so the live server's threads end (with their
    database connections) before the test database is dropped."""
    client.api_client.rest_client.connection.close()


@pytest.fixture
def authorization_client(live_server, organization, org_admin):
    # Ann's key: an administrator of Acme, as create_api_key prints it (id and secret).
    key, secret = api_key_create(organization=organization, name="sdk", user=org_admin, actor=None)
    client = sdk_client(live_server, key, secret)
    yield client
    close(client)


def refs(subjects) -> list[tuple[str, str]]:
    return sorted((s.type, s.id) for s in subjects)


def test_seed_000_snippet_runs_with_the_real_sdk(
    authorization_client, organization, org_admin, org_member
):
    user_id = org_member.email  # a Conductor user id is the person's email

    # Create/Update Group
    group_id = "test_group"
    group_user_roles = ["USER"]
    req = UpsertGroupRequest("Integration Test Group", group_user_roles)
    group = authorization_client.upsert_group(req, group_id)
    assert group.id == "test_group"
    assert group.description == "Integration Test Group"
    assert [role.name for role in group.roles] == ["USER"]
    assert [p.name for p in group.roles[0].permissions] == ["view_organization"]
    # It is a group of the Admin Center like any other.
    created = Group.objects.get(organization=organization, slug="test_group")
    assert created.display_name == "Integration Test Group"
    assert created.kind == Group.Kind.CUSTOM
    listed = queries.groups_for_list(org_admin, organization)
    assert "Integration Test Group" in [g.display_name for g in listed]
    assert [link.permission_set.key for link in queries.group_permission_sets(created)] == [
        "full-access"
    ]

    # Upserting again updates it: new name, roles replaced (a managed set for WORKFLOW_MANAGER).
    group = authorization_client.upsert_group(
        UpsertGroupRequest("Integration Testers", ["WORKFLOW_MANAGER", "USER"]), group_id
    )
    assert group.description == "Integration Testers"
    assert sorted(role.name for role in group.roles) == ["USER", "WORKFLOW_MANAGER"]
    group = authorization_client.upsert_group(
        UpsertGroupRequest("Integration Test Group", group_user_roles), group_id
    )
    assert [role.name for role in group.roles] == ["USER"]

    # Retrieve Group
    group = authorization_client.get_group(group_id)
    assert (group.id, group.description) == ("test_group", "Integration Test Group")
    assert [role.name for role in group.roles] == ["USER"]
    groups = authorization_client.list_groups()
    assert {(g.id, g.description) for g in groups} == {
        ("administrators", "Acme Administrators"),
        ("users", "Acme Users"),
        ("test_group", "Integration Test Group"),
    }
    roles = {g.id: [r.name for r in g.roles] for g in groups}
    assert roles == {"administrators": ["ADMIN"], "users": ["USER"], "test_group": ["USER"]}

    # Add Users to Group; Retrieve All Users in a Group
    authorization_client.add_user_to_group(group_id, user_id)
    users = authorization_client.get_users_in_group(group_id)
    assert [(u.id, u.name, u.uuid) for u in users] == [
        (org_member.email, "Bo Chen", str(org_member.public_id))
    ]
    assert [r.name for r in users[0].roles] == ["USER"]
    assert {g.id for g in users[0].groups} == {"users", "test_group"}
    assert created.memberships.filter(user=org_member, direct=True).exists()

    # Grant Permissions
    target = TargetRef(TargetType.WORKFLOW_DEF, "TEST_WORKFLOW")
    subject_group = SubjectRef(SubjectType.GROUP, group_id)
    access_group = [AccessType.EXECUTE]
    subject_user = SubjectRef(SubjectType.USER, user_id)
    access_user = [AccessType.EXECUTE, AccessType.READ]
    authorization_client.grant_permissions(subject_group, target, access_group)
    authorization_client.grant_permissions(subject_user, target, access_user)
    workflow = Resource.objects.get(
        organization=organization, type="WORKFLOW_DEF", key="TEST_WORKFLOW"
    )
    assert sorted(
        Grant.objects.filter(resource=workflow).values_list("access_types", flat=True)
    ) == [
        ["EXECUTE"],
        ["READ", "EXECUTE"],
    ]
    assert org_member.has_perm("groups.access_read", workflow)
    assert org_member.has_perm("groups.access_execute", workflow)

    # Get Permissions for a Target
    target_permissions = authorization_client.get_permissions(target)
    assert {access: refs(subjects) for access, subjects in target_permissions.items()} == {
        "EXECUTE": [("GROUP", group_id), ("USER", user_id)],
        "READ": [("USER", user_id)],
    }

    # Get Permissions granted to a Group / to a User (theirs and their groups', merged)
    group_permissions = authorization_client.get_granted_permissions_for_group(group_id)
    assert [(p.target.type, p.target.id, p.access) for p in group_permissions] == [
        ("WORKFLOW_DEF", "TEST_WORKFLOW", ["EXECUTE"])
    ]
    user_permissions = authorization_client.get_granted_permissions_for_user(user_id)
    assert [(p.target.type, p.target.id, p.access) for p in user_permissions] == [
        ("WORKFLOW_DEF", "TEST_WORKFLOW", ["READ", "EXECUTE"])
    ]

    # A user's permission check on a target
    assert authorization_client.check_permissions(user_id, "WORKFLOW_DEF", "TEST_WORKFLOW") == {
        "CREATE": False,
        "READ": True,
        "UPDATE": False,
        "DELETE": False,
        "EXECUTE": True,
    }

    # Remove Permissions
    authorization_client.remove_permissions(subject_group, target, access_group)
    authorization_client.remove_permissions(subject_user, target, access_user)
    assert authorization_client.get_permissions(target) == {}
    assert authorization_client.get_granted_permissions_for_group(group_id) == []
    assert authorization_client.get_granted_permissions_for_user(user_id) == []
    assert not Grant.objects.filter(resource=workflow).exists()
    assert authorization_client.check_permissions(user_id, "WORKFLOW_DEF", "TEST_WORKFLOW") == {
        "CREATE": False,
        "READ": False,
        "UPDATE": False,
        "DELETE": False,
        "EXECUTE": False,
    }

    # Remove Users from a Group
    authorization_client.remove_user_from_group(group_id, user_id)
    assert authorization_client.get_users_in_group(group_id) == []

    # Delete Group
    authorization_client.delete_group(group_id)
    with pytest.raises(ApiException) as missing:
        authorization_client.get_group(group_id)
    assert missing.value.status == 404
    assert not Group.objects.filter(organization=organization, slug=group_id).exists()
    assert group_id not in {g.id for g in authorization_client.list_groups()}

    # Every change is in the audit trail, by Ann, through the API.
    events = AuditEvent.objects.filter(organization=organization, actor=org_admin)
    assert set(events.values_list("channel", flat=True)) == {"api"}
    assert list(events.order_by("pk").values_list("action", flat=True)) == [
        "group.created",
        "group.permission_set_added",
        "group.updated",
        "group.permission_set_added",
        "group.updated",
        "group.permission_set_removed",
        "membership.added",
        "resource.created",
        "grant.added",
        "grant.added",
        "grant.removed",
        "grant.removed",
        "membership.removed",
        "group.deleted",
    ]


def test_sdk_adds_and_removes_many_users_at_once(
    authorization_client, organization, org_admin, org_member, group
):
    ann, bo = org_admin.email, org_member.email
    authorization_client.add_users_to_group("editors", [ann, bo])
    assert sorted(u.id for u in authorization_client.get_users_in_group("editors")) == sorted(
        [ann, bo]
    )
    with pytest.raises(ApiException) as unknown:
        authorization_client.remove_users_from_group("editors", [bo, "nobody@example.com"])
    assert unknown.value.status == 404
    assert "nobody@example.com" in unknown.value.body
    assert group.memberships.count() == 2  # nothing was removed
    authorization_client.remove_users_from_group("editors", [ann, bo])
    assert authorization_client.get_users_in_group("editors") == []


def test_sdk_is_refused_on_the_next_request_after_the_key_is_revoked(
    live_server, organization, org_admin
):
    key, secret = api_key_create(organization=organization, name="sdk", user=org_admin, actor=None)
    client = sdk_client(live_server, key, secret)
    assert len(client.list_groups()) == 2
    api_key_revoke(key=key, actor=None)
    # The SDK, told INVALID_TOKEN, asks for a new token once; the revoked key gets none.
    with pytest.raises(AuthorizationException) as refused:
        client.list_groups()
    close(client)
    assert refused.value.status == 401
    assert refused.value.error_code == "INVALID_TOKEN"


def test_the_readme_example_runs(live_server, organization, org_admin):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Conductor authorization API", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    make_member(organization, email="bo.chen@acme.example", first_name="Bo", last_name="Chen")
    key, secret = api_key_create(
        organization=organization, name="readme", user=org_admin, actor=None
    )
    example = (
        example.replace("http://127.0.0.1:8000/api", f"{live_server.url}/api")
        .replace("<id>", str(key.public_id))
        .replace("<secret>", secret)
    )
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    close(namespace["client"])
    group = Group.objects.get(organization=organization, slug="test_group")
    assert group.memberships.filter(user__email="bo.chen@acme.example").exists()
    assert Grant.objects.filter(subject_group=group, access_types=["EXECUTE"]).exists()
