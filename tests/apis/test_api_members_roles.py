"""The API's members and roles (permission sets) of a group."""

import uuid

import pytest

from accounts import services as account_services
from audit.models import AuditEvent
from groups import services as group_services
from groups.models import GroupPermissionSet, Membership, PermissionSet
from tests.apis.api_helpers import JSON, error_of, group_url, query_count
from tests.conftest import make_member

USER_REF_KEYS = {"id", "email", "firstName", "lastName", "name"}
SET_KEYS = {"id", "name", "description", "protected", "capabilities"}


def member_ids(group) -> set:
    return set(Membership.objects.filter(group_id=group.pk).values_list("user_id", flat=True))


def set_names(group) -> list[str]:
    return sorted(
        GroupPermissionSet.objects.filter(group=group).values_list(
            "permission_set__name", flat=True
        )
    )


def api_events(action, group) -> list:
    return list(
        AuditEvent.objects.filter(
            action=action, target_id=str(group.public_id), channel="api"
        ).order_by("id")
    )


def default_set(key) -> PermissionSet:
    return PermissionSet.objects.get(key=key, organization=None)


@pytest.fixture
def people(organization):
    """Three more people of Acme."""
    return [
        make_member(organization, first_name=first, last_name="Doe")
        for first in ("Dee", "Eve", "Fay")
    ]


@pytest.fixture
def globex_set(other_organization):
    """A permission set of Globex's own."""
    return group_services.permission_set_create(
        organization=other_organization, name="Globex auditors", actor=None
    )


# --- members: list ------------------------------------------------------------------------------


def test_members_list_answers_members_with_who_added_them(admin_api, group, people, org_admin):
    group_services.membership_add(group=group, users=people[:2], actor=org_admin)

    response = admin_api.get(group_url(group, "/members"))

    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {
        "total": 2,
        "totalExact": True,
        "page": 1,
        "limit": 20,
        "totalPages": 1,
        "hasNextPage": False,
        "nextCursor": None,
    }
    first = body["data"][0]
    assert set(first) == {"user", "addedAt", "addedBy", "expiresAt", "direct", "via"}
    assert (first["direct"], first["via"]) == (True, [])
    assert set(first["user"]) == USER_REF_KEYS
    assert [m["user"]["id"] for m in body["data"]] == [str(p.public_id) for p in people[:2]]
    assert first["user"]["email"] == people[0].email
    assert first["addedBy"] == {"id": str(org_admin.public_id), "name": org_admin.display_name}
    assert first["expiresAt"] is None


def test_members_list_searches_and_pages(admin_api, group, people, org_admin):
    group_services.membership_add(group=group, users=people, actor=org_admin)

    found = admin_api.get(group_url(group, "/members?search=eve")).json()
    paged = admin_api.get(group_url(group, "/members?limit=2&page=2")).json()

    assert [m["user"]["firstName"] for m in found["data"]] == ["Eve"]
    assert [m["user"]["firstName"] for m in paged["data"]] == ["Fay"]
    assert paged["meta"]["totalPages"] == 2
    error_of(admin_api.get(group_url(group, "/members?limit=101")), 400, "invalid")
    error_of(admin_api.get(group_url(group, "/members"), {"search": "eve\x00"}), 400, "invalid")


def test_members_list_is_hidden_from_a_member_without_rights(member_api, group):
    error_of(member_api.get(group_url(group, "/members")), 404, "not_found")


def test_members_list_runs_the_same_queries_for_1_and_20_members(
    admin_api, organization, group, org_admin
):
    group_services.membership_add(
        group=group, users=[make_member(organization, last_name="Member")], actor=org_admin
    )
    one, body = query_count(admin_api, group_url(group, "/members"))
    assert len(body["data"]) == 1

    more = [make_member(organization, last_name="Member") for _ in range(19)]
    group_services.membership_add(group=group, users=more, actor=org_admin)
    twenty, body = query_count(admin_api, group_url(group, "/members"))
    assert len(body["data"]) == 20

    assert one == twenty


# --- members: add -------------------------------------------------------------------------------


