"""The API's users (list, search, one, their groups, their permissions) and permission sets."""

import uuid

import pytest

from accounts import services as account_services
from groups import services as group_services
from groups.models import PermissionSet
from tests.apis.api_helpers import api_url, error_of, query_count
from tests.conftest import make_member

USER_KEYS = {"id", "email", "firstName", "lastName", "name", "isActive"}
RIGHTS = ["change_group", "delete_group", "manage_members", "view_group"]


def user_url(user, suffix=""):
    return api_url(f"users/{user.public_id}{suffix}")


def capabilities_of(*keys) -> list[str]:
    """The capabilities the default permission sets ``keys`` hold together."""
    return sorted(
        set(
            PermissionSet.objects.filter(key__in=keys, organization=None).values_list(
                "permissions__codename", flat=True
            )
        )
    )


# --- users: list and search ---------------------------------------------------------------------


def test_users_list_answers_the_organizations_users(
    member_api, org_admin, org_member, group_manager, stranger
):
    response = member_api.get(api_url("users"))

    assert response.status_code == 200
    body = response.json()
    assert [u["name"] for u in body["data"]] == ["Bo Chen", "Cy Diaz", "Ann Lee"]
    assert body["meta"] == {
        "total": 3,
        "totalExact": True,
        "page": 1,
        "limit": 20,
        "totalPages": 1,
        "hasNextPage": False,
        "nextCursor": None,
    }
    first = body["data"][0]
    assert set(first) == USER_KEYS
    assert first == {
        "id": str(org_member.public_id),
        "email": org_member.email,
        "firstName": "Bo",
        "lastName": "Chen",
        "name": "Bo Chen",
        "isActive": True,
    }


def test_users_list_pages(admin_api, organization):
    for n in range(4):
        make_member(organization, first_name=f"P{n}", last_name="Zz")

    body = admin_api.get(api_url("users?limit=2&page=3")).json()

    assert [u["firstName"] for u in body["data"]] == ["P3"]
    assert body["meta"]["totalPages"] == 3
    assert body["meta"]["hasNextPage"] is False
    error_of(admin_api.get(api_url("users?limit=101")), 400, "invalid")
    error_of(admin_api.get(api_url("users?page=0")), 400, "invalid")


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("lee", ["Ann Lee"]),
        ("ANN", ["Ann Lee"]),
        ("chen", ["Bo Chen"]),
        ("acme.test", ["Di Ng"]),
        ("bo chen", ["Bo Chen"]),
        ("  bo   chen ", ["Bo Chen"]),
        ("glo", []),
        ("nobody", []),
        ("", ["Bo Chen", "Ann Lee", "Di Ng"]),
    ],
)
def test_users_list_searches_first_last_name_and_email(
    member_api, organization, org_admin, stranger, search, names
):
    make_member(organization, first_name="Di", last_name="Ng", email="di@acme.test")

    body = member_api.get(api_url("users"), {"search": search}).json()

    assert [u["name"] for u in body["data"]] == names
    assert body["meta"]["total"] == len(names)


@pytest.mark.parametrize("search", ["a", "ab", " a b ", "  "])
def test_users_list_search_needs_three_characters(admin_api, search):
    body = error_of(admin_api.get(api_url("users"), {"search": search}), 400, "invalid")

    assert "3 characters" in body["message"]


@pytest.mark.parametrize(
    ("search", "status"),
    [
        ("ab\x00c", 400),
        ("\x00\x00\x00", 400),
        ("lee\x00", 400),
        ("x" * 5000, 200),
        ("%_%", 200),
        ("\\'\"", 200),
    ],
)
def test_users_list_search_never_fails_with_500(admin_api, org_member, search, status):
    response = admin_api.get(api_url("users"), {"search": search})

    if status == 200:
        assert response.status_code == 200
        assert response.json()["data"] == []
    else:
        error_of(response, 400, "invalid")


@pytest.mark.parametrize("query", ["search=%ED%A0%80abc", "search=%FF%FE%FD", "search=%C0%80abc"])
def test_users_list_search_survives_bytes_that_are_not_utf8(admin_api, org_member, query):
    response = admin_api.get(api_url(f"users?{query}"))

    assert response.status_code == 200
    assert response.json()["data"] == []


def test_users_list_of_another_organization_is_404(api_for, outsider, other_organization):
    client = api_for(outsider, other_organization)

    error_of(client.get(api_url("users")), 404, "not_found")
    assert client.get(api_url("users", "globex")).status_code == 200


def test_users_list_runs_the_same_queries_for_1_and_20_users(admin_api, organization):
    make_member(organization, last_name="Tester")
    one, body = query_count(admin_api, api_url("users?search=tester"))
    assert len(body["data"]) == 1

    for _ in range(19):
        make_member(organization, last_name="Tester")
    twenty, body = query_count(admin_api, api_url("users?search=tester"))
    assert len(body["data"]) == 20

    assert one == twenty


# --- one user -----------------------------------------------------------------------------------


def test_users_get_answers_the_user(member_api, org_admin):
    response = member_api.get(user_url(org_admin))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(org_admin.public_id),
        "email": org_admin.email,
        "firstName": "Ann",
        "lastName": "Lee",
        "name": "Ann Lee",
        "isActive": True,
    }


def test_users_get_shows_a_deactivated_user_as_inactive(admin_api, org_member):
    account_services.user_set_active(user=org_member, active=False, actor=None)

    assert admin_api.get(user_url(org_member)).json()["isActive"] is False


