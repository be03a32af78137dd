"""Generated text in the inputs test_bad_input.py does not drive: the bulk membership forms,
the grant and expiry forms, the restore name, the audit-log filters, the user page's access
check, the resources search, the Conductor bodies and paths, and the GraphQL inputs.

Each: never a 500; a refusal names its field (a form error on it, an API error naming it, a
GraphQL error with its ``fields``); a refused request changes nothing (checksum)."""

import json
import unicodedata
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from groups import services as group_services
from groups.models import DeletedGroup, Group

from .checksum import checksum
from .test_bad_input import EXAMPLES, FORM_TEXT, PORTAL, TEXT

HTMX = {"HTTP_HX_REQUEST": "true"}


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _form_errors(response, name="form") -> dict:
    form = response.context.get(name) if response.context else None
    return dict(form.errors) if form is not None else {}


# --- Admin Center forms ----------------------------------------------------------------------


@EXAMPLES
@given(text=FORM_TEXT, data=st.one_of(FORM_TEXT.map(str.encode), st.binary(max_size=500)))
def test_members_import_never_fails_on_any_list_or_file(world, text, data):
    """The first POST only previews: whatever was pasted or uploaded, nothing changes."""
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/import/"
    for fields in (
        {"emails": text},
        {"file": SimpleUploadedFile("people.csv", data, content_type="text/csv")},
        {"emails": text, "file": SimpleUploadedFile("both.csv", data)},
    ):
        before = checksum()
        response = ann.post(url, fields, **HTMX)
        assert response.status_code == 200, response.status_code
        assert set(_form_errors(response)) <= {"emails", "file", "__all__"}
        assert checksum() == before


@EXAMPLES
@given(entries=FORM_TEXT, fingerprint=FORM_TEXT, source=FORM_TEXT)
def test_members_import_confirmation_never_fails_and_applies_nothing_unpreviewed(
    world, entries, fingerprint, source
):
    """A confirmation whose fingerprint is not the preview's applies nothing: it shows a
    fresh preview, or says the preview was incomplete."""
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/import/"
    data = {"entries": entries, "fingerprint": fingerprint, "source": source}
    before = checksum()
    response = ann.post(url, data, **HTMX)
    assert response.status_code == 200, response.status_code
    assert checksum() == before


@EXAMPLES
@given(users=st.lists(FORM_TEXT, max_size=3), step=st.sampled_from(["", "apply"]) | FORM_TEXT)
def test_members_bulk_remove_never_fails_on_any_ids(world, users, step):
    """Ids that name no direct member remove nobody, said as such."""
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/remove/"
    before = checksum()
    response = ann.post(url, {"users": users, "step": step}, **HTMX)
    assert response.status_code == 200, response.status_code
    assert checksum() == before
    said = " ".join(_messages(response))
    assert "Pick at least one member" in said or "not direct members" in said


@EXAMPLES
@given(target=FORM_TEXT, access=st.lists(FORM_TEXT, max_size=2), permission_set=FORM_TEXT)
def test_grant_add_never_fails_on_any_text(world, target, access, permission_set):
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/access/add/"
    fields = {"target": target, "access": access, "permission_set": permission_set}
    before = checksum()
    response = ann.post(url, fields, **HTMX)
    assert response.status_code == 200, response.status_code
    errors = _form_errors(response, "grant_form")
    # Generated text is never a resource's id (nor "organization"): always refused.
    assert errors and set(errors) <= {"target", "access", "permission_set", "__all__"}
    assert "target" in errors
    assert checksum() == before


@EXAMPLES
@given(duration=FORM_TEXT.filter(lambda value: value not in ("", "1", "7", "30", "90")))
def test_membership_expiry_refuses_any_other_duration_naming_the_field(world, duration):
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/add/"
    bo = world.users["member"]
    before = checksum()
    response = ann.post(url, {"users": [str(bo.public_id)], "duration": duration}, **HTMX)
    assert response.status_code == 200, response.status_code
    assert checksum() == before
    [said] = _messages(response)
    assert said.startswith("Membership ends:"), said