def test_members_add_one_works_as_seed_001_calls_it(admin_api, group, people, org_admin):
    response = admin_api.post(
        group_url(group, "/members"), {"userId": str(people[0].public_id)}, content_type=JSON
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"added", "alreadyMembers"}
    assert [u["id"] for u in body["added"]] == [str(people[0].public_id)]
    assert set(body["added"][0]) == USER_REF_KEYS
    assert body["alreadyMembers"] == []
    membership = Membership.objects.get(group_id=group.pk, user=people[0])
    assert membership.added_by == org_admin
    [event] = api_events("membership.added", group)
    assert event.actor == org_admin
    assert event.after["user_id"] == str(people[0].public_id)


def test_members_add_several_at_once(manager_api, group, people, group_manager):
    response = manager_api.post(
        group_url(group, "/members"),
        {"userIds": [str(p.public_id) for p in people]},
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    assert {u["id"] for u in response.json()["added"]} == {str(p.public_id) for p in people}
    assert member_ids(group) == {p.pk for p in people}
    events = api_events("membership.added", group)
    assert len(events) == 3
    assert {event.actor for event in events} == {group_manager}


def test_members_add_leaves_existing_members_as_they_are(admin_api, group, people, org_admin):
    group_services.membership_add(group=group, users=[people[0]], actor=org_admin)
    before = Membership.objects.get(group_id=group.pk, user=people[0]).added_at

    again = admin_api.post(
        group_url(group, "/members"), {"userId": str(people[0].public_id)}, content_type=JSON
    )
    mixed = admin_api.post(
        group_url(group, "/members"),
        {"userIds": [str(people[0].public_id), str(people[1].public_id)]},
        content_type=JSON,
    )

    assert again.status_code == 200
    assert again.json() == {
        "added": [],
        "alreadyMembers": [
            {
                "id": str(people[0].public_id),
                "email": people[0].email,
                "firstName": "Dee",
                "lastName": "Doe",
                "name": people[0].display_name,
            }
        ],
    }
    assert mixed.status_code == 201
    assert [u["id"] for u in mixed.json()["added"]] == [str(people[1].public_id)]
    assert [u["id"] for u in mixed.json()["alreadyMembers"]] == [str(people[0].public_id)]
    assert Membership.objects.get(group_id=group.pk, user=people[0]).added_at == before
    assert len(api_events("membership.added", group)) == 1


def test_members_add_counts_a_repeated_id_once(admin_api, group, people):
    user_id = str(people[0].public_id)

    response = admin_api.post(
        group_url(group, "/members"), {"userIds": [user_id, user_id]}, content_type=JSON
    )

    assert response.status_code == 201
    assert [u["id"] for u in response.json()["added"]] == [user_id]
    assert member_ids(group) == {people[0].pk}


def test_members_add_is_all_or_nothing_for_an_unknown_id(admin_api, group, people):
    response = admin_api.post(
        group_url(group, "/members"),
        {"userIds": [str(people[0].public_id), str(uuid.uuid4())]},
        content_type=JSON,
    )

    error_of(response, 404, "not_found")
    assert member_ids(group) == set()
    assert api_events("membership.added", group) == []


def test_members_add_is_all_or_nothing_for_another_organizations_user(
    admin_api, group, people, stranger, outsider
):
    for foreigner in (stranger, outsider):
        error_of(
            admin_api.post(
                group_url(group, "/members"),
                {"userIds": [str(people[0].public_id), str(foreigner.public_id)]},
                content_type=JSON,
            ),
            404,
            "not_found",
        )
        error_of(
            admin_api.post(
                group_url(group, "/members"),
                {"userId": str(foreigner.public_id)},
                content_type=JSON,
            ),
            404,
            "not_found",
        )
    assert member_ids(group) == set()


def test_members_add_refuses_a_deactivated_user(admin_api, group, people):
    account_services.user_set_active(user=people[0], active=False, actor=None)

    body = error_of(
        admin_api.post(
            group_url(group, "/members"), {"userId": str(people[0].public_id)}, content_type=JSON
        ),
        400,
        "invalid",
    )

    assert body["details"]
    assert member_ids(group) == set()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"userId": None},
        {"userIds": []},
        {"userId": "USER", "userIds": ["USER"]},
        {"userId": "not-a-uuid"},
        {"userId": 7},
        {"userIds": "USER"},
        {"userIds": [1, 2]},
        {"userIds": [None]},
        {"userIds": ["USER"] * 1001},
        {"userId": "USER", "role": "admin"},
        {"userId": "USER\x00"},
    ],
)
def test_members_add_refuses_bad_bodies_with_400(admin_api, group, people, payload):
    user_id = str(people[0].public_id)
    payload = {
        key: [user_id if v == "USER" else v for v in value]
        if isinstance(value, list)
        else (user_id if value == "USER" else value)
        for key, value in payload.items()
    }

    error_of(admin_api.post(group_url(group, "/members"), payload, content_type=JSON), 400)
    assert member_ids(group) == set()


