"""The Conductor authorization API's rules: token exchange and revocation, refusals in
Conductor's error JSON, access checks and organization isolation."""

import io
import json
from unittest import mock

import pytest
from django.core import signing
from django.core.management import call_command

from accounts.api_keys import api_key_create, api_key_revoke
from accounts.services import organization_user_remove
from apis.conductor.auth import SALT, TOKEN_MAX_AGE
from audit.models import AuditEvent
from groups import services as group_services
from groups.models import Grant, Group, Membership, PermissionSet, Resource
from tests.conftest import make_member


class Conductor:
    """A test client speaking to /api/ with a token from POST /api/token."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def call(self, method, path, body=None):
        kwargs = {"headers": {"X-Authorization": self.token}} if self.token else {}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(f"/api/{path}", **kwargs)


def exchange(client, key_id, secret):
    return client.post(
        "/api/token",
        data=json.dumps({"keyId": str(key_id), "keySecret": secret}),
        content_type="application/json",
    )


@pytest.fixture
def conductor_for(client, organization):
    def make(user, org=None):
        key, secret = api_key_create(
            organization=org or organization, name="conductor", user=user, actor=None
        )
        response = exchange(client, key.public_id, secret)
        assert response.status_code == 200, response.content
        conductor = Conductor(client, response.json()["token"])
        conductor.key, conductor.secret = key, secret
        return conductor

    return make


@pytest.fixture
def admin(conductor_for, org_admin):
    # Ann's token: every capability in Acme.
    return conductor_for(org_admin)


def assert_error(response, status, error, text=""):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == status
    assert body["error"] == error
    assert body["retryable"] is False
    assert text in body["message"]
    return body


# --- token ----------------------------------------------------------------------------------


def test_token_exchange_refuses_a_wrong_secret(client, organization, org_admin):
    key, _ = api_key_create(organization=organization, name="k", user=org_admin, actor=None)
    assert_error(exchange(client, key.public_id, "wrong"), 401, "INVALID_CREDENTIALS")
    assert_error(exchange(client, "not-a-uuid", "x"), 401, "INVALID_CREDENTIALS")


def test_create_api_key_prints_what_the_token_exchange_takes(client, organization, org_admin):
    out = io.StringIO()
    call_command("create_api_key", "acme", "--name", "conductor", stdout=out, stderr=io.StringIO())
    printed = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    response = exchange(client, printed["id"], printed["secret"])
    assert response.status_code == 200, response.content
    groups = Conductor(client, response.json()["token"]).call("get", "groups")
    assert sorted(g["id"] for g in groups.json()) == ["administrators", "users"]


def test_token_carries_only_the_key_id(admin):
    assert signing.loads(admin.token, salt=SALT) == {"key": admin.key.public_id.hex}


def test_requests_without_a_valid_token_are_refused(client, admin):
    assert_error(Conductor(client, None).call("get", "groups"), 401, "INVALID_TOKEN")
    assert_error(Conductor(client, "garbage").call("get", "groups"), 401, "INVALID_TOKEN")
    forged = signing.dumps({"key": admin.key.public_id.hex}, salt=SALT, key="another-secret")
    assert_error(Conductor(client, forged).call("get", "groups"), 401, "INVALID_TOKEN")
    # A bearer API key is not a Conductor token.
    assert_error(
        Conductor(client, f"acx_{admin.key.public_id.hex}_x").call("get", "groups"),
        401,
        "INVALID_TOKEN",
    )


def test_an_expired_token_says_so(client, admin):
    issued = signing.time.time() - TOKEN_MAX_AGE - 5
    with mock.patch("django.core.signing.time.time", return_value=issued):
        old = signing.dumps({"key": admin.key.public_id.hex}, salt=SALT)
    assert_error(Conductor(client, old).call("get", "groups"), 401, "EXPIRED_TOKEN")


def test_a_revoked_key_is_refused_on_the_next_request(client, admin):
    assert admin.call("get", "groups").status_code == 200
    api_key_revoke(key=admin.key, actor=None)
    assert_error(admin.call("get", "groups"), 401, "INVALID_TOKEN", "revoked")
    assert_error(exchange(client, admin.key.public_id, admin.secret), 401, "INVALID_CREDENTIALS")


def test_a_deactivated_user_is_refused_on_the_next_request(admin, org_admin, organization):
    make_member(organization, admin=True)  # so Ann is not the last administrator
    org_admin.is_active = False
    org_admin.save(update_fields=["is_active"])
    assert_error(admin.call("get", "groups"), 401, "INVALID_TOKEN")


def test_a_user_removed_from_the_organization_is_refused(conductor_for, organization, org_admin):
    bo = make_member(organization, first_name="Bo", last_name="Chen")
    conductor = conductor_for(bo)
    assert conductor.call("get", "groups").status_code == 200
    organization_user_remove(organization=organization, user=bo, actor=org_admin)
    # Leaving revoked the key (issue 15, item 3).
    assert_error(conductor.call("get", "groups"), 401, "INVALID_TOKEN", "revoked")


# --- groups ---------------------------------------------------------------------------------


def test_upsert_refuses_bad_input_and_changes_nothing(admin, organization):
    before = Group.objects.count()
    body = assert_error(
        admin.call("put", "groups/qa", {"description": "QA", "roles": ["OWNER"]}),
        400,
        "INVALID_REQUEST",
        "Unknown role OWNER",
    )
    assert body["validationErrors"][0]["path"] == "roles"
    body = assert_error(
        admin.call("put", "groups/Not A Slug", {"description": "QA", "roles": []}),
        400,
        "INVALID_REQUEST",
    )
    assert body["validationErrors"][0]["path"] == "id"
    assert_error(
        admin.call("put", "groups/qa", {"description": "Acme Users", "roles": []}),
        400,
        "INVALID_REQUEST",
        "already exists",
    )
    assert_error(
        admin.call(
            "put", "groups/qa", {"description": "QA", "defaultAccess": {"WORKFLOW_DEF": ["READ"]}}
        ),
        400,
        "INVALID_REQUEST",
        "defaultAccess",
    )
    assert Group.objects.count() == before


def test_upsert_maps_every_conductor_role_to_a_permission_set(admin, organization):
    roles = ["ADMIN", "USER", "USER_READ_ONLY", "METADATA_MANAGER", "WORKFLOW_MANAGER", "WORKER"]
    response = admin.call("put", "groups/ops", {"description": "Ops", "roles": roles})
    assert response.status_code == 200, response.content
    assert sorted(r["name"] for r in response.json()["roles"]) == sorted(roles)
    ops = Group.objects.get(organization=organization, slug="ops")
    assert sorted(ops.permission_set_links.values_list("permission_set__key", flat=True)) == [
        "administrator",
        "full-access",
        "metadata-manager",
        "read-only",
        "worker",
        "workflow-manager",
    ]
    managed = PermissionSet.objects.get(key="metadata-manager")
    assert managed.protected and managed.organization is None
    # A custom set held through the Admin Center is not a Conductor role: upsert leaves it.
    own = group_services.permission_set_create(
        organization=organization, name="Auditors", permissions=["view_audit_log"], actor=None
    )
    group_services.group_permission_set_add(group=ops, permission_set=own, actor=None)
    response = admin.call("put", "groups/ops", {"description": "Ops", "roles": ["USER"]})
    assert [r["name"] for r in response.json()["roles"]] == ["USER"]
    assert sorted(ops.permission_set_links.values_list("permission_set__name", flat=True)) == [
        "Auditors",
        "Full access",
    ]


def test_default_groups_are_protected(admin, organization, org_admin):
    body = assert_error(admin.call("delete", "groups/administrators"), 409, "CONFLICT")
    assert "protected group" in body["message"]
    assert body["instance"] == "/api/groups/administrators"
    assert_error(
        admin.call("put", "groups/users", {"description": "Users", "roles": ["USER"]}),
        409,
        "CONFLICT",
    )
    # The same roles as it has: nothing to change, accepted.
    response = admin.call(
        "put", "groups/administrators", {"description": "Acme Administrators", "roles": ["ADMIN"]}
    )
    assert response.status_code == 200
    assert Group.objects.filter(organization=organization).count() == 2


def test_the_last_administrator_cannot_be_removed(admin, org_admin):
    body = assert_error(
        admin.call("delete", f"groups/administrators/users/{org_admin.email}"), 409, "CONFLICT"
    )
    assert "last administrator" in body["message"]
    assert Membership.objects.filter(user=org_admin, group__group__slug="administrators").exists()


def test_adding_an_unknown_user_changes_nothing(admin, group, org_member):
    assert_error(
        admin.call("post", "groups/editors/users/nobody@example.com"),
        404,
        "NOT_FOUND",
        "nobody@example.com",
    )
    assert_error(
        admin.call("post", "groups/editors/users", [org_member.email, "nobody@example.com"]),
        404,
        "NOT_FOUND",
        "nothing was changed",
    )
    assert not group.memberships.exists()
    # Emails are matched without regard to case.
    response = admin.call("post", f"groups/editors/users/{org_member.email.upper()}")
    assert response.status_code == 200
    assert group.memberships.filter(user=org_member).exists()


def test_a_member_without_rights_sees_no_group_and_changes_nothing(
    conductor_for, org_member, group
):
    bo = conductor_for(org_member)
    assert bo.call("get", "groups").json() == []
    assert_error(bo.call("get", "groups/editors"), 404, "NOT_FOUND")
    assert_error(bo.call("put", "groups/qa", {"description": "QA"}), 403, "FORBIDDEN")
    assert_error(
        bo.call(
            "post",
            "auth/authorization",
            {
                "subject": {"type": "USER", "id": org_member.email},
                "target": {"type": "WORKFLOW_DEF", "id": "checkout"},
                "access": ["READ"],
            },
        ),
        403,
        "FORBIDDEN",
    )
    assert_error(bo.call("get", "auth/authorization/WORKFLOW_DEF/checkout"), 403, "FORBIDDEN")
    assert not Resource.objects.exists()


def test_a_group_manager_manages_members_but_not_roles(conductor_for, group_manager, org_member):
    cy = conductor_for(group_manager)
    assert [g["id"] for g in cy.call("get", "groups").json()] == ["editors"]
    assert cy.call("post", f"groups/editors/users/{org_member.email}").status_code == 200
    assert_error(
        cy.call("put", "groups/editors", {"description": "Editors", "roles": ["ADMIN"]}),
        403,
        "FORBIDDEN",
    )
    assert not Group.objects.get(slug="editors").permission_set_links.exists()


def test_a_group_manager_sees_only_the_groups_he_may_see_in_a_member_listing(
    conductor_for, organization, group, group_manager, org_member, org_admin
):
    """Issue 15, item 11: listing Editors' users showed each member's other groups, Secret
    included, to Editors' manager. He sees Editors only; an administrator sees both."""
    secret = group_services.group_create(
        organization=organization, display_name="Secret", actor=None
    )
    group_services.membership_add(group=group, users=[org_member], actor=None)
    group_services.membership_add(group=secret, users=[org_member], actor=None)

    def groups_of_bo(conductor):
        listed = conductor.call("get", "groups/editors/users").json()
        return {g["id"] for g in next(u for u in listed if u["id"] == org_member.email)["groups"]}

    assert groups_of_bo(conductor_for(group_manager)) == {"editors"}
    assert {"editors", "secret", "users"} <= groups_of_bo(conductor_for(org_admin))


