"""Another organization's objects, named by id through every channel: 404 (or the command's
clear error), and not one row of any table changes (a checksum of every table before and
after each request). Ann, an administrator of Acme, tries it on Globex's objects."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from .checksum import checksum

PORTAL = "/t/{org}/portal/access-management/"
API = "/t/{org}/api/v1/"


def portal(world, path, org="acme"):
    return PORTAL.format(org=org) + path.format(**ids(world.globex))


def api(world, path, org="acme"):
    return API.format(org=org) + path.format(**ids(world.globex))


def ids(tenant) -> dict:
    return {
        "group": tenant.group.public_id,
        "user": tenant.member_of_group.public_id,
        "grant": tenant.grant.public_id,
        "child": tenant.child.public_id,
        "set": tenant.permission_set.public_id,
        "resource": tenant.resource.public_id,
        "key": tenant.key.public_id,
        "admin": tenant.admin.public_id,
    }


def ui_requests(world):
    """(method, path, data) of every Admin Center view, on Globex's objects."""
    globex = world.globex
    return [
        ("GET", "groups/{group}/", {}),
        ("GET", "groups/{group}/permissions/", {}),
        ("GET", "groups/{group}/settings/", {}),
        ("GET", "groups/{group}/access/", {}),
        ("POST", "groups/{group}/settings/", {"display_name": "Pwned", "description": "x"}),
        ("POST", "groups/{group}/delete/", {"confirm_name": globex.group.display_name}),
        ("GET", "groups/{group}/members/add/", {}),
        ("POST", "groups/{group}/members/add/", {"users": [str(world.users["member"].public_id)]}),
        ("GET", "groups/{group}/members/{user}/remove/", {}),
        ("POST", "groups/{group}/members/{user}/remove/", {}),
        ("POST", "groups/{group}/member-groups/add/", {"child": str(globex.child.public_id)}),
        ("POST", "groups/{group}/member-groups/{child}/remove/", {}),
        (
            "POST",
            "groups/{group}/permissions/add/",
            {"permission_set": str(globex.permission_set.public_id)},
        ),
        ("POST", "groups/{group}/permissions/{set}/remove/", {}),
        ("POST", "groups/{group}/access/add/", {"target": "organization", "access": ["READ"]}),
        ("POST", "groups/{group}/access/{grant}/remove/", {}),
        ("GET", "users/{user}/", {}),
        ("GET", "resources/{resource}/", {}),
        ("POST", "settings/api-keys/{key}/revoke/", {}),
    ]


def _send(client, method, url, data, **headers):
    if method == "GET":
        return client.get(url, **headers)
    if method == "POST" and "/api/" not in url:
        return client.post(url, data, **headers)
    return client.generic(method, url, json.dumps(data), content_type="application/json", **headers)


def assert_refused(client, method, url, data=None, status=(404,), **headers):
    before = checksum()
    response = _send(client, method, url, data or {}, **headers)
    assert response.status_code in status, (method, url, response.status_code)
    assert checksum() == before, f"{method} {url} changed the database"
    return response


def test_admin_center_views_answer_404_for_another_organizations_objects(world):
    ann = world.client("admin")
    for method, path, data in ui_requests(world):
        # In Ann's organization's URLs, and in the other organization's own URLs.
        for org in ("acme", "globex"):
            url = portal(world, path, org)
            assert_refused(ann, method, url, data)
            assert_refused(ann, method, url, data, HTTP_HX_REQUEST="true")


def api_requests(world):
    globex = world.globex
    return [
        ("GET", "groups/{group}", {}),
        ("PUT", "groups/{group}", {"name": "Pwned"}),
        ("PATCH", "groups/{group}", {"name": "Pwned"}),
        ("DELETE", "groups/{group}", {}),
        ("GET", "groups/{group}/members", {}),
        ("POST", "groups/{group}/members", {"userId": str(globex.admin.public_id)}),
        ("DELETE", "groups/{group}/members/{user}", {}),
        ("GET", "groups/{group}/roles", {}),
        ("POST", "groups/{group}/roles", {"roleId": str(globex.permission_set.public_id)}),
        ("PUT", "groups/{group}/roles", {"roles": []}),
        ("DELETE", "groups/{group}/roles/{set}", {}),
        ("GET", "groups/{group}/member-groups", {}),
        ("POST", "groups/{group}/member-groups", {"groupId": str(globex.child.public_id)}),
        ("DELETE", "groups/{group}/member-groups/{child}", {}),
        ("GET", "groups/{group}/access", {}),
        ("GET", "users/{user}", {}),
        ("GET", "users/{user}/groups", {}),
        ("GET", "users/{user}/permissions", {}),
        ("GET", "users/{user}/access", {}),
        ("GET", "resources/{resource}", {}),
        ("PATCH", "resources/{resource}", {"folderId": None}),
        ("DELETE", "resources/{resource}", {}),
        ("DELETE", "grants/{grant}", {}),
    ]