@EXAMPLES
@given(name=FORM_TEXT)
@example(name="Cafe\u0301   Team")  # kept as "Café Team": NFC, one space
@example(name="Editors")  # taken: refused
def test_restore_name_never_fails_on_any_text(world, name):
    """Refused: a form error on the name, nothing restored. Accepted: the group comes back
    under that name (deleted again for the next example)."""
    ann = world.client("admin")
    deleted = DeletedGroup.objects.get(organization=world.acme.organization)
    url = f"{PORTAL}groups/deleted/{deleted.public_id}/restore/"
    before = checksum()
    response = ann.post(url, {"display_name": name}, **HTMX)
    assert response.status_code == 200, response.status_code
    if "HX-Redirect" in response:
        restored = Group.objects.get(
            organization=world.acme.organization, public_id=deleted.public_id
        )
        wanted = unicodedata.normalize("NFC", " ".join(name.split()))  # as names are kept
        assert restored.display_name == (wanted or deleted.display_name)
        group_services.group_delete(group=restored, actor=world.acme.admin)
    else:
        assert set(_form_errors(response)) == {"display_name"}
        assert checksum() == before


@EXAMPLES
@given(
    actor=FORM_TEXT,
    target=FORM_TEXT,
    since=FORM_TEXT,
    until=FORM_TEXT,
    cursor=FORM_TEXT,
    choice=FORM_TEXT,
)
def test_audit_log_filters_never_fail_on_any_text(
    world, actor, target, since, until, cursor, choice
):
    ann = world.client("admin")
    filters = {"actor": actor, "target": target, "since": since, "until": until}
    before = checksum()
    for extra in ({}, {"older": cursor}, {"newer": cursor}, {"action": choice, "channel": choice}):
        for headers in ({}, HTMX):
            response = ann.get(f"{PORTAL}audit-log/", {**filters, **extra}, **headers)
            assert response.status_code == 200, response.status_code
            allowed = {"actor", "action", "target", "channel", "since", "until"}
            assert set(_form_errors(response)) <= allowed
        response = ann.get(f"{PORTAL}audit-log/export.csv", {**filters, **extra})
        assert response.status_code == 200, response.status_code
    assert checksum() == before


@EXAMPLES
@given(access=FORM_TEXT, target=FORM_TEXT, search=FORM_TEXT, cursor=FORM_TEXT)
def test_user_page_access_check_never_fails_on_any_text(world, access, target, search, cursor):
    ann = world.client("admin")
    url = f"{PORTAL}users/{world.acme.member_of_group.public_id}/"
    before = checksum()
    for query in (
        {"access": access, "target": target, "resource_q": search},
        {"access": "READ", "target": target},
        {"older": cursor, "newer": cursor},
    ):
        for headers in ({}, HTMX, {**HTMX, "HTTP_HX_TARGET": "target-choices"}):
            response = ann.get(url, query, **headers)
            assert response.status_code == 200, response.status_code
            assert set(_form_errors(response)) <= {"access", "target"}
    assert checksum() == before


@EXAMPLES
@given(query=FORM_TEXT, page=FORM_TEXT)
def test_resources_search_never_fails_on_any_text(world, query, page):
    ann = world.client("admin")
    before = checksum()
    for headers in ({}, HTMX):
        response = ann.get(f"{PORTAL}resources/", {"q": query, "page": page}, **headers)
        assert response.status_code == 200, response.status_code
    assert checksum() == before


# --- Conductor -------------------------------------------------------------------------------


def _conductor_ok_or_refused(response, before, fields):
    """Conductor's error JSON; a 400 names the fields it refuses (``validationErrors``)."""
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert checksum() == before
        if response.status_code == 405:
            return  # a path cut by a "/" in the id, landing on another operation
        body = response.json()
        assert body["status"] == response.status_code and body["message"], body
        if response.status_code == 400 and body.get("validationErrors"):
            named = {error["path"].split(".")[0] for error in body["validationErrors"]}
            assert named <= set(fields) | {"body"}, body