@pytest.mark.parametrize("raw", ["{bad", "", "[]", "null", '"x"'])
def test_members_add_refuses_a_body_that_is_not_an_object(admin_api, group, raw):
    error_of(admin_api.post(group_url(group, "/members"), raw, content_type=JSON), 400, "invalid")


def test_members_add_is_refused_to_a_viewer_with_403(api_for, viewer, group, people):
    client = api_for(viewer)

    error_of(
        client.post(
            group_url(group, "/members"), {"userId": str(people[0].public_id)}, content_type=JSON
        ),
        403,
        "forbidden",
    )
    assert member_ids(group) == set()


def test_members_add_is_hidden_from_a_member_without_rights(member_api, group, org_member):
    error_of(
        member_api.post(
            group_url(group, "/members"), {"userId": str(org_member.public_id)}, content_type=JSON
        ),
        404,
        "not_found",
    )
    assert member_ids(group) == set()


def test_members_add_to_the_users_group_is_409(admin_api, users_group, people):
    before = member_ids(users_group)

    response = admin_api.post(
        group_url(users_group, "/members"), {"userId": str(people[0].public_id)}, content_type=JSON
    )

    error_of(response, 409, "protected")
    assert member_ids(users_group) == before


def test_members_add_to_administrators_makes_an_administrator(
    admin_api, administrators, people, org_admin
):
    response = admin_api.post(
        group_url(administrators, "/members"),
        {"userId": str(people[0].public_id)},
        content_type=JSON,
    )

    assert response.status_code == 201
    assert member_ids(administrators) == {org_admin.pk, people[0].pk}


def test_members_add_to_another_organizations_group_is_404(
    admin_api, other_organization, outsider, people
):
    theirs = group_services.group_create(
        organization=other_organization, display_name="Globex Ops", actor=outsider
    )
    url = f"/t/acme/api/v1/groups/{theirs.public_id}/members"

    error_of(admin_api.post(url, {"userId": str(people[0].public_id)}, content_type=JSON), 404)
    assert member_ids(theirs) == set()


# --- members: remove ----------------------------------------------------------------------------


def test_members_remove_takes_the_user_out(admin_api, group, people, org_admin):
    group_services.membership_add(group=group, users=people[:2], actor=org_admin)

    response = admin_api.delete(group_url(group, f"/members/{people[0].public_id}"))

    assert response.status_code == 204
    assert response.content == b""
    assert member_ids(group) == {people[1].pk}
    [event] = api_events("membership.removed", group)
    assert event.actor == org_admin
    assert event.before["user_id"] == str(people[0].public_id)


def test_members_remove_of_a_non_member_is_a_no_op(manager_api, group, people):
    response = manager_api.delete(group_url(group, f"/members/{people[0].public_id}"))

    assert response.status_code == 204
    assert api_events("membership.removed", group) == []


