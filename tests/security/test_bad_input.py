"""Generated text in every form and API body: never a 500, errors name the field, nothing is
half-written; search treats %, _ and \\ literally; invalid UTF-8 and lone surrogates in raw
bodies are refused cleanly."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import services as group_services
from groups.models import Group

from .checksum import checksum

SPECIAL = [
    "",
    " ",
    "\t\n\r",
    "x" * 20_000,
    "\x00",
    "a\x00b",
    "\x1b[31mred\x07",
    "\u202egnp.exe",
    "שלום עולם",
    "مرحبا",
    "編集者グループ",
    "<script>alert(1)</script>",
    "\"'&<>",
    "'; DROP TABLE groups_group; --",
    "%",
    "_",
    "\\",
    "%_\\%",
    "Robert'); --",
    "🙂" * 50,
    "\u200b",
]
TEXT = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=300))
# Form data travels as UTF-8: a lone surrogate cannot be sent by a browser (see raw bodies).
FORM_TEXT = TEXT.filter(lambda value: not any(0xD800 <= ord(c) <= 0xDFFF for c in value))
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PORTAL = "/t/acme/portal/access-management/"


def _form_ok_or_refused(response, before, fields):
    """A form answers 200 with its errors (nothing changed) or redirects after the change."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        form = response.context.get("form")
        if form is not None and form.errors:
            assert set(form.errors) <= set(fields) | {"__all__"}
            assert checksum() == before


@EXAMPLES
@given(name=FORM_TEXT, description=FORM_TEXT)
def test_group_forms_never_fail_on_any_text(world, name, description):
    ann = world.client("admin")
    fields = {"display_name": name, "description": description}
    before = checksum()
    _form_ok_or_refused(ann.post(f"{PORTAL}groups/new/", fields), before, fields)
    editors = world.acme.group
    before = checksum()
    url = f"{PORTAL}groups/{editors.public_id}/settings/"
    _form_ok_or_refused(ann.post(url, fields, HTTP_HX_REQUEST="true"), before, fields)
    before = checksum()
    response = ann.post(f"{PORTAL}groups/{editors.public_id}/delete/", {"confirm_name": name})
    assert response.status_code in (200, 302)
    if name.strip() != editors.display_name:
        assert Group.objects.filter(pk=editors.pk).exists()


@EXAMPLES
@given(name=FORM_TEXT, query=FORM_TEXT)
def test_api_key_form_and_searches_never_fail_on_any_text(world, name, query):
    ann = world.client("admin")
    before = checksum()
    response = ann.post(
        f"{PORTAL}settings/api-keys/", {"name": name, "user": str(world.acme.admin.public_id)}
    )
    assert response.status_code == 200
    if response.context["form"].errors:
        assert set(response.context["form"].errors) == {"name"}
        assert checksum() == before
    editors = world.acme.group.public_id
    for url in (
        f"{PORTAL}groups/",
        f"{PORTAL}groups/{editors}/",
        f"{PORTAL}groups/{editors}/members/add/",
    ):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            assert ann.get(url, {"q": query, "page": query}, **headers).status_code == 200


def _api(world):
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")


def _api_ok_or_refused(response, before, fields):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        body = response.json()
        assert body["error"] is True and body["message"]
        if response.status_code == 400 and body["details"]:
            assert set(body["details"]) <= set(fields) | {"body", "__all__"}, body
        assert checksum() == before


@EXAMPLES
@given(name=TEXT, slug=TEXT, description=TEXT)
def test_api_group_bodies_never_fail_on_any_text(world, name, slug, description):
    client = _api(world)
    fields = {"name": name, "slug": slug, "description": description}
    for method, url in (
        ("POST", "/t/acme/api/v1/groups"),
        ("PATCH", f"/t/acme/api/v1/groups/{world.acme.group.public_id}"),
    ):
        before = checksum()
        # json.dumps writes a lone surrogate as \\udxxx: valid JSON, not valid text.
        response = client.generic(method, url, json.dumps(fields), content_type="application/json")
        _api_ok_or_refused(response, before, fields)