@pytest.mark.parametrize("channel", ["session", "api key"])
def test_api_answers_404_for_another_organizations_objects(world, channel):
    if channel == "session":
        client = world.client("admin")
    else:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    for method, path, data in api_requests(world):
        for org in ("acme", "globex"):
            response = assert_refused(client, method, api(world, path, org), data)
            assert response.json()["status"] == 404


def test_acme_key_is_refused_on_globex_urls_even_for_globex_ids(world):
    """A key belongs to one organization: elsewhere it answers 404, like a missing object."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    assert_refused(client, "GET", api(world, "groups", "globex"))
    assert_refused(client, "POST", api(world, "groups", "globex"), {"name": "Pwned"})


def test_naming_another_organizations_user_or_set_in_a_valid_ui_request_changes_nothing(world):
    """The group is Ann's own (Acme's Editors); only the object named inside is Globex's."""
    ann = world.client("admin")
    globex = world.globex
    base = PORTAL.format(org="acme") + f"groups/{world.acme.group.public_id}/"
    cases = [
        ("members/add/", {"users": [str(globex.member_of_group.public_id)]}),
        ("members/add/", {"users": [str(globex.admin.public_id)]}),
        ("member-groups/add/", {"child": str(globex.child.public_id)}),
        ("permissions/add/", {"permission_set": str(globex.permission_set.public_id)}),
        ("access/add/", {"target": str(globex.resource.public_id), "access": ["READ"]}),
        (
            "access/add/",
            {"target": "organization", "permission_set": str(globex.permission_set.public_id)},
        ),
        (f"access/{globex.grant.public_id}/remove/", {}),
        (f"members/{globex.member_of_group.public_id}/remove/", {}),
        (f"member-groups/{globex.child.public_id}/remove/", {}),
        (f"permissions/{globex.permission_set.public_id}/remove/", {}),
    ]
    for path, data in cases:
        # Refused with a message on the page (a redirect back, or the panel with its error).
        assert_refused(ann, "POST", base + path, data, status=(200, 302))
        assert_refused(ann, "POST", base + path, data, status=(200,), HTTP_HX_REQUEST="true")
    keys = PORTAL.format(org="acme") + "settings/api-keys/"
    response = assert_refused(
        ann, "POST", keys, {"name": "x", "user": str(globex.admin.public_id)}, status=(200,)
    )
    assert "user" in response.context["form"].errors


@pytest.mark.parametrize("channel", ["session", "api key"])
def test_naming_another_organizations_objects_in_a_valid_api_body_is_a_404(world, channel):
    if channel == "session":
        client = world.client("admin")
    else:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    acme, globex = world.acme, world.globex
    group = f"groups/{acme.group.public_id}"
    cases = [
        ("POST", f"{group}/members", {"userId": str(globex.member_of_group.public_id)}),
        (
            "POST",
            f"{group}/members",
            {"userIds": [str(world.users["member"].public_id), str(globex.admin.public_id)]},
        ),
        ("POST", f"{group}/roles", {"roleId": str(globex.permission_set.public_id)}),
        ("PUT", f"{group}/roles", {"roles": [str(globex.permission_set.public_id)]}),
        ("POST", f"{group}/member-groups", {"groupId": str(globex.child.public_id)}),
        ("DELETE", f"{group}/members/{globex.member_of_group.public_id}", {}),
        ("DELETE", f"{group}/roles/{globex.permission_set.public_id}", {}),
        ("DELETE", f"{group}/member-groups/{globex.child.public_id}", {}),
        (
            "POST",
            "grants",
            {
                "subject": {"type": "group", "id": str(globex.group.public_id)},
                "target": {"type": "organization"},
                "access": ["READ"],
            },
        ),
        (
            "POST",
            "grants",
            {
                "subject": {"type": "user", "id": str(globex.admin.public_id)},
                "target": {"type": "organization"},
                "access": ["READ"],
            },
        ),
        (
            "POST",
            "grants",
            {
                "subject": {"type": "group", "id": str(acme.group.public_id)},
                "target": {"type": "resource", "id": str(globex.resource.public_id)},
                "access": ["READ"],
            },
        ),
        (
            "POST",
            "grants",
            {
                "subject": {"type": "group", "id": str(acme.group.public_id)},
                "target": {"type": "organization"},
                "permissionSetId": str(globex.permission_set.public_id),
            },
        ),
        (
            "POST",
            "resources",
            {"type": "WORKFLOW_DEF", "key": "x", "folderId": str(globex.resource.public_id)},
        ),
        (
            "PATCH",
            f"resources/{acme.resource.public_id}",
            {"folderId": str(globex.resource.public_id)},
        ),
    ]
    for method, path, body in cases:
        response = assert_refused(client, method, API.format(org="acme") + path, body)
        assert response.json()["status"] == 404, (method, path, response.json())
    for query in (
        {"userId": globex.admin.public_id, "access": "READ", "resourceId": acme.resource.public_id},
        {"userId": acme.admin.public_id, "access": "READ", "resourceId": globex.resource.public_id},
    ):
        for what in ("check", "explain"):
            response = client.get(API.format(org="acme") + f"access/{what}", query)
            assert response.status_code == 404, (what, query, response.content)