def _path(text: str) -> str:
    return quote(text, safe="")


def _send(client, method, url, body):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


@EXAMPLES
@given(
    group_id=FORM_TEXT,
    description=TEXT,
    roles=st.lists(st.sampled_from(["ADMIN", "USER", "WORKER"]) | TEXT, max_size=3),
)
def test_conductor_group_upsert_never_fails_on_any_text(world, group_id, description, roles):
    client = world.conductor_client("admin")
    fields = {"id", "description", "roles"}
    for url in (f"/api/groups/{_path(group_id)}", f"/api/groups/{world.acme.group.slug}"):
        for body in ({"description": description}, {"description": description, "roles": roles}):
            before = checksum()
            _conductor_ok_or_refused(_send(client, "PUT", url, body), before, fields)


REF_TYPES = st.sampled_from(["USER", "GROUP", "WORKFLOW_DEF", "TASK_DEF"]) | TEXT


@EXAMPLES
@given(
    subject=st.tuples(REF_TYPES, TEXT),
    target=st.tuples(REF_TYPES, TEXT),
    access=st.lists(st.sampled_from(["READ", "EXECUTE"]) | TEXT, max_size=3),
)
def test_conductor_authorization_bodies_never_fail_on_any_text(world, subject, target, access):
    client = world.conductor_client("admin")
    email = world.acme.member_of_group.email
    for subject_ref, target_ref in (
        (subject, target),
        (("USER", email), target),
        (subject, ("WORKFLOW_DEF", "checkout")),
    ):
        body = {
            "subject": {"type": subject_ref[0], "id": subject_ref[1]},
            "target": {"type": target_ref[0], "id": target_ref[1]},
            "access": access,
        }
        for method in ("POST", "DELETE"):
            before = checksum()
            response = _send(client, method, "/api/auth/authorization", body)
            _conductor_ok_or_refused(response, before, {"subject", "target", "access"})


@pytest.mark.parametrize(
    "target, path",
    [
        ({"type": "NO_SUCH_TYPE", "id": "checkout"}, "target.type"),
        ({"type": "WORKFLOW_DEF", "id": "x" * 1000}, "target.id"),
        ({"type": "WORKFLOW_DEF", "id": "bad\x07key"}, "target.id"),
    ],
)
def test_conductor_authorization_refusal_names_the_target_field(world, target, path):
    """The services say ``type`` and ``key``; the body says ``target.type`` and ``target.id``."""
    client = world.conductor_client("admin")
    subject = {"type": "USER", "id": world.acme.member_of_group.email}
    body = {"subject": subject, "target": target, "access": ["READ"]}
    before = checksum()
    response = _send(client, "POST", "/api/auth/authorization", body)
    assert response.status_code == 400, response.content
    assert [error["path"] for error in response.json()["validationErrors"]] == [path]
    assert checksum() == before


@EXAMPLES
@given(key_id=TEXT, secret=TEXT)
def test_conductor_token_exchange_never_fails_on_any_text(world, key_id, secret):
    """Never a token, never a 500; a lone surrogate is a 400 naming the field."""
    real_id = world.credentials["admin"][0]
    for body in (
        {"keyId": key_id, "keySecret": secret},
        {"keyId": real_id, "keySecret": secret},
    ):
        before = checksum()
        response = _send(Client(), "POST", "/api/token", body)
        assert response.status_code in (400, 401), response.content
        _conductor_ok_or_refused(response, before, {"keyId", "keySecret"})