# --- permissions ----------------------------------------------------------------------------


def grant_body(subject_type, subject_id, access=("READ",), target=("WORKFLOW_DEF", "checkout")):
    return {
        "subject": {"type": subject_type, "id": subject_id},
        "target": {"type": target[0], "id": target[1]},
        "access": list(access),
    }


def test_grant_refuses_unknown_types_and_access(admin, org_member):
    assert_error(
        admin.call("post", "auth/authorization", grant_body("ROLE", "ADMIN")),
        400,
        "INVALID_REQUEST",
        "USER or GROUP",
    )
    assert_error(
        admin.call(
            "post",
            "auth/authorization",
            grant_body("USER", org_member.email, target=("SPACESHIP", "x")),
        ),
        400,
        "INVALID_REQUEST",
        "Unknown resource type",
    )
    assert_error(
        admin.call("post", "auth/authorization", grant_body("USER", org_member.email, ["FLY"])),
        400,
        "INVALID_REQUEST",
        "Choose among",
    )
    assert_error(
        admin.call("post", "auth/authorization", grant_body("GROUP", "nope")), 404, "NOT_FOUND"
    )
    assert not Resource.objects.exists()
    assert not Grant.objects.exists()


def test_every_target_type_the_sdk_knows_can_be_granted_and_read_back(admin, org_member):
    from conductor.client.http.models.target_ref import TargetType

    for target_type in TargetType:
        body = grant_body("USER", org_member.email, ["READ"], target=(target_type.value, "t1"))
        assert admin.call("post", "auth/authorization", body).status_code == 200, target_type
        read = admin.call("get", f"auth/authorization/{target_type.value}/t1").json()
        assert read == {"READ": [{"type": "USER", "id": org_member.email}]}, target_type
    assert Grant.objects.count() == len(TargetType)