@EXAMPLES
@given(key=TEXT, name=TEXT, search=TEXT)
def test_api_resource_bodies_and_searches_never_fail_on_any_text(world, key, name, search):
    client = _api(world)
    fields = {"type": "WORKFLOW_DEF", "key": key, "name": name}
    before = checksum()
    response = client.post("/t/acme/api/v1/resources", json.dumps(fields), "application/json")
    _api_ok_or_refused(response, before, fields)
    for path in ("groups", "users", f"groups/{world.acme.group.public_id}/members"):
        response = client.get(f"/t/acme/api/v1/{path}", {"search": search})
        assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\xff\xfe bad"}',
        b'{"name": "caf\xc3"}',
        b'{"name": "\\ud800"}',
        b'{"name": "ok", "description": "\\udfff"}',
        b'{"name": "nul \\u0000"}',
        b"\x00\x00\x00",
        b'{"name": ' + b'"x' * 3 + b"}",
        b"[]",
        b'"just a string"',
        b"",
    ],
)
def test_api_raw_bodies_with_invalid_text_are_refused_cleanly(world, raw):
    client = _api(world)
    before = checksum()
    response = client.generic("POST", "/t/acme/api/v1/groups", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] is True
    assert checksum() == before


# Bodies that are not a JSON object of text: bytes that are not UTF-8, a sequence cut short,
# NUL bytes, escaped lone surrogates, JSON that is not an object, nothing at all.
RAW_BODIES = {
    "invalid utf-8": b'{"query": "\xff"}',
    "truncated sequence": b'{"query": "caf\xc3"}',
    "nul bytes": b"\x00\x00\x00",
    "nul in a string": b'{"query": "\x00"}',
    "lone high surrogate": b'{"query": "\\ud800"}',
    "lone low surrogate in a key": b'{"\\udfff": "x"}',
    "a list": b"[]",
    "a string": b'"just a string"',
    "a number": b"42",
    "null": b"null",
    "empty": b"",
}
CREATE = "mutation($name: String!) { authGroupCreate(input: {name: $name}) { id } }"


