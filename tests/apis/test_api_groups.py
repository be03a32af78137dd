"""The API's groups: list (pages and cursor), create, get, PUT, PATCH, DELETE."""

import base64
import json

import pytest
from django.db import connection

from audit.models import AuditEvent
from groups import services as group_services
from groups.models import Group
from groups.queries import groups as group_queries
from tests.apis.api_helpers import JSON, api_url, error_of, query_count
from tests.conftest import make_member

META_KEYS = {"total", "page", "limit", "totalPages", "hasNextPage", "nextCursor"}
GROUP_KEYS = {
    "id",
    "name",
    "slug",
    "description",
    "kind",
    "protected",
    "memberCount",
    "memberCountExact",
    "organization",
    "createdAt",
    "updatedAt",
}


def group_url(group, suffix=""):
    return api_url(f"groups/{group.public_id}{suffix}")


def api_events(action, group_id) -> list:
    return list(AuditEvent.objects.filter(action=action, target_id=str(group_id), channel="api"))


def make_groups(organization, actor, count, *, start=1):
    return [
        group_services.group_create(
            organization=organization, display_name=f"Team {n:02d}", actor=actor
        )
        for n in range(start, start + count)
    ]


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- list ---------------------------------------------------------------------------------------


def test_groups_list_answers_data_and_meta(admin_api, organization, group, administrators):
    response = admin_api.get(api_url("groups"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "meta"}
    assert body["meta"] == {
        "total": 3,
        "totalExact": True,
        "page": 1,
        "limit": 20,
        "totalPages": 1,
        "hasNextPage": False,
        "nextCursor": None,
    }
    assert [g["name"] for g in body["data"]] == ["Acme Administrators", "Acme Users", "Editors"]
    first = body["data"][0]
    assert set(first) == GROUP_KEYS
    assert first["id"] == str(administrators.public_id)
    assert first["kind"] == "administrators"
    assert first["protected"] is True
    assert first["memberCount"] == 1
    assert first["organization"] == {
        "id": str(organization.public_id),
        "name": "Acme",
        "slug": "acme",
    }
    assert body["data"][2]["protected"] is False


def test_groups_list_pages_by_limit(admin_api, organization, org_admin):
    make_groups(organization, org_admin, 5)

    body = admin_api.get(api_url("groups?limit=2&page=2")).json()

    assert [g["name"] for g in body["data"]] == ["Team 01", "Team 02"]
    cursor = body["meta"].pop("nextCursor")
    assert isinstance(cursor, str) and cursor
    assert body["meta"] == {
        "total": 7,
        "totalExact": True,
        "page": 2,
        "limit": 2,
        "totalPages": 4,
        "hasNextPage": True,
    }
    # The cursor of page 2 leads to page 3.
    after = admin_api.get(api_url(f"groups?limit=2&cursor={cursor}")).json()
    assert [g["name"] for g in after["data"]] == ["Team 03", "Team 04"]
    last = admin_api.get(api_url("groups?limit=2&page=4")).json()
    assert [g["name"] for g in last["data"]] == ["Team 05"]
    assert last["meta"]["hasNextPage"] is False
    beyond = admin_api.get(api_url("groups?limit=2&page=9")).json()
    assert beyond["data"] == []
    assert beyond["meta"]["hasNextPage"] is False


def test_groups_list_limit_defaults_to_20_and_stops_at_100(admin_api, organization, org_admin):
    make_groups(organization, org_admin, 23)

    default = admin_api.get(api_url("groups")).json()
    widest = admin_api.get(api_url("groups?limit=100")).json()

    assert len(default["data"]) == 20
    assert default["meta"]["limit"] == 20
    assert default["meta"]["totalPages"] == 2
    assert default["meta"]["hasNextPage"] is True
    assert len(widest["data"]) == 25
    assert widest["meta"]["hasNextPage"] is False


@pytest.mark.parametrize(
    "query",
    ["limit=101", "limit=0", "limit=-5", "page=0", "page=-1", "limit=abc", "page=1e3", "limit="],
)
def test_groups_list_refuses_bad_paging(admin_api, query):
    error_of(admin_api.get(api_url(f"groups?{query}")), 400, "invalid")


def test_groups_list_searches_names(admin_api, organization, group, org_admin):
    make_groups(organization, org_admin, 3)

    body = admin_api.get(api_url("groups?search=team 0")).json()

    assert [g["name"] for g in body["data"]] == ["Team 01", "Team 02", "Team 03"]
    assert body["meta"]["total"] == 3


@pytest.mark.parametrize(
    ("search", "status"),
    [("Edi\x00", 400), ("\x00", 400), ("%", 200), ("_", 200), ("x" * 5000, 200), ("'; --", 200)],
)
def test_groups_list_search_never_fails_with_500(admin_api, group, search, status):
    response = admin_api.get(api_url("groups"), {"search": search})

    if status == 200:
        assert response.status_code == 200
        assert response.json()["data"] == []
    else:
        assert list(error_of(response, 400, "invalid")["details"]) == ["search"]


def test_groups_list_shows_only_groups_the_caller_may_see(
    member_api, manager_api, group, org_member
):
    assert member_api.get(api_url("groups")).json()["data"] == []
    body = manager_api.get(api_url("groups")).json()
    assert [g["id"] for g in body["data"]] == [str(group.public_id)]


def test_groups_list_of_another_organization_is_404(outsider_api, group):
    error_of(outsider_api.get(api_url("groups")), 404, "not_found")


def test_groups_list_cursor_walks_every_group_once_in_order(admin_api, organization, org_admin):
    make_groups(organization, org_admin, 12)
    for name in ["alpha", "Beta", "Émile", "zulu", "Zeta"]:
        group_services.group_create(organization=organization, display_name=name, actor=org_admin)
    expected = [g["id"] for g in admin_api.get(api_url("groups?limit=100")).json()["data"]]

    seen = []
    body = admin_api.get(api_url("groups?limit=4")).json()
    seen += [g["id"] for g in body["data"]]
    while body["meta"]["nextCursor"]:
        body = admin_api.get(api_url(f"groups?limit=4&cursor={body['meta']['nextCursor']}")).json()
        assert body["meta"]["total"] == len(expected)
        seen += [g["id"] for g in body["data"]]

    assert len(expected) == 19
    assert seen == expected
    assert body["meta"]["hasNextPage"] is False


def test_groups_list_cursor_follows_search(admin_api, organization, org_admin, group):
    make_groups(organization, org_admin, 5)

    first = admin_api.get(api_url("groups?search=team&limit=3")).json()
    rest = admin_api.get(
        api_url(f"groups?search=team&limit=3&cursor={first['meta']['nextCursor']}")
    ).json()

    names = [g["name"] for g in first["data"] + rest["data"]]
    assert names == ["Team 01", "Team 02", "Team 03", "Team 04", "Team 05"]
    assert rest["meta"]["nextCursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%",
        cursor_of({"kind": 0}),
        cursor_of([1]),
        cursor_of("text"),
        cursor_of([None, None, None]),
        cursor_of(["x", "Team", 1]),
        cursor_of([0, "Team", 1e999]),
        cursor_of([0, "Team", 10**30]),
        cursor_of([10**30, "Team", 1]),
        cursor_of([0, "Te\x00am", 1]),
        cursor_of([0, "Team\ud800", 1]),
        base64.urlsafe_b64encode(b"\xff\xfe[").decode(),
    ],
)
def test_groups_list_refuses_a_bad_cursor(admin_api, organization, org_admin, cursor):
    make_groups(organization, org_admin, 2)

    response = admin_api.get(api_url("groups"), {"cursor": cursor})

    error_of(response, 400, "invalid")