def _command(*args):
    call_command(*args, stdout=StringIO(), stderr=StringIO(), no_color=True)


def test_commands_with_the_wrong_organization_refuse_clearly_and_change_nothing(world):
    from groups import services as group_services

    globex = world.globex
    group_services.group_create(
        organization=globex.organization, display_name="Globex Secret", actor=None
    )
    group_services.permission_set_create(
        organization=globex.organization, name="Globex Only", actor=None
    )
    acme_member = world.users["member"].email
    globex_email = globex.member_of_group.email
    cases = [
        (("delete_group", "acme", "Globex Secret"), "Globex Secret"),
        (("add_members", "acme", "Editors", globex_email), globex_email),
        (("add_member_group", "acme", "Editors", "Globex Secret"), "Globex Secret"),
        (("add_member_group", "acme", "Globex Secret", "Editors"), "Globex Secret"),
        (("grant", "acme", f"user:{globex_email}", "org", "--access", "READ"), globex_email),
        (("grant", "acme", "group:Globex Secret", "org", "--access", "READ"), "Globex Secret"),
        (("grant", "acme", "group:Editors", "org", "--permission-set", "Globex Only"), "Globex"),
        (("revoke", "acme", f"user:{globex_email}", "org", "--access", "READ"), globex_email),
        (("create_api_key", "acme", "--name", "x", "--user", globex_email), globex_email),
        (("add_members", "globex", "Editors", acme_member), acme_member),
    ]
    for args, named in cases:
        before = checksum()
        with pytest.raises(CommandError) as refused:
            _command(*args)
        # The message names what was refused (by email, or by the person's name).
        message = str(refused.value)
        assert named in message or "Dee Globex" in message, (args, message)
        assert checksum() == before, f"{args} changed the database"
    # Globex's administrator can do nothing in Acme: "no" (exit status 1), nothing written.
    out = StringIO()
    with pytest.raises(SystemExit) as answered:
        call_command("check_access", "acme", globex.admin.email, "READ", "org", stdout=out)
    assert (answered.value.code, out.getvalue().strip()) == (1, "no")


@pytest.mark.parametrize(
    ("command", "said"),
    [("remove_members", "Not members"), ("remove_user", "was not a member of Acme")],
)
def test_removing_another_organizations_user_is_a_no_op_said_as_such(world, command, said):
    """Removing a non-member is a no-op (invariant 5), said as such; nothing changes."""
    email = world.globex.member_of_group.email
    args = ("acme", "Editors", email) if command == "remove_members" else ("acme", email)
    before = checksum()
    out = StringIO()
    call_command(command, *args, stdout=out, no_color=True)
    assert checksum() == before
    assert said in out.getvalue() and email in out.getvalue()


# --- deleted groups, audit, bulk membership, Conductor's API and GraphQL ---


def test_another_organizations_deleted_group_history_and_bulk_pages_answer_404(world):
    ann = world.client("admin")
    globex = world.globex
    deleted = f"groups/deleted/{globex.deleted.public_id}/restore/"
    group = f"groups/{globex.group.public_id}/"
    members = [str(globex.member_of_group.public_id)]
    requests = [
        ("GET", deleted, {}),
        ("POST", deleted, {}),
        ("GET", group + "history/", {}),
        ("GET", group + "members/import/", {}),
        ("POST", group + "members/import/", {"emails": world.users["member"].email}),
        ("POST", group + "members/remove/", {"users": members, "step": "apply"}),
        ("GET", group + "members/export.csv", {}),
    ]
    for method, path, data in requests:
        for org in ("acme", "globex"):
            url = PORTAL.format(org=org) + path
            assert_refused(ann, method, url, data)
            assert_refused(ann, method, url, data, HTTP_HX_REQUEST="true")
    for path in ("groups/deleted/", "audit-log/", "audit-log/export.csv"):
        assert_refused(ann, "GET", PORTAL.format(org="globex") + path)


