"""Who may call the API: API keys (bearer tokens), the browser's session with CSRF, the
organization in the URL; the error shape of refusals; the OpenAPI schema and its docs page."""

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.api_keys import api_key_create, api_key_revoke, token_for
from accounts.models import ApiKey
from groups.models import Group
from tests.apis.api_helpers import JSON, api_url, bearer, error_of

OPERATIONS = {
    ("get", "/groups"),
    ("post", "/groups"),
    ("get", "/groups/{group_id}"),
    ("put", "/groups/{group_id}"),
    ("patch", "/groups/{group_id}"),
    ("delete", "/groups/{group_id}"),
    ("get", "/groups/{group_id}/members"),
    ("post", "/groups/{group_id}/members"),
    ("delete", "/groups/{group_id}/members/{user_id}"),
    ("post", "/groups/{group_id}/members/batch"),
    ("get", "/groups/{group_id}/roles"),
    ("post", "/groups/{group_id}/roles"),
    ("put", "/groups/{group_id}/roles"),
    ("delete", "/groups/{group_id}/roles/{role_id}"),
    ("get", "/users"),
    ("get", "/users/{user_id}"),
    ("get", "/users/{user_id}/groups"),
    ("get", "/users/{user_id}/permissions"),
    ("get", "/permission-sets"),
    ("get", "/groups/{group_id}/member-groups"),
    ("post", "/groups/{group_id}/member-groups"),
    ("delete", "/groups/{group_id}/member-groups/{child_id}"),
    ("get", "/groups/{group_id}/access"),
    ("get", "/users/{user_id}/access"),
    ("get", "/resource-types"),
    ("get", "/resources"),
    ("post", "/resources"),
    ("get", "/resources/{resource_id}"),
    ("patch", "/resources/{resource_id}"),
    ("delete", "/resources/{resource_id}"),
    ("get", "/grants"),
    ("post", "/grants"),
    ("delete", "/grants/{grant_id}"),
    ("get", "/access/check"),
    ("get", "/access/explain"),
    ("get", "/deleted-groups"),
    ("get", "/deleted-groups/{deleted_id}"),
    ("post", "/deleted-groups/{deleted_id}/restore"),
}


@pytest.fixture
def key_of(organization):
    """``(key, token)``: a new API key of ``user`` in Acme (or ``org``)."""

    def make(user, org=None):
        key, secret = api_key_create(
            organization=org or organization, name="tests", user=user, actor=None
        )
        return key, token_for(key, secret)

    return make


@pytest.fixture
def admin_token(key_of, org_admin):
    # Ann's token: every capability in Acme.
    return key_of(org_admin)[1]


@pytest.fixture
def csrf_client():
    """A browser-like client: CSRF is checked as in production."""
    return Client(enforce_csrf_checks=True)


def csrf_token_of(client) -> str:
    """The CSRF token the docs page hands the browser (and the cookie it sets)."""
    page = client.get(api_url("docs")).content.decode()
    return re.search(r'data-csrf-token="([^"]+)"', page).group(1)


# --- API keys -----------------------------------------------------------------------------------


def test_api_key_authenticates_as_its_user(admin_token, org_admin, group):
    response = bearer(admin_token).get(api_url("groups"))

    assert response.status_code == 200
    assert response.json()["meta"]["total"] == 3


def test_api_key_records_when_it_was_last_used(key_of, org_admin):
    key, token = key_of(org_admin)
    assert key.last_used_at is None
    before = timezone.now()

    bearer(token).get(api_url("groups"))

    key.refresh_from_db()
    assert key.last_used_at >= before


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("groups", "get"),
        ("groups", "post"),
        ("groups/00000000-0000-0000-0000-000000000000", "delete"),
        ("users", "get"),
        ("permission-sets", "get"),
    ],
)
def test_api_without_a_key_is_401(organization, path, method):
    response = getattr(Client(), method)(api_url(path), {}, content_type=JSON)

    error_of(response, 401, "unauthenticated")