def test_groups_list_runs_the_same_queries_for_1_and_20_groups(admin_api, organization, org_admin):
    make_groups(organization, org_admin, 1)
    one, body = query_count(admin_api, api_url("groups?search=Team"))
    assert len(body["data"]) == 1

    make_groups(organization, org_admin, 19, start=2)
    twenty, body = query_count(admin_api, api_url("groups?search=Team"))
    assert len(body["data"]) == 20

    assert one == twenty


def test_groups_list_by_cursor_runs_the_same_queries_for_1_and_20_groups(
    admin_api, organization, org_admin
):
    make_groups(organization, org_admin, 2)
    first = admin_api.get(api_url("groups?search=Team&limit=1")).json()
    url = api_url(f"groups?search=Team&limit=20&cursor={first['meta']['nextCursor']}")
    one, body = query_count(admin_api, url)
    assert len(body["data"]) == 1

    make_groups(organization, org_admin, 19, start=3)
    twenty, body = query_count(admin_api, url)
    assert len(body["data"]) == 20

    assert one == twenty


# --- create -------------------------------------------------------------------------------------


def test_groups_create_works_as_seed_001_calls_it(admin_api, organization, org_admin):
    response = admin_api.post(
        api_url("groups"),
        {"name": "Engineering", "slug": "engineering", "description": "Engineering team"},
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == GROUP_KEYS | {"permissionSets"}
    assert body["name"] == "Engineering"
    assert body["slug"] == "engineering"
    assert body["description"] == "Engineering team"
    assert body["kind"] == "custom"
    assert body["memberCount"] == 0
    assert body["permissionSets"] == []
    group = Group.objects.get(public_id=body["id"])
    assert group.organization == organization
    assert group.display_name == "Engineering"
    assert group.created_by == org_admin
    [event] = api_events("group.created", group.public_id)
    assert event.actor == org_admin
    assert event.after == {
        "name": "Engineering",
        "slug": "engineering",
        "description": "Engineering team",
    }


def test_groups_create_generates_the_slug(admin_api):
    first = admin_api.post(api_url("groups"), {"name": "Data Science"}, content_type=JSON)
    second = admin_api.post(api_url("groups"), {"name": "Data  Science!"}, content_type=JSON)
    same = admin_api.post(api_url("groups"), {"name": " data   SCIENCE "}, content_type=JSON)

    assert first.status_code == 201
    assert first.json()["slug"] == "data-science"
    assert first.json()["description"] == ""
    assert second.status_code == 201
    assert (second.json()["name"], second.json()["slug"]) == ("Data Science!", "data-science-2")
    # The same name once trimmed, whatever its case, is a clash.
    assert list(error_of(same, 400, "invalid")["details"]) == ["name"]


def test_groups_create_is_refused_to_a_member_without_the_capability(member_api):
    error_of(member_api.post(api_url("groups"), {"name": "Mine"}, content_type=JSON), 403)
    assert not Group.objects.filter(display_name="Mine").exists()


def test_groups_create_in_another_organization_is_404(outsider_api, organization):
    response = outsider_api.post(api_url("groups"), {"name": "Intruders"}, content_type=JSON)

    error_of(response, 404, "not_found")
    assert not Group.objects.filter(display_name="Intruders").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "EDITORS"}, "name"),
        ({"name": "Ops", "slug": "Not A Slug"}, "slug"),
        ({"name": "Ops", "slug": "editors"}, "slug"),
        ({"name": "Ops", "description": "d" * 1001}, "description"),
        ({"name": "Ops", "organization": "globex"}, "organization"),
        ({"name": "Ops", "kind": "administrators"}, "kind"),
        ({"description": "no name"}, "name"),
    ],
)
def test_groups_create_refuses_invalid_fields_with_details(admin_api, group, payload, field):
    response = admin_api.post(api_url("groups"), payload, content_type=JSON)

    body = error_of(response, 400, "invalid")
    assert list(body["details"]) == [field]
    assert all(isinstance(message, str) for message in body["details"][field])
    assert Group.objects.count() == 3


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "",
        "null",
        "[]",
        "42",
        '"Engineering"',
        '{"name": 123}',
        '{"name": ["Ops"]}',
        '{"name": {"a": 1}}',
        '{"name": null}',
        '{"name": true}',
        '{"name": "Ops", "slug": 5}',
        '{"name": "Ops", "description": ["d"]}',
        '{"name": "a\\u0000b"}',
        '{"name": "Ops", "slug": "ops\\u0000"}',
        '{"name": "Ops", "description": "a\\u0000b"}',
        '{"name": "\\ud800"}',
        '{"name": "Ops", "slug": "\\udfff"}',
        '{"name": "Ops", "description": "\\ud83d"}',
        json.dumps({"name": "x" * 200_000}),
        json.dumps({"name": "Ops", "description": "d" * 500_000}),
        json.dumps({"name": "Ops", "slug": "s" * 50_000}),
        '{"name": "Ops", "name": 7}',
        '{"name": 1e999}',
        '{"name": "Ops", "description": NaN}',
        "[" * 100_000 + "]" * 100_000,
        '{"name": "Ops", "x": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "\x00",
    ],
)
def test_groups_create_never_fails_with_500_on_bad_input(admin_api, raw):
    response = admin_api.post(api_url("groups"), raw, content_type=JSON)

    error_of(response, 400, "invalid")
    assert Group.objects.filter(kind=Group.Kind.CUSTOM).count() == 0