@EXAMPLES
@given(user_id=FORM_TEXT, ids=st.lists(TEXT, max_size=3), kind=FORM_TEXT)
def test_conductor_user_ids_in_paths_and_bodies_never_fail_on_any_text(world, user_id, ids, kind):
    """Ids that name nobody in the organization: 404 naming them, nothing changed."""
    client = world.conductor_client("admin")
    user, group = _path(user_id), world.acme.group.slug
    for method, url, body in (
        ("GET", f"/api/users/{user}/permissions", None),
        ("GET", f"/api/users/{user}/checkPermissions?type={_path(kind)}&id={user}", None),
        ("POST", f"/api/groups/{group}/users/{user}", None),
        ("DELETE", f"/api/groups/{group}/users/{user}", None),
        ("GET", f"/api/groups/{user}/users", None),
        ("GET", f"/api/groups/{user}/permissions", None),
        ("POST", f"/api/groups/{group}/users", ids),
        ("DELETE", f"/api/groups/{group}/users", ids),
    ):
        before = checksum()
        response = (
            _send(client, method, url, body) if body is not None else client.generic(method, url)
        )
        _conductor_ok_or_refused(response, before, {"userIds", "user_ids", "type", "id"})
        assert checksum() == before


# --- GraphQL ---------------------------------------------------------------------------------

CREATE = """mutation($name: String!, $description: String) {
  authGroupCreate(input: {name: $name, description: $description}) { id }
}"""
UPDATE = """mutation($id: ID!, $name: String, $description: String) {
  authGroupUpdate(input: {id: $id, name: $name, description: $description}) { id }
}"""
LIST = "query($regex: String) { authGroups(nameRegex: $regex) { count } }"
ADD = """mutation($id: ID!, $members: [AuthGroupMemberInput!]!) {
  authGroupAddMembers(id: $id, members: $members) { id }
}"""
REMOVE = """mutation($id: ID!, $ids: [ID!]!) {
  authGroupRemoveMembers(id: $id, memberIds: $ids) { id }
}"""


def _graphql(world, query, variables):
    """The errors of the operation ([] if it succeeded), after checking the refusal's shape;
    a refused operation changed nothing."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    before = checksum()
    body = json.dumps({"query": query, "variables": variables})
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code in (200, 400), response.content
    errors = response.json().get("errors") or []
    if response.status_code == 400:
        # A lone surrogate (json.dumps escapes it): refused before the operation runs.
        [error] = errors
        assert "lone surrogate" in error["message"], error
    for error in errors:
        assert error["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND", "CONFLICT"), error
    if errors:
        assert checksum() == before
    return response.status_code, errors


def _names_fields(status, errors, fields):
    """A mutation's refusal of its input names the fields (``extensions.fields``)."""
    for error in errors:
        if status == 200 and error["extensions"]["code"] == "BAD_USER_INPUT":
            assert error["extensions"]["fields"], error
            assert set(error["extensions"]["fields"]) <= fields, error


@EXAMPLES
@given(name=TEXT, description=TEXT)
def test_graphql_group_create_and_update_never_fail_on_any_text(world, name, description):
    group = str(world.acme.group.public_id)
    fields = {"name", "description"}
    for query, variables in (
        (CREATE, {"name": name, "description": description}),
        (UPDATE, {"id": group, "name": name}),
        (UPDATE, {"id": group, "description": description}),
    ):
        _names_fields(*_graphql(world, query, variables), fields)


@EXAMPLES
@given(regex=TEXT)
def test_graphql_name_regex_never_fails_on_any_text(world, regex):
    status, errors = _graphql(world, LIST, {"regex": regex})
    if status == 200:
        assert all("nameRegex" in error["message"] for error in errors), errors


@EXAMPLES
@given(ids=st.lists(TEXT, min_size=1, max_size=3), kind=st.sampled_from(["User", "Group"]))
def test_graphql_member_ids_never_fail_on_any_text(world, ids, kind):
    """Ids that name nothing in the organization: NOT_FOUND listing them, nothing changed."""
    group = str(world.acme.group.public_id)
    members = [{"id": member_id, "memberType": kind} for member_id in ids]
    for query, variables in (
        (ADD, {"id": group, "members": members}),
        (REMOVE, {"id": group, "ids": ids}),
    ):
        status, errors = _graphql(world, query, variables)
        if status == 200:
            [error] = errors
            assert error["extensions"]["code"] == "NOT_FOUND", error
            assert error["extensions"]["memberIds"], error