@pytest.mark.parametrize("kind", ["unknown", "malformed", "stranger", "outsider"])
def test_members_remove_of_someone_outside_the_organization_is_404(
    admin_api, group, stranger, outsider, kind
):
    user_id = {
        "unknown": str(uuid.uuid4()),
        "malformed": "not-a-uuid",
        "stranger": str(stranger.public_id),
        "outsider": str(outsider.public_id),
    }[kind]

    error_of(admin_api.delete(group_url(group, f"/members/{user_id}")), 404, "not_found")


def test_members_remove_of_the_last_administrator_is_409(admin_api, administrators, org_admin):
    response = admin_api.delete(group_url(administrators, f"/members/{org_admin.public_id}"))

    body = error_of(response, 409, "last_administrator")
    assert "last administrator" in body["message"]
    assert member_ids(administrators) == {org_admin.pk}


def test_members_remove_of_an_administrator_when_another_remains(
    admin_api, administrators, organization, org_admin
):
    second = make_member(organization, admin=True, first_name="Al", last_name="Two")

    response = admin_api.delete(group_url(administrators, f"/members/{org_admin.public_id}"))

    assert response.status_code == 204
    assert member_ids(administrators) == {second.pk}


def test_members_remove_from_the_users_group_is_409(admin_api, users_group, org_member):
    error_of(
        admin_api.delete(group_url(users_group, f"/members/{org_member.public_id}")),
        409,
        "protected",
    )
    assert org_member.pk in member_ids(users_group)


def test_members_remove_is_refused_to_a_viewer_with_403(api_for, viewer, group, people, org_admin):
    group_services.membership_add(group=group, users=[people[0]], actor=org_admin)

    response = api_for(viewer).delete(group_url(group, f"/members/{people[0].public_id}"))

    error_of(response, 403, "forbidden")
    assert member_ids(group) == {people[0].pk}


# --- roles: list --------------------------------------------------------------------------------


def test_roles_list_answers_the_groups_permission_sets(admin_api, administrators):
    response = admin_api.get(group_url(administrators, "/roles"))

    assert response.status_code == 200
    [role] = response.json()
    assert set(role) == SET_KEYS
    assert role["id"] == str(default_set("administrator").public_id)
    assert role["name"] == "Administrator"
    assert role["protected"] is True
    assert "create_groups" in role["capabilities"]
    assert role["capabilities"] == sorted(role["capabilities"])


def test_roles_list_is_open_to_a_holder_of_rights(manager_api, group):
    response = manager_api.get(group_url(group, "/roles"))

    assert response.status_code == 200
    assert response.json() == []


def test_roles_list_is_hidden_from_a_member_without_rights(member_api, group):
    error_of(member_api.get(group_url(group, "/roles")), 404, "not_found")


def test_roles_list_runs_the_same_queries_for_1_and_20_sets(
    admin_api, organization, group, org_admin
):
    def give(n):
        permission_set = group_services.permission_set_create(
            organization=organization,
            name=f"Set {n:02d}",
            permissions=["view_groups", "view_audit_log"],
            actor=org_admin,
        )
        group_services.group_permission_set_add(
            group=group, permission_set=permission_set, actor=org_admin
        )

    give(1)
    one, body = query_count(admin_api, group_url(group, "/roles"))
    assert len(body) == 1
    assert body[0]["capabilities"] == ["view_audit_log", "view_groups"]

    for n in range(2, 21):
        give(n)
    twenty, body = query_count(admin_api, group_url(group, "/roles"))
    assert len(body) == 20

    assert one == twenty


# --- roles: add, replace, remove ----------------------------------------------------------------


def test_roles_add_works_as_seed_001_calls_it(admin_api, group, org_admin):
    role = default_set("read-only")

    response = admin_api.post(
        group_url(group, "/roles"), {"roleId": str(role.public_id)}, content_type=JSON
    )

    assert response.status_code == 201, response.content
    assert [r["id"] for r in response.json()] == [str(role.public_id)]
    assert set_names(group) == ["Read only"]
    [event] = api_events("group.permission_set_added", group)
    assert event.actor == org_admin
    assert event.after == {"permission_set": "Read only", "id": str(role.public_id)}