def test_groups_create_refuses_a_form_encoded_body(admin_api):
    error_of(admin_api.post(api_url("groups"), {"name": "Ops"}), 400, "invalid")


# --- get ----------------------------------------------------------------------------------------


def test_groups_get_answers_the_group_with_member_count_and_sets(
    admin_api, administrators, org_admin, organization
):
    response = admin_api.get(group_url(administrators))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == GROUP_KEYS | {"permissionSets"}
    assert body["id"] == str(administrators.public_id)
    assert body["name"] == "Acme Administrators"
    assert body["memberCount"] == 1
    [permission_set] = body["permissionSets"]
    assert set(permission_set) == {"id", "name", "protected"}
    assert permission_set["name"] == "Administrator"
    assert permission_set["protected"] is True


def test_groups_get_is_open_to_a_holder_of_rights(manager_api, group):
    assert manager_api.get(group_url(group)).json()["name"] == "Editors"


def test_groups_get_hides_groups_the_caller_may_not_see(member_api, group):
    error_of(member_api.get(group_url(group)), 404, "not_found")


@pytest.mark.parametrize(
    "group_id",
    ["b4b25a8d-dc42-4574-82a2-15c8e814b662", "not-a-uuid", "1", "0" * 33, "%00", "g" * 3000],
)
def test_groups_get_of_an_unknown_or_malformed_id_is_404(admin_api, group, group_id):
    error_of(admin_api.get(api_url(f"groups/{group_id}")), 404, "not_found")