def test_api_without_a_key_is_401_even_with_csrf_checks(organization, csrf_client):
    response = csrf_client.post(api_url("groups"), {"name": "Ops"}, content_type=JSON)

    error_of(response, 401, "unauthenticated")
    assert not Group.objects.filter(display_name="Ops").exists()


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer nope",
        "Token abc",
        "Basic Zm9vOmJhcg==",
        "bearer acx_",
        "Bearer acx__",
        "Bearer acx_not-a-uuid_secret",
        "Bearer acx_3a7b0e3dfb4f476d87a1fe47d9c6faf8_secret",
        "Bearer acx_" + "f" * 32,
        "Bearer " + "a" * 20_000,
        "Bearer acx_\x00_\x00",
        "Bearer \u2603\u2603",
    ],
)
def test_api_with_a_malformed_or_unknown_token_is_401(admin_token, group, authorization):
    for client in (Client(), Client(enforce_csrf_checks=True)):
        error_of(client.get(api_url("groups"), HTTP_AUTHORIZATION=authorization), 401)
        response = client.post(
            api_url("groups"), {"name": "Ops"}, content_type=JSON, HTTP_AUTHORIZATION=authorization
        )
        error_of(response, 401, "unauthenticated")
    assert not Group.objects.filter(display_name="Ops").exists()


def test_api_with_the_right_key_id_and_a_wrong_secret_is_401(key_of, org_admin):
    key, _ = key_of(org_admin)
    forged = token_for(key, "not-the-secret")

    error_of(bearer(forged).get(api_url("groups")), 401, "unauthenticated")
    key.refresh_from_db()
    assert key.last_used_at is None


def test_api_with_a_revoked_key_is_401_on_the_very_next_request(key_of, org_admin):
    key, token = key_of(org_admin)
    client = bearer(token)
    assert client.get(api_url("groups")).status_code == 200

    api_key_revoke(key=key, actor=org_admin)

    error_of(client.get(api_url("groups")), 401, "unauthenticated")
    error_of(client.post(api_url("groups"), {"name": "Ops"}, content_type=JSON), 401)
    assert not Group.objects.filter(display_name="Ops").exists()


def test_api_with_a_key_of_a_deactivated_user_is_401(key_of, org_admin, org_member):
    _, token = key_of(org_member)
    client = bearer(token)
    assert client.get(api_url("groups")).status_code == 200

    account_services.user_set_active(user=org_member, active=False, actor=org_admin)

    error_of(client.get(api_url("groups")), 401, "unauthenticated")
    # Deactivation revoked the key (issue 15, item 3): reactivating revives no old token.
    account_services.user_set_active(user=org_member, active=True, actor=org_admin)
    error_of(client.get(api_url("groups")), 401, "unauthenticated")


def test_api_key_acts_with_the_rights_of_its_user(key_of, org_member):
    _, token = key_of(org_member)

    error_of(bearer(token).post(api_url("groups"), {"name": "Ops"}, content_type=JSON), 403)


def test_api_key_of_a_user_who_left_the_organization_is_revoked(key_of, organization, org_member):
    """Leaving revokes the person's keys there (issue 15, item 3): 401, as any revoked key
    (it was a 404 while the key lived on, and coming back revived it)."""
    _, token = key_of(org_member)

    account_services.organization_user_remove(
        organization=organization, user=org_member, actor=None
    )

    error_of(bearer(token).get(api_url("groups")), 401, "unauthenticated")


# --- the organization in the URL ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["groups", "users", "permission-sets"])
def test_api_key_of_another_organization_is_404(key_of, outsider, other_organization, path):
    _, token = key_of(outsider, other_organization)

    error_of(bearer(token).get(api_url(path)), 404, "not_found")
    assert bearer(token).get(api_url(path, "globex")).status_code == 200


def test_api_key_works_only_in_its_own_organization(
    key_of, org_admin, organization, other_organization
):
    # Ann also administers Globex; her Acme key still opens only Acme.
    account_services.organization_user_add(
        organization=other_organization, user=org_admin, admin=True, actor=None
    )
    _, token = key_of(org_admin)

    error_of(bearer(token).get(api_url("groups", "globex")), 404, "not_found")
    error_of(
        bearer(token).post(api_url("groups", "globex"), {"name": "Ops"}, content_type=JSON), 404
    )
    assert not Group.objects.filter(display_name="Ops").exists()


def test_api_of_an_unknown_organization_is_404(admin_token):
    error_of(bearer(admin_token).get(api_url("groups", "nowhere")), 404, "not_found")


# --- the browser's session ----------------------------------------------------------------------


def test_session_may_read(client, org_admin, group):
    client.force_login(org_admin)

    response = client.get(api_url("groups"))

    assert response.status_code == 200
    assert [g["name"] for g in response.json()["data"]][-1] == "Editors"


def test_session_of_another_organizations_user_is_404(client, outsider, organization):
    client.force_login(outsider)

    error_of(client.get(api_url("groups")), 404, "not_found")