def test_the_audit_log_never_shows_another_organizations_entries(world):
    """Olga's changes are Globex's: Acme's log and its CSV have none of them, whatever the
    filter names (her, or Globex's deleted group by id)."""
    ann = world.client("admin")
    export = PORTAL.format(org="acme") + "audit-log/export.csv"
    everything = b"".join(ann.get(export).streaming_content)
    assert b"Ann" in everything and b"Olga" not in everything
    for filters in ({"actor": "Olga"}, {"target": str(world.globex.deleted.public_id)}):
        response = ann.get(export, filters)
        assert response.status_code == 200
        assert b"Olga" not in b"".join(response.streaming_content)


@pytest.mark.parametrize("channel", ["session", "api key"])
def test_api_answers_404_for_another_organizations_deleted_group_and_batch(world, channel):
    if channel == "session":
        client = world.client("admin")
    else:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    globex = world.globex
    deleted = f"deleted-groups/{globex.deleted.public_id}"
    requests = [
        ("GET", deleted, {}),
        ("POST", deleted + "/restore", {"name": "Pwned"}),
        (
            "POST",
            f"groups/{globex.group.public_id}/members/batch",
            {"emails": [globex.admin.email]},
        ),
    ]
    for method, path, data in requests:
        for org in ("acme", "globex"):
            response = assert_refused(client, method, API.format(org=org) + path, data)
            assert response.json()["status"] == 404


def test_conductor_api_answers_404_for_another_organizations_groups_and_users(world):
    """Ann's token acts in Acme: Globex's group (by slug) and people (by email) are not found
    there, and naming them changes nothing."""
    ann = world.conductor_client("admin")
    globex = world.globex
    group = f"/api/groups/{globex.group.slug}"
    olga, dee = globex.admin.email, globex.member_of_group.email
    requests = [
        ("GET", group, {}),
        ("DELETE", group, {}),
        ("GET", group + "/users", {}),
        ("POST", group + "/users", [olga]),
        ("POST", f"{group}/users/{olga}", {}),
        ("DELETE", f"{group}/users/{dee}", {}),
        ("GET", group + "/permissions", {}),
        ("GET", f"/api/users/{dee}/permissions", {}),
        ("GET", f"/api/users/{dee}/checkPermissions?type=WORKFLOW_DEF&id=checkout", {}),
        # Acme's own Editors, with Globex's people.
        ("POST", f"/api/groups/{world.acme.group.slug}/users", [olga]),
        ("POST", f"/api/groups/{world.acme.group.slug}/users/{dee}", {}),
        (
            "POST",
            "/api/auth/authorization",
            {
                "subject": {"type": "GROUP", "id": globex.group.slug},
                "target": {"type": "WORKFLOW_DEF", "id": "checkout"},
                "access": ["READ"],
            },
        ),
        (
            "POST",
            "/api/auth/authorization",
            {
                "subject": {"type": "USER", "id": olga},
                "target": {"type": "WORKFLOW_DEF", "id": "checkout"},
                "access": ["READ"],
            },
        ),
    ]
    for method, url, data in requests:
        assert_refused(ann, method, url, data)


@pytest.mark.parametrize("channel", ["session", "api key"])
def test_graphql_answers_not_found_for_another_organizations_group(world, channel):
    if channel == "session":
        client, url = world.client("admin"), "/graphql?organization=acme"
    else:
        client, url = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}"), "/graphql"
    group = str(world.globex.group.public_id)
    operations = [
        ("query($id: ID!) { authGroup(id: $id) { name } }", {"id": group}),
        ("mutation($id: ID!) { authGroupDelete(id: $id) { message } }", {"id": group}),
    ]
    for query, variables in operations:
        before = checksum()
        body = json.dumps({"query": query, "variables": variables})
        response = client.post(url, body, content_type="application/json")
        assert checksum() == before, query
        assert response.status_code == 200, response.content
        codes = [error["extensions"]["code"] for error in response.json()["errors"]]
        assert codes == ["NOT_FOUND"], response.json()


def _graphql_client(world, channel):
    if channel == "session":
        return world.client("admin"), "/graphql?organization=acme"
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}"), "/graphql"