@pytest.mark.parametrize("kind", ["stranger", "outsider", "unknown", "malformed"])
def test_users_get_of_someone_outside_the_organization_is_404(admin_api, stranger, outsider, kind):
    user_id = {
        "stranger": str(stranger.public_id),
        "outsider": str(outsider.public_id),
        "unknown": str(uuid.uuid4()),
        "malformed": "12",
    }[kind]

    for suffix in ("", "/groups", "/permissions"):
        error_of(admin_api.get(api_url(f"users/{user_id}{suffix}")), 404, "not_found")


# --- a user's groups ----------------------------------------------------------------------------


def test_users_groups_lists_the_groups_the_user_is_in(admin_api, group, org_member, org_admin):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)

    response = admin_api.get(user_url(org_member, "/groups"))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": str(group_services.default_group(group.organization, "users").public_id),
            "name": "Acme Users",
            "kind": "users",
            "protected": True,
        },
        {"id": str(group.public_id), "name": "Editors", "kind": "custom", "protected": False},
    ]


def test_users_groups_shows_only_groups_the_caller_may_see(
    manager_api, member_api, group, org_member, org_admin
):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)

    assert [g["name"] for g in manager_api.get(user_url(org_member, "/groups")).json()] == [
        "Editors"
    ]
    assert member_api.get(user_url(org_member, "/groups")).json() == []


def test_users_groups_runs_the_same_queries_for_1_and_20_groups(
    admin_api, organization, org_admin, org_member
):
    def join(n):
        team = group_services.group_create(
            organization=organization, display_name=f"Team {n:02d}", actor=org_admin
        )
        group_services.membership_add(group=team, users=[org_member], actor=org_admin)

    one, body = query_count(admin_api, user_url(org_member, "/groups"))
    assert len(body) == 1  # Acme Users

    for n in range(19):
        join(n)
    twenty, body = query_count(admin_api, user_url(org_member, "/groups"))
    assert len(body) == 20

    assert one == twenty


# --- a user's permissions -----------------------------------------------------------------------


def test_users_permissions_of_an_administrator(admin_api, org_admin, organization, group):
    response = admin_api.get(user_url(org_admin, "/permissions"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "organization", "capabilities", "permissionSets", "groupRights"}
    assert body["user"]["id"] == str(org_admin.public_id)
    assert body["organization"] == {
        "id": str(organization.public_id),
        "name": "Acme",
        "slug": "acme",
    }
    assert "manage_users" in body["capabilities"]
    assert body["capabilities"] == capabilities_of("administrator", "full-access")
    assert [s["name"] for s in body["permissionSets"]] == ["Administrator", "Full access"]
    # Ann created Editors, so she holds every right on it.
    assert body["groupRights"] == {str(group.public_id): RIGHTS}


def test_users_permissions_of_oneself_without_managing_users(manager_api, group_manager, group):
    response = manager_api.get(user_url(group_manager, "/permissions"))

    assert response.status_code == 200
    body = response.json()
    assert body["capabilities"] == capabilities_of("full-access")
    assert "create_groups" not in body["capabilities"]
    assert [s["name"] for s in body["permissionSets"]] == ["Full access"]
    assert body["groupRights"] == {str(group.public_id): RIGHTS}


def test_users_permissions_of_someone_else_needs_managing_users(
    admin_api, manager_api, member_api, group_manager, org_member
):
    error_of(member_api.get(user_url(group_manager, "/permissions")), 403, "forbidden")
    error_of(manager_api.get(user_url(org_member, "/permissions")), 403, "forbidden")
    assert admin_api.get(user_url(org_member, "/permissions")).json()["groupRights"] == {}


# --- permission sets ----------------------------------------------------------------------------


def test_permission_sets_list_answers_defaults_then_the_organizations_own(
    member_api, organization, other_organization
):
    own = group_services.permission_set_create(
        organization=organization, name="Auditors", permissions=["view_audit_log"], actor=None
    )
    group_services.permission_set_create(
        organization=other_organization, name="Globex only", actor=None
    )

    response = member_api.get(api_url("permission-sets"))

    assert response.status_code == 200
    body = response.json()
    assert [s["name"] for s in body["data"]] == [
        "Administrator",
        "Full access",
        "Read only",
        "Auditors",
    ]
    assert body["meta"]["total"] == 4
    assert body["data"][3] == {
        "id": str(own.public_id),
        "name": "Auditors",
        "description": "",
        "protected": False,
        "capabilities": ["view_audit_log"],
    }
    read_only = PermissionSet.objects.get(key="read-only")
    assert body["data"][2]["id"] == str(read_only.public_id)
    assert body["data"][2]["capabilities"] == capabilities_of("read-only")


def test_permission_sets_list_pages(admin_api):
    body = admin_api.get(api_url("permission-sets?limit=2&page=2")).json()

    assert [s["name"] for s in body["data"]] == ["Read only"]
    assert body["meta"]["totalPages"] == 2
    error_of(admin_api.get(api_url("permission-sets?limit=500")), 400, "invalid")


def test_permission_sets_list_of_another_organization_is_404(api_for, outsider, other_organization):
    error_of(api_for(outsider, other_organization).get(api_url("permission-sets")), 404)


def test_permission_sets_list_runs_the_same_queries_for_1_and_20_sets(admin_api, organization):
    one, body = query_count(admin_api, api_url("permission-sets?limit=1"))
    assert len(body["data"]) == 1

    for n in range(17):
        group_services.permission_set_create(
            organization=organization,
            name=f"Set {n:02d}",
            permissions=["view_groups", "manage_members"],
            actor=None,
        )
    twenty, body = query_count(admin_api, api_url("permission-sets?limit=20"))
    assert len(body["data"]) == 20
    assert body["data"][-1]["capabilities"] == ["manage_members", "view_groups"]

    assert one == twenty