def test_removing_access_that_was_never_given_is_a_no_op(admin, org_member):
    response = admin.call(
        "delete", "auth/authorization", grant_body("USER", org_member.email, ["READ"])
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="grant.removed").exists()


def test_a_user_may_check_their_own_access_only(conductor_for, org_member, org_admin):
    bo = conductor_for(org_member)
    own = bo.call("get", f"users/{org_member.email}/checkPermissions?type=WORKFLOW_DEF&id=x")
    assert own.json() == {t: False for t in ("CREATE", "READ", "UPDATE", "DELETE", "EXECUTE")}
    assert_error(
        bo.call("get", f"users/{org_admin.email}/checkPermissions?type=WORKFLOW_DEF&id=x"),
        403,
        "FORBIDDEN",
    )
    assert_error(bo.call("get", f"users/{org_admin.email}/permissions"), 403, "FORBIDDEN")
    # An administrator holds every access type on the organization, so on any target.
    ann = conductor_for(org_admin)
    response = ann.call("get", f"users/{org_admin.email}/checkPermissions?type=TASK_DEF&id=x")
    assert set(response.json().values()) == {True}


def test_user_info_is_the_keys_user(admin, org_admin):
    info = admin.call("get", "token/userInfo").json()
    assert info["id"] == org_admin.email
    assert info["roles"][0]["name"] == "ADMIN"