def test_groups_get_of_another_organizations_group_is_404(admin_api, outsider, other_organization):
    theirs = group_services.group_create(
        organization=other_organization, display_name="Globex Ops", actor=outsider
    )

    error_of(admin_api.get(group_url(theirs)), 404, "not_found")
    error_of(
        admin_api.patch(group_url(theirs), {"name": "Mine"}, content_type=JSON), 404, "not_found"
    )
    error_of(admin_api.delete(group_url(theirs)), 404, "not_found")
    assert Group.objects.filter(pk=theirs.pk, display_name="Globex Ops").exists()


def test_groups_get_through_another_organization_is_404(outsider_api, group):
    error_of(outsider_api.get(group_url(group)), 404, "not_found")


# --- update -------------------------------------------------------------------------------------


def test_groups_put_replaces_name_slug_and_description(admin_api, group, org_admin):
    response = admin_api.put(
        group_url(group),
        {"name": "Writers", "slug": "writers", "description": "Write things"},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["slug"], body["description"]) == (
        "Writers",
        "writers",
        "Write things",
    )
    group.refresh_from_db()
    assert (group.display_name, group.slug, group.description) == (
        "Writers",
        "writers",
        "Write things",
    )
    [event] = api_events("group.updated", group.public_id)
    assert event.actor == org_admin
    assert event.before == {"name": "Editors", "slug": "editors", "description": "Edits things"}
    assert event.after == {"name": "Writers", "slug": "writers", "description": "Write things"}