def test_roles_add_of_a_set_already_held_is_a_no_op(admin_api, group, org_admin):
    role = default_set("read-only")
    group_services.group_permission_set_add(group=group, permission_set=role, actor=org_admin)

    response = admin_api.post(
        group_url(group, "/roles"), {"roleId": str(role.public_id)}, content_type=JSON
    )

    assert response.status_code == 200
    assert [r["name"] for r in response.json()] == ["Read only"]
    assert api_events("group.permission_set_added", group) == []


def test_roles_add_gives_members_the_capabilities(admin_api, api_for, group, org_member, org_admin):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    member_api = api_for(org_member)
    error_of(member_api.post("/t/acme/api/v1/groups", {"name": "Ops"}, content_type=JSON), 403)

    admin_api.post(
        group_url(group, "/roles"),
        {"roleId": str(default_set("administrator").public_id)},
        content_type=JSON,
    )

    assert (
        member_api.post("/t/acme/api/v1/groups", {"name": "Ops"}, content_type=JSON).status_code
        == 201
    )


def test_roles_add_of_an_organizations_own_set(admin_api, organization, group, org_admin):
    own = group_services.permission_set_create(
        organization=organization, name="Auditors", permissions=["view_audit_log"], actor=None
    )

    response = admin_api.post(
        group_url(group, "/roles"), {"roleId": str(own.public_id)}, content_type=JSON
    )

    assert response.status_code == 201
    assert response.json()[0]["capabilities"] == ["view_audit_log"]


@pytest.mark.parametrize("which", ["unknown", "globex"])
def test_roles_add_of_a_set_outside_the_organization_is_404(admin_api, group, globex_set, which):
    role_id = str(uuid.uuid4()) if which == "unknown" else str(globex_set.public_id)

    error_of(
        admin_api.post(group_url(group, "/roles"), {"roleId": role_id}, content_type=JSON),
        404,
        "not_found",
    )
    assert set_names(group) == []


@pytest.mark.parametrize(
    "payload",
    [{}, {"roleId": None}, {"roleId": "admin"}, {"roleId": 3}, {"roleId": ["x"]}, {"roles": []}],
)
def test_roles_add_refuses_bad_bodies_with_400(admin_api, group, payload):
    error_of(admin_api.post(group_url(group, "/roles"), payload, content_type=JSON), 400, "invalid")


def test_roles_add_is_refused_to_a_group_manager_with_403(manager_api, group):
    response = manager_api.post(
        group_url(group, "/roles"),
        {"roleId": str(default_set("administrator").public_id)},
        content_type=JSON,
    )

    error_of(response, 403, "forbidden")
    assert set_names(group) == []


def test_roles_add_is_hidden_from_a_member_without_rights(member_api, group):
    response = member_api.post(
        group_url(group, "/roles"),
        {"roleId": str(default_set("administrator").public_id)},
        content_type=JSON,
    )

    error_of(response, 404, "not_found")


def test_roles_of_a_default_group_cannot_change(admin_api, administrators, users_group):
    read_only = str(default_set("read-only").public_id)
    administrator = str(default_set("administrator").public_id)
    full_access = str(default_set("full-access").public_id)

    error_of(
        admin_api.post(group_url(users_group, "/roles"), {"roleId": read_only}, content_type=JSON),
        409,
        "protected",
    )
    error_of(
        admin_api.put(group_url(administrators, "/roles"), {"roles": []}, content_type=JSON),
        409,
        "protected",
    )
    error_of(
        admin_api.put(
            group_url(users_group, "/roles"), {"roles": [full_access, read_only]}, content_type=JSON
        ),
        409,
        "protected",
    )
    error_of(
        admin_api.delete(group_url(administrators, f"/roles/{administrator}")), 409, "protected"
    )

    assert set_names(administrators) == ["Administrator"]
    assert set_names(users_group) == ["Full access"]