def test_session_write_without_the_csrf_token_is_403(csrf_client, org_admin, group):
    csrf_client.force_login(org_admin)

    response = csrf_client.post(api_url("groups"), {"name": "Ops"}, content_type=JSON)
    deleted = csrf_client.delete(api_url(f"groups/{group.public_id}"))

    error_of(response, 403, "forbidden")
    error_of(deleted, 403, "forbidden")
    assert not Group.objects.filter(display_name="Ops").exists()
    assert Group.objects.filter(pk=group.pk).exists()


def test_session_write_with_the_csrf_token_succeeds(csrf_client, org_admin, group):
    csrf_client.force_login(org_admin)
    token = csrf_token_of(csrf_client)

    created = csrf_client.post(
        api_url("groups"), {"name": "Ops"}, content_type=JSON, HTTP_X_CSRFTOKEN=token
    )
    wrong = csrf_client.post(
        api_url("groups"), {"name": "Ops 2"}, content_type=JSON, HTTP_X_CSRFTOKEN="x" * 32
    )

    assert created.status_code == 201, created.content
    assert Group.objects.get(display_name="Ops").created_by == org_admin
    error_of(wrong, 403, "forbidden")


def test_session_is_not_needed_with_a_key(csrf_client, admin_token, org_admin):
    response = csrf_client.post(
        api_url("groups"),
        {"name": "Ops"},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {admin_token}",
    )

    assert response.status_code == 201


def test_session_of_a_deactivated_user_is_401(client, org_admin, org_member):
    client.force_login(org_member)
    account_services.user_set_active(user=org_member, active=False, actor=org_admin)

    error_of(client.get(api_url("groups")), 401, "unauthenticated")


# --- the error shape ----------------------------------------------------------------------------


def test_error_shape_of_every_status(admin_token, key_of, org_member, group, administrators):
    api = bearer(admin_token)
    _, member_token = key_of(org_member)

    error_of(Client().get(api_url("groups")), 401, "unauthenticated")
    error_of(bearer(member_token).post(api_url("groups"), {"name": "X"}, content_type=JSON), 403)
    error_of(api.get(api_url(f"groups/{uuid.uuid4()}")), 404, "not_found")
    error_of(api.delete(api_url(f"groups/{administrators.public_id}")), 409, "protected")
    error_of(api.post(api_url("groups"), {"name": ""}, content_type=JSON), 400, "invalid")


def test_error_for_a_method_the_path_does_not_have(admin_token, group):
    response = bearer(admin_token).patch(api_url("groups"), {}, content_type=JSON)

    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_error_for_a_path_the_api_does_not_have_is_404(admin_token):
    assert bearer(admin_token).get(api_url("nothing-here")).status_code == 404


# --- OpenAPI ------------------------------------------------------------------------------------


def test_openapi_schema_lists_every_operation(organization):
    response = Client().get(api_url("openapi.json"))

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    prefix = "/t/acme/api/v1"
    operations = {
        (method, path.removeprefix(prefix))
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == OPERATIONS
    for item in schema["paths"].values():
        for operation in item.values():
            assert operation["operationId"]
            assert {"ApiKeyAuth", "BrowserSession"} <= {
                name for requirement in operation["security"] for name in requirement
            }
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_openapi_operation_ids_stay_as_published(organization):
    # Clients generated from the schema name their methods after them; the code has moved.
    paths = Client().get(api_url("openapi.json")).json()["paths"]
    ids = {operation["operationId"] for item in paths.values() for operation in item.values()}
    assert {
        "groups_api_groups_groups_list",
        "groups_api_access_member_groups_add",
        "groups_api_access_resources_get",
        "groups_api_access_grants_create",
        "groups_api_access_access_check",
        "groups_api_trash_deleted_groups_restore",
    } <= ids
    assert all(i.startswith("groups_api_") for i in ids)


def test_openapi_docs_page_works_offline(organization):
    response = Client().get(api_url("docs"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "/t/acme/api/v1/openapi.json" in page
    assert re.findall(r"\bhttps?://", page) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


def test_openapi_docs_page_shows_no_organizations_data(org_admin, group):
    page = Client().get(api_url("docs")).content.decode()

    assert "Editors" not in page
    assert org_admin.email not in page


def test_api_keys_are_stored_hashed(key_of, org_admin):
    key, token = key_of(org_admin)
    secret = token.split("_", 2)[2]

    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in stored.secret_hash
    assert len(stored.secret_hash) == 64


def test_api_keys_exist_only_for_members_of_the_organization(organization, outsider):
    with pytest.raises(ValidationError, match="not in Acme"):
        api_key_create(organization=organization, name="x", user=outsider, actor=None)
    assert not ApiKey.objects.filter(user=outsider).exists()