# --- organization isolation -----------------------------------------------------------------


def test_a_key_acts_only_in_its_own_organization(
    conductor_for, other_organization, outsider, group, org_member
):
    olga = conductor_for(outsider, other_organization)  # Globex's administrator
    assert sorted(g["description"] for g in olga.call("get", "groups").json()) == [
        "Globex Administrators",
        "Globex Users",
    ]
    assert_error(olga.call("get", "groups/editors"), 404, "NOT_FOUND")
    assert_error(olga.call("delete", "groups/editors"), 404, "NOT_FOUND")
    assert_error(olga.call("get", "groups/editors/users"), 404, "NOT_FOUND")
    # Acme's people are not Globex's: nothing is added, nothing granted.
    assert_error(
        olga.call("post", f"groups/administrators/users/{org_member.email}"), 404, "NOT_FOUND"
    )
    assert_error(
        olga.call("post", "auth/authorization", grant_body("USER", org_member.email)),
        404,
        "NOT_FOUND",
    )
    assert_error(olga.call("get", f"users/{org_member.email}/permissions"), 404, "NOT_FOUND")
    # Upserting "editors" in Globex makes Globex's own group; Acme's is untouched.
    response = olga.call("put", "groups/editors", {"description": "Globex Editors"})
    assert response.status_code == 200
    assert Group.objects.get(pk=group.pk).display_name == "Editors"
    assert Group.objects.filter(slug="editors").count() == 2
    assert not Membership.objects.filter(
        user=org_member, group__group__organization=other_organization
    ).exists()