def _graphql(client, url, query, variables):
    """The operation's answer, after checking that it changed nothing."""
    before = checksum()
    body = json.dumps({"query": query, "variables": variables})
    response = client.post(url, body, content_type="application/json")
    assert checksum() == before, query
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("channel", ["session", "api key"])
def test_graphql_mutations_on_or_naming_another_organizations_objects_are_not_found(world, channel):
    """Updating Globex's group, adding Globex's people or groups to Acme's, removing them by
    id: NOT_FOUND, the foreign ids listed, nothing changed."""
    client, url = _graphql_client(world, channel)
    ours, theirs = str(world.acme.group.public_id), str(world.globex.group.public_id)
    their_user = str(world.globex.member_of_group.public_id)
    their_child = str(world.globex.child.public_id)
    update = "mutation($input: UpdateAuthGroup!) { authGroupUpdate(input: $input) { name } }"
    add = """mutation($id: ID!, $members: [AuthGroupMemberInput!]!) {
      authGroupAddMembers(id: $id, members: $members) { id } }"""
    remove = """mutation($id: ID!, $ids: [ID!]!) {
      authGroupRemoveMembers(id: $id, memberIds: $ids) { id } }"""
    operations = [
        (update, {"input": {"id": theirs, "name": "Taken over"}}, None),
        (add, {"id": ours, "members": [{"id": their_user, "memberType": "User"}]}, [their_user]),
        (add, {"id": ours, "members": [{"id": their_child, "memberType": "Group"}]}, [their_child]),
        (add, {"id": ours, "members": [{"id": theirs, "memberType": "Group"}]}, [theirs]),
        (
            add,
            {
                "id": ours,
                "members": [
                    {"id": str(world.users["member"].public_id), "memberType": "User"},
                    {"id": their_user, "memberType": "User"},
                ],
            },
            [their_user],
        ),
        (add, {"id": theirs, "members": [{"id": their_user, "memberType": "User"}]}, None),
        (remove, {"id": ours, "ids": [their_user, their_child]}, [their_user, their_child]),
        (remove, {"id": theirs, "ids": [their_user]}, None),
    ]
    for query, variables, unknown in operations:
        answer = _graphql(client, url, query, variables)
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND", (variables, answer)
        if unknown is not None:
            assert error["extensions"]["memberIds"] == unknown, answer
        assert answer["data"] is None


@pytest.mark.parametrize("channel", ["session", "api key"])
def test_graphql_auth_groups_by_ids_leaves_out_another_organizations_groups(world, channel):
    client, url = _graphql_client(world, channel)
    query = "query($ids: [ID!]) { authGroups(ids: $ids) { count records { id } } }"
    theirs = [str(world.globex.group.public_id), str(world.globex.child.public_id)]
    answer = _graphql(client, url, query, {"ids": theirs})
    assert answer == {"data": {"authGroups": {"count": 0, "records": []}}}
    ours = str(world.acme.group.public_id)
    answer = _graphql(client, url, query, {"ids": [*theirs, ours]})
    assert answer["data"]["authGroups"] == {"count": 1, "records": [{"id": ours}]}


@pytest.mark.parametrize(
    "field, value",
    [
        ("organization", "globex"),
        ("organizationId", "1"),
        ("kind", "administrators"),
        ("isProtected", True),
        ("protected", True),
        ("slug", "administrators"),
    ],
)
def test_graphql_inputs_refuse_fields_they_do_not_have(world, field, value, caplog):
    """Mass assignment: the schema refuses an input field it does not declare, written in the
    query or sent in the variables; nothing is created or changed, and the caller's mistake is
    not logged as a server error (it was, for the variables)."""
    client, url = _graphql_client(world, "api key")
    ours = str(world.acme.group.public_id)
    literal = json.dumps(value)
    create = f'authGroupCreate(input: {{name: "Sneaky", {field}: {literal}}}) {{ id }}'
    update = f'authGroupUpdate(input: {{id: "{ours}", {field}: {literal}}}) {{ id }}'
    for query, variables in (
        (
            "mutation($input: CreateAuthGroup!) { authGroupCreate(input: $input) { id } }",
            {"input": {"name": "Sneaky", field: value}},
        ),
        (
            "mutation($input: UpdateAuthGroup!) { authGroupUpdate(input: $input) { id } }",
            {"input": {"id": ours, "name": "Sneaky", field: value}},
        ),
        (f"mutation {{ {create} }}", {}),
        (f"mutation {{ {update} }}", {}),
    ):
        answer = _graphql(client, url, query, variables)
        assert answer.get("data") is None, answer
        [error] = answer["errors"]
        # "unknown field 'kind'" (in the variables), "Field 'kind' is not defined" (in the query)
        assert f"'{field}'" in error["message"], error
        assert "unknown field" in error["message"] or "not defined" in error["message"], error
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