@pytest.mark.parametrize("raw", RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_graphql_raw_bodies_with_invalid_text_are_refused_cleanly(world, raw):
    """Invalid UTF-8 was a 500 (strawberry decoded the body blindly), so was a JSON string."""
    client = _api(world)
    before = checksum()
    response = client.generic("POST", "/graphql", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"]
    assert checksum() == before


@pytest.mark.parametrize(
    "raw, said",
    [
        (b'{"query": "{ authGroups { count } }\xff"}', "not valid UTF-8"),
        (b'{"query": "\xe2\x82"}', "not valid UTF-8"),
        (b'{"query": "{ authGroups { count } }", "x": "caf\xc3"}', "not valid UTF-8"),
        (
            json.dumps({"query": CREATE, "variables": {"name": "Ed\ud800"}}).encode(),
            "lone surrogate (\\ud800)",
        ),
        (
            json.dumps({"query": CREATE, "variables": {"name": ["a", {"b": "\udc00"}]}}).encode(),
            "lone surrogate (\\udc00)",
        ),
        (b'"query"', "must be a JSON object"),
        (b"[1, 2]", "must be a JSON object"),
        (b"{", "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_graphql_refusal_of_a_raw_body_says_what_is_wrong(world, raw, said):
    client = _api(world)
    before = checksum()
    response = client.generic("POST", "/graphql", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert said in error["message"], error
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert checksum() == before


def test_graphql_without_credentials_is_401_whatever_the_body(world):
    response = Client().generic(
        "POST", "/graphql", b'{"query": "\xff"}', content_type="application/json"
    )
    assert response.status_code == 401


def _conductor_requests(world):
    return [
        ("PUT", f"/api/groups/{world.acme.group.slug}"),
        ("PUT", "/api/groups/brand-new"),
        ("POST", "/api/auth/authorization"),
        ("DELETE", "/api/auth/authorization"),
        ("POST", "/api/token"),
    ]


CONDUCTOR_RAW_BODIES = {name: raw for name, raw in RAW_BODIES.items() if "surrogate" not in name}


@pytest.mark.parametrize("raw", CONDUCTOR_RAW_BODIES.values(), ids=CONDUCTOR_RAW_BODIES.keys())
def test_conductor_raw_bodies_with_invalid_text_are_refused_cleanly(world, raw):
    """A list, a string or a number passed as an empty object before (PUT a group: 200)."""
    client = world.conductor_client("admin")
    for method, url in _conductor_requests(world):
        before = checksum()
        response = client.generic(method, url, raw, content_type="application/json")
        assert response.status_code == 400, (method, url, response.content)
        body = response.json()
        assert body["status"] == 400 and body["code"] == "INVALID_REQUEST" and body["message"]
        assert checksum() == before, (method, url)


def _authorization(subject="person", target="checkout", access="READ"):
    return {
        "subject": {"type": "USER", "id": subject},
        "target": {"type": "WORKFLOW_DEF", "id": target},
        "access": [access],
    }


@pytest.mark.parametrize(
    "method, url, body, path",
    [
        ("PUT", "/api/groups/editors", {"description": "Ed\ud800"}, "description"),
        ("PUT", "/api/groups/brand-new", {"description": "\udfff"}, "description"),
        ("PUT", "/api/groups/editors", {"roles": ["ADMIN", "\ud800"]}, "roles.1"),
        ("POST", "/api/auth/authorization", _authorization(target="\ud800"), "target.id"),
        ("POST", "/api/auth/authorization", _authorization(subject="\ud800"), "subject.id"),
        ("POST", "/api/auth/authorization", _authorization(access="\ud800"), "access.0"),
        ("DELETE", "/api/auth/authorization", _authorization(target="\ud800"), "target.id"),
        ("POST", "/api/token", {"keyId": "\ud800", "keySecret": "x"}, "keyId"),
        ("POST", "/api/token", {"keyId": "k", "keySecret": "\udbff"}, "keySecret"),
    ],
)
def test_conductor_lone_surrogates_are_refused_naming_the_field(world, method, url, body, path):
    """They reached the database driver or the secret's hash: 500s (description, target id,
    keySecret)."""
    client = world.conductor_client("admin")
    before = checksum()
    response = client.generic(method, url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert [error["path"] for error in response.json()["validationErrors"]] == [path]
    assert checksum() == before


@pytest.mark.parametrize(
    "raw",
    [
        b"display_name=%FF%FE&description=x",
        b"display_name=caf%C3&description=x",
        b"display_name=%00&description=x",
        b"display_name=%ED%A0%80&description=x",
    ],
)
def test_forms_with_invalid_utf8_bytes_never_fail(world, raw):
    """Django decodes form bytes that are not UTF-8 as U+FFFD (visibly replaced, never a
    500); a NUL is refused by the form. Either the replaced name is stored whole, or
    nothing changes."""
    ann = world.client("admin")
    before = checksum()
    response = ann.generic(
        "POST", f"{PORTAL}groups/new/", raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "display_name" in response.context["form"].errors
        assert checksum() == before
    else:
        created = Group.objects.get(
            organization=world.acme.organization, display_name__contains="\ufffd"
        )
        assert "\x00" not in created.display_name


@pytest.mark.parametrize("wildcard", ["%", "_", "\\", "%%", "_%_", "\\%"])
def test_search_treats_like_wildcards_literally(world, wildcard):
    admin, organization = world.acme.admin, world.acme.organization
    literal = group_services.group_create(
        organization=organization, display_name=f"Odd {wildcard} name", actor=admin
    )
    ann = world.client("admin")
    response = ann.get(f"{PORTAL}groups/", {"q": wildcard})
    shown = [group.pk for group in response.context["groups_page"].object_list]
    assert shown == [literal.pk]
    data = _api(world).get("/t/acme/api/v1/groups", {"search": wildcard}).json()["data"]
    assert [group["id"] for group in data] == [str(literal.public_id)]


@pytest.mark.parametrize("wildcard", ["%%%", "___", "\\\\\\"])
def test_people_search_treats_like_wildcards_literally(world, wildcard):
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/add/"
    assert list(ann.get(url, {"q": wildcard}).context["results"]) == []
    data = _api(world).get("/t/acme/api/v1/users", {"search": wildcard}).json()["data"]
    assert data == []


def test_a_search_with_a_nul_matches_nothing_instead_of_failing(world):
    """PostgreSQL refuses a NUL in a query (it was a 500): a search holding one finds nothing."""
    ann = world.client("admin")
    editors = world.acme.group.public_id
    response = ann.get(f"{PORTAL}groups/", {"q": "Edi\x00"})
    assert list(response.context["groups_page"].object_list) == []
    response = ann.get(f"{PORTAL}groups/{editors}/", {"q": "Dee\x00"})
    assert list(response.context["members_page"].object_list) == []
    response = ann.get(f"{PORTAL}groups/{editors}/members/add/", {"q": "Dee\x00"})
    assert list(response.context["results"]) == []