def test_groups_put_without_description_clears_it(admin_api, group):
    response = admin_api.put(group_url(group), {"name": "Editors"}, content_type=JSON)

    assert response.status_code == 200
    group.refresh_from_db()
    assert group.description == ""
    assert group.slug == "editors"


def test_groups_put_needs_a_name(admin_api, group):
    body = error_of(
        admin_api.put(group_url(group), {"description": "x"}, content_type=JSON), 400, "invalid"
    )
    assert list(body["details"]) == ["name"]


def test_groups_patch_changes_only_the_fields_given(manager_api, group, group_manager):
    response = manager_api.patch(group_url(group), {"description": "New"}, content_type=JSON)

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Editors"
    group.refresh_from_db()
    assert (group.display_name, group.description) == ("Editors", "New")
    [event] = api_events("group.updated", group.public_id)
    assert event.actor == group_manager
    assert event.after == {"description": "New"}


def test_groups_patch_with_nothing_changes_nothing(admin_api, group):
    response = admin_api.patch(group_url(group), {}, content_type=JSON)

    assert response.status_code == 200
    assert response.json()["name"] == "Editors"
    assert api_events("group.updated", group.public_id) == []


def test_groups_patch_may_change_the_case_of_its_own_name(admin_api, group):
    response = admin_api.patch(group_url(group), {"name": "EDITORS"}, content_type=JSON)

    assert response.status_code == 200
    assert response.json()["name"] == "EDITORS"


def test_groups_patch_refuses_a_name_taken_in_another_case(admin_api, group, organization):
    group_services.group_create(organization=organization, display_name="Writers", actor=None)

    body = error_of(
        admin_api.patch(group_url(group), {"name": "wRiTeRs"}, content_type=JSON), 400, "invalid"
    )

    assert list(body["details"]) == ["name"]
    group.refresh_from_db()
    assert group.display_name == "Editors"


@pytest.mark.parametrize(
    "payload",
    [
        {"name": ""},
        {"name": "y" * 101},
        {"slug": "No Slug"},
        {"kind": "users"},
        {"organization": "globex"},
        {"name": 5},
        {"name": "a\x00"},
        {"description": "\ud800"},
    ],
)
def test_groups_patch_refuses_invalid_input(admin_api, group, payload):
    error_of(admin_api.patch(group_url(group), payload, content_type=JSON), 400, "invalid")
    group.refresh_from_db()
    assert (group.display_name, group.slug, group.kind) == ("Editors", "editors", "custom")


def test_groups_update_is_refused_to_a_member_without_rights(member_api, group):
    error_of(member_api.patch(group_url(group), {"name": "X"}, content_type=JSON), 404)


def test_groups_update_is_refused_to_a_viewer_with_403(api_for, viewer, group):
    client = api_for(viewer)

    error_of(client.patch(group_url(group), {"name": "X"}, content_type=JSON), 403, "forbidden")
    error_of(client.put(group_url(group), {"name": "X"}, content_type=JSON), 403, "forbidden")
    error_of(client.delete(group_url(group)), 403, "forbidden")
    assert Group.objects.filter(pk=group.pk, display_name="Editors").exists()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_groups_update_refuses_to_rename_a_default_group_with_409(
    admin_api, administrators, users_group, method
):
    for default in (administrators, users_group):
        body = error_of(
            getattr(admin_api, method)(group_url(default), {"name": "Bosses"}, content_type=JSON),
            409,
            "protected",
        )
        assert list(body["details"]) == ["name"]
    administrators.refresh_from_db()
    assert administrators.display_name == "Acme Administrators"