def test_roles_replace_sets_exactly_the_sets_given(admin_api, organization, group, org_admin):
    own = group_services.permission_set_create(organization=organization, name="Own", actor=None)
    group_services.group_permission_set_add(
        group=group, permission_set=default_set("read-only"), actor=org_admin
    )

    response = admin_api.put(
        group_url(group, "/roles"),
        {"roles": [str(default_set("administrator").public_id), str(own.public_id)]},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    assert [r["name"] for r in response.json()] == ["Administrator", "Own"]
    assert set_names(group) == ["Administrator", "Own"]
    assert len(api_events("group.permission_set_added", group)) == 2
    assert len(api_events("group.permission_set_removed", group)) == 1


def test_roles_replace_with_an_empty_list_removes_them_all(admin_api, group, org_admin):
    for key in ("read-only", "administrator"):
        group_services.group_permission_set_add(
            group=group, permission_set=default_set(key), actor=org_admin
        )

    response = admin_api.put(group_url(group, "/roles"), {"roles": []}, content_type=JSON)

    assert response.status_code == 200
    assert response.json() == []
    assert set_names(group) == []
    assert len(api_events("group.permission_set_removed", group)) == 2


def test_roles_replace_with_the_same_sets_changes_nothing(admin_api, group, org_admin):
    role = default_set("read-only")
    group_services.group_permission_set_add(group=group, permission_set=role, actor=org_admin)

    response = admin_api.put(
        group_url(group, "/roles"),
        {"roles": [str(role.public_id), str(role.public_id)]},
        content_type=JSON,
    )

    assert response.status_code == 200
    assert set_names(group) == ["Read only"]
    assert AuditEvent.objects.filter(channel="api").count() == 0


def test_roles_replace_is_all_or_nothing(admin_api, group, globex_set, org_admin):
    group_services.group_permission_set_add(
        group=group, permission_set=default_set("read-only"), actor=org_admin
    )

    for stray in (str(globex_set.public_id), str(uuid.uuid4())):
        error_of(
            admin_api.put(
                group_url(group, "/roles"),
                {"roles": [str(default_set("administrator").public_id), stray]},
                content_type=JSON,
            ),
            404,
            "not_found",
        )

    assert set_names(group) == ["Read only"]


@pytest.mark.parametrize(
    "payload",
    [{}, {"roles": None}, {"roles": "x"}, {"roles": ["x"]}, {"roles": [1]}, {"roleId": "x"}],
)
def test_roles_replace_refuses_bad_bodies_with_400(admin_api, group, payload):
    error_of(admin_api.put(group_url(group, "/roles"), payload, content_type=JSON), 400, "invalid")


def test_roles_replace_is_refused_to_a_group_manager_with_403(manager_api, group):
    error_of(manager_api.put(group_url(group, "/roles"), {"roles": []}, content_type=JSON), 403)


def test_roles_remove_takes_the_set_away(admin_api, group, org_admin):
    role = default_set("read-only")
    group_services.group_permission_set_add(group=group, permission_set=role, actor=org_admin)

    response = admin_api.delete(group_url(group, f"/roles/{role.public_id}"))

    assert response.status_code == 204
    assert set_names(group) == []
    [event] = api_events("group.permission_set_removed", group)
    assert event.actor == org_admin


def test_roles_remove_of_a_set_not_held_is_a_no_op(admin_api, group):
    response = admin_api.delete(group_url(group, f"/roles/{default_set('read-only').public_id}"))

    assert response.status_code == 204
    assert api_events("group.permission_set_removed", group) == []


@pytest.mark.parametrize("which", ["unknown", "malformed", "globex"])
def test_roles_remove_of_a_set_outside_the_organization_is_404(admin_api, group, globex_set, which):
    role_id = {"unknown": str(uuid.uuid4()), "malformed": "x", "globex": str(globex_set.public_id)}

    error_of(admin_api.delete(group_url(group, f"/roles/{role_id[which]}")), 404, "not_found")


def test_roles_remove_is_refused_to_a_group_manager_with_403(manager_api, group, org_admin):
    role = default_set("read-only")
    group_services.group_permission_set_add(group=group, permission_set=role, actor=org_admin)

    error_of(manager_api.delete(group_url(group, f"/roles/{role.public_id}")), 403, "forbidden")
    assert set_names(group) == ["Read only"]