def test_unknown_paths_answer_in_conductors_error_json(admin):
    assert_error(admin.call("get", "no/such/endpoint"), 404, "NOT_FOUND", "No such endpoint")


# --- query counts ---------------------------------------------------------------------------


def count_queries(conductor, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = conductor.call("get", path)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_lists_take_the_same_queries_for_one_row_and_for_twenty(admin, organization, org_admin):
    group_services.group_create(organization=organization, display_name="G0", actor=None)
    admin.call("get", "groups/administrators/users")  # warm Django's content type cache
    one_group, groups = count_queries(admin, "groups")
    one_member, members = count_queries(admin, "groups/administrators/users")
    assert (len(groups), len(members)) == (3, 1)
    administrators = Group.objects.get(organization=organization, slug="administrators")
    for n in range(1, 20):
        group_services.group_create(organization=organization, display_name=f"G{n}", actor=None)
        group_services.membership_add(
            group=administrators, users=[make_member(organization)], actor=None
        )
    twenty_groups, groups = count_queries(admin, "groups")
    twenty_members, members = count_queries(admin, "groups/administrators/users")
    assert (len(groups), len(members)) == (22, 20)
    assert twenty_groups == one_group
    assert twenty_members == one_member


def test_granted_permissions_list_conductor_targets_only(admin, organization, group, org_admin):
    from groups.services import grants

    folder = grants.resource_create(organization=organization, type="folder", key="mkt", actor=None)
    flow = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="launch", folder=folder, actor=None
    )
    grants.grant_add(
        organization=organization, subject=group, target=folder, access_types=["READ"], actor=None
    )
    grants.grant_add(
        organization=organization, subject=group, target=flow, access_types=["EXECUTE"], actor=None
    )
    assert admin.call("get", "groups/editors/permissions").json() == {
        "grantedAccess": [
            {"target": {"type": "WORKFLOW_DEF", "id": "launch"}, "access": ["EXECUTE"]}
        ]
    }
    # The folder's grant still reaches the workflow inside it.
    assert admin.call("get", "auth/authorization/WORKFLOW_DEF/launch").json() == {
        "READ": [{"type": "GROUP", "id": "editors"}],
        "EXECUTE": [{"type": "GROUP", "id": "editors"}],
    }


def test_the_openapi_schema_describes_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/token",
        "/api/groups",
        "/api/groups/{group_id}",
        "/api/groups/{group_id}/users",
        "/api/groups/{group_id}/users/{user_id}",
        "/api/groups/{group_id}/permissions",
        "/api/auth/authorization",
        "/api/auth/authorization/{target_type}/{target_id}",
        "/api/users/{user_id}/permissions",
        "/api/users/{user_id}/checkPermissions",
    } <= set(paths)


def test_the_openapi_operation_ids_stay_as_published(client):
    # Clients generated from the schema name their methods after them; the code has moved.
    paths = client.get("/api/openapi.json").json()["paths"]
    ids = {operation["operationId"] for item in paths.values() for operation in item.values()}
    assert {"groups_conductor_views_token", "groups_conductor_views_group_upsert"} <= ids
    assert all(i.startswith("groups_conductor_views_") for i in ids)


def test_ids_no_database_can_store_name_nothing(admin, group):
    assert_error(admin.call("get", "groups/edi%00tors"), 404, "NOT_FOUND")
    assert_error(admin.call("post", "groups/editors/users/a%00b@example.com"), 404, "NOT_FOUND")
    assert_error(admin.call("put", "groups/q%00a", {"description": "QA"}), 400, "INVALID_REQUEST")
    assert_error(
        admin.call(
            "post",
            "auth/authorization",
            grant_body("GROUP", "editors", target=("WORKFLOW_DEF", "a\x00b")),
        ),
        400,
        "INVALID_REQUEST",
    )
    assert admin.call("get", "auth/authorization/WORKFLOW_DEF/a%00b").json() == {}