def test_groups_update_refuses_a_new_slug_for_a_default_group_with_409(admin_api, users_group):
    error_of(
        admin_api.patch(group_url(users_group), {"slug": "everyone"}, content_type=JSON),
        409,
        "protected",
    )


def test_groups_update_may_describe_a_default_group(admin_api, administrators):
    response = admin_api.put(
        group_url(administrators),
        {"name": "Acme Administrators", "description": "The bosses"},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    administrators.refresh_from_db()
    assert administrators.description == "The bosses"


# --- delete -------------------------------------------------------------------------------------


def test_groups_delete_removes_the_group(admin_api, group, org_admin):
    response = admin_api.delete(group_url(group))

    assert response.status_code == 204
    assert response.content == b""
    assert not Group.objects.filter(pk=group.pk).exists()
    [event] = api_events("group.deleted", group.public_id)
    assert event.actor == org_admin
    error_of(admin_api.get(group_url(group)), 404)
    error_of(admin_api.delete(group_url(group)), 404)


def test_groups_delete_by_a_holder_of_the_right(manager_api, group):
    assert manager_api.delete(group_url(group)).status_code == 204
    assert not Group.objects.filter(pk=group.pk).exists()


def test_groups_delete_is_refused_to_a_member_without_rights(member_api, group):
    error_of(member_api.delete(group_url(group)), 404)
    assert Group.objects.filter(pk=group.pk).exists()


def test_groups_delete_of_a_default_group_is_409(admin_api, administrators, users_group):
    for default in (administrators, users_group):
        error_of(admin_api.delete(group_url(default)), 409, "protected")
        assert Group.objects.filter(pk=default.pk).exists()
    assert not AuditEvent.objects.filter(action="group.deleted").exists()


def test_member_counts_above_ten_thousand_say_so(admin_api, organization, group, monkeypatch):
    """Lists stop counting above the limit (a page costs the same whatever the size of its
    groups) and say the count is not exact; small groups keep their exact count."""
    monkeypatch.setattr(group_queries, "COUNT_EXACT_UP_TO", 1)
    people = [make_member(organization, email=f"c{n}@acme.example") for n in range(3)]
    group_services.membership_add(group=group, users=people, actor=None)
    body = admin_api.get(api_url("groups")).json()
    counts = {g["name"]: (g["memberCount"], g["memberCountExact"]) for g in body["data"]}
    assert counts[group.display_name] == (2, False)  # stopped at the limit + 1: “more than 1”
    assert counts["Acme Administrators"] == (1, True)


def test_list_totals_above_ten_thousand_are_estimates_and_say_so(
    admin_api, organization, monkeypatch
):
    """Counting stops above the limit: on PostgreSQL the planner's estimate, marked as one;
    paging still knows whether there is a next page from the rows themselves."""
    monkeypatch.setattr(group_queries, "COUNT_EXACT_UP_TO", 2)
    for n in range(4):
        group_services.group_create(organization=organization, display_name=f"T{n}", actor=None)
    body = admin_api.get(api_url("groups"), {"limit": 5}).json()
    meta = body["meta"]
    assert len(body["data"]) == 5 and meta["hasNextPage"] is True
    if connection.vendor == "postgresql":
        assert meta["totalExact"] is False and meta["total"] >= 3
    else:
        assert (meta["totalExact"], meta["total"]) == (True, 6)
    last = admin_api.get(api_url("groups"), {"limit": 5, "page": 2}).json()
    assert len(last["data"]) == 1 and last["meta"]["hasNextPage"] is False
