"""What a careful attacker tries beyond issue 9's list: an open redirect through sign-in, a forged
Host header, login CSRF, session fixation, guessing an API key's secret, a regular expression
that ties the database up, and a query parameter naming another organization."""

import hmac
import json
import re
import secrets
import sys
import time
import uuid
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.api_keys import (
    api_key_create,
    api_key_for_credentials,
    api_key_revoke,
    token_for,
)
from apis.graphql.schema import NAME_REGEX_TIMEOUT_MS
from groups import services as group_services
from groups.models import Group
from tests.factories import PASSWORD

from .checksum import checksum

LOGIN = "/accounts/login/"
PRODUCTION_HOSTS = ["admin.example.com"]
EVIL = "evil.example"


def sign_in(client, email, *, query="", **data):
    return client.post(
        f"{LOGIN}{query}", {"username": email, "password": PASSWORD, **data}, REMOTE_ADDR="10.9.8.7"
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def on_our_site(location: str) -> bool:
    """A redirect a browser follows to this site: a path, not ``//host`` nor ``/\\host`` (which
    browsers read as another host), and no scheme or host of its own."""
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
    )


# --- open redirect --------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "///evil.example",
    "https:evil.example",
    " //evil.example",
    "\t//evil.example",
    "javascript:alert(1)",
    "https://admin.example.com@evil.example/",
]


def test_on_our_site_tells_paths_from_other_sites():
    assert on_our_site("/t/acme/portal/access-management/groups/")
    assert not any(on_our_site(target) for target in OFF_SITE)


@pytest.mark.parametrize("target", OFF_SITE)
@pytest.mark.parametrize("where", ["query", "form"])
def test_sign_in_with_an_off_site_next_redirects_home(client, org_member, target, where):
    data = {"next": target} if where == "form" else {}
    query = "?" + urlencode({"next": target}) if where == "query" else ""

    response = sign_in(client, org_member.email, query=query, **data)

    assert response.status_code == 302
    assert signed_in(client)
    assert response["Location"] == reverse("home")


def test_sign_in_follows_a_next_on_our_site(client, organization, org_member):
    # The control: the same sign-in does follow a next that stays here.
    target = reverse("groups:group_list", args=[organization.slug])
    response = sign_in(client, org_member.email, query="?" + urlencode({"next": target}))
    assert response["Location"] == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_sign_in_page_of_someone_signed_in_never_redirects_off_site(client, org_member, target):
    client.force_login(org_member)
    response = client.get(LOGIN, {"next": target})
    assert response.status_code == 302
    assert on_our_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_out_with_an_off_site_next_stays_on_our_site(client, org_member, target):
    client.force_login(org_member)
    response = client.post("/accounts/logout/?" + urlencode({"next": target}))
    assert not signed_in(client)
    if response.status_code == 302:
        assert on_our_site(response["Location"]), response["Location"]
    else:
        assert response.status_code == 200


# --- Host header ----------------------------------------------------------------------------

HOST_PATHS = [
    "/",
    LOGIN,
    "/t/acme/portal/access-management/groups/",
    "/t/acme/api/v1/groups",
    "/graphql",
    "/api/groups",
    "/admin/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", HOST_PATHS)
def test_a_request_for_an_untrusted_host_answers_400(
    settings, client, organization, org_admin, path
):
    settings.ALLOWED_HOSTS = PRODUCTION_HOSTS
    client.force_login(org_admin)

    for host in (EVIL, f"admin.example.com.{EVIL}", f"{EVIL}:443", f"{EVIL}#admin.example.com"):
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 400, (host, response.status_code)
        assert EVIL.encode() not in response.content
    # The control: the same request for our own host gets through.
    assert client.get(path, HTTP_HOST=PRODUCTION_HOSTS[0]).status_code != 400


FORWARDED = {
    "HTTP_HOST": PRODUCTION_HOSTS[0],
    "HTTP_X_FORWARDED_HOST": EVIL,
    "HTTP_X_FORWARDED_SERVER": EVIL,
    "HTTP_FORWARDED": f"host={EVIL};proto=https",
    "HTTP_X_HOST": EVIL,
    "HTTP_X_ORIGINAL_URL": f"https://{EVIL}/",
}


def _leaks(response) -> list[str]:
    """Where the untrusted host shows up in a response: its body or a header."""
    found = [name for name, value in response.headers.items() if EVIL in value]
    if EVIL.encode() in response.content:
        found.append("body")
    return found


def test_no_response_builds_a_url_from_a_forwarded_host(settings, organization, org_admin, group):
    """Behind a proxy, X-Forwarded-Host and its cousins are the attacker's: no page, redirect,
    API answer or error may build an absolute URL from them (USE_X_FORWARDED_HOST is off)."""
    settings.ALLOWED_HOSTS = PRODUCTION_HOSTS
    portal = f"/t/{organization.slug}/portal/access-management/"
    api = f"/t/{organization.slug}/api/v1/"
    anonymous = Client(**FORWARDED)
    browser = Client(**FORWARDED)
    browser.force_login(org_admin)
    key, secret = api_key_create(organization=organization, name="p", user=org_admin, actor=None)
    program = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}", **FORWARDED)

    answers = {
        "sign-in page": anonymous.get(LOGIN),
        "sign-in redirect": anonymous.get(f"{portal}groups/"),
        "home": browser.get("/"),
        "groups page": browser.get(f"{portal}groups/"),
        "group page": browser.get(f"{portal}groups/{group.public_id}/"),
        "htmx panel": browser.get(f"{portal}groups/", headers={"HX-Request": "true"}),
        "after create": browser.post(f"{portal}groups/new/", {"display_name": "Forwarded"}),
        "404 page": browser.get(f"{portal}groups/00000000-0000-0000-0000-000000000000/"),
        "api list": program.get(f"{api}groups"),
        "api page 2": program.get(f"{api}groups", {"page": 2, "limit": 1}),
        "api 401": anonymous.get(f"{api}groups"),
        "api docs": browser.get(f"{api}openapi.json"),
        "graphql": program.post(
            "/graphql", {"query": "{ authGroups { count } }"}, content_type="application/json"
        ),
        "admin": browser.get("/admin/"),
    }

    assert answers["after create"].status_code == 302
    assert answers["sign-in redirect"].status_code == 302
    assert {name: _leaks(response) for name, response in answers.items() if _leaks(response)} == {}


# --- login CSRF ----------------------------------------------------------------------------


def _form_token(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def test_sign_in_without_a_csrf_token_is_refused_and_starts_no_session(org_member):
    """Login CSRF: a page elsewhere must not sign the victim's browser in as the attacker."""
    browser = Client(enforce_csrf_checks=True)
    sessions = Session.objects.count()

    refused = sign_in(browser, org_member.email)

    assert refused.status_code == 403
    assert settings.SESSION_COOKIE_NAME not in browser.cookies
    assert Session.objects.count() == sessions
    assert not signed_in(browser)

    # Another browser's token does not do either.
    other = Client(enforce_csrf_checks=True)
    stolen = _form_token(other.get(LOGIN))
    assert sign_in(browser, org_member.email, csrfmiddlewaretoken=stolen).status_code == 403
    assert not signed_in(browser)

    # The control: with the token of its own sign-in page, the same browser signs in.
    token = _form_token(browser.get(LOGIN))
    assert sign_in(browser, org_member.email, csrfmiddlewaretoken=token).status_code == 302
    assert signed_in(browser)


# --- session fixation ------------------------------------------------------------------------


def test_sign_in_gives_the_browser_a_new_session_key(client, organization, org_member):
    """Session fixation: a session key planted before sign-in (say, by a subdomain's cookie) is
    worth nothing after it: the key changes and the old one is gone."""
    planted = client.session
    planted["planted"] = "by the attacker"
    planted.save()
    before = planted.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before

    assert sign_in(client, org_member.email).status_code == 302

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert signed_in(client)
    assert not Session.objects.filter(session_key=before).exists()
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = before
    groups = reverse("groups:group_list", args=[organization.slug])
    assert attacker.get(groups).status_code == 302  # to sign-in: the planted key signs nobody in


# --- API key secrets --------------------------------------------------------------------------


def _guesses(key, secret: str) -> dict[str, tuple[str, str]]:
    """(key id, secret) pairs an attacker tries, each of which must be refused."""
    other = "A" if secret[-1] != "A" else "B"
    return {
        "unknown key": (uuid.uuid4().hex, secrets.token_urlsafe(32)),
        "wrong secret, right length": (key.public_id.hex, secrets.token_urlsafe(32)),
        "last character wrong": (key.public_id.hex, secret[:-1] + other),
        "one character short": (key.public_id.hex, secret[:-1]),
        "one character more": (key.public_id.hex, secret + "A"),
        "other case": (key.public_id.hex, secret.swapcase()),
        "the stored hash": (key.public_id.hex, key.secret_hash),
        "not ASCII": (key.public_id.hex, secret[:-1] + "é"),
        "empty": (key.public_id.hex, ""),
    }


def _answer(response) -> tuple[int, bytes]:
    return response.status_code, response.content


@pytest.fixture
def admin_key(organization, org_admin):
    return api_key_create(organization=organization, name="ci", user=org_admin, actor=None)


@pytest.mark.parametrize("channel", ["v1", "graphql"])
def test_api_key_guesses_are_refused_exactly_like_an_unknown_key(organization, admin_key, channel):
    """A wrong secret for a real key id answers what an unknown key answers, byte for byte: the
    answer does not tell an attacker they have found a key id."""
    key, secret = admin_key

    def call(key_id, guess):
        client = Client(HTTP_AUTHORIZATION=f"Bearer acx_{key_id}_{guess}")
        if channel == "v1":
            return _answer(client.get(f"/t/{organization.slug}/api/v1/groups"))
        query = json.dumps({"query": "{ authGroups { count } }"})
        return _answer(client.post("/graphql", query, content_type="application/json"))

    answers = {name: call(*pair) for name, pair in _guesses(key, secret).items()}
    api_key_revoke(key=key, actor=None)
    answers["revoked key, right secret"] = call(key.public_id.hex, secret)

    reference = answers["unknown key"]
    assert reference[0] == 401
    assert {name: answer for name, answer in answers.items() if answer != reference} == {}


def test_api_key_right_secret_is_accepted(organization, admin_key):
    # The control of the test above: the same call with the right secret gets through.
    key, secret = admin_key
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")
    assert client.get(f"/t/{organization.slug}/api/v1/groups").status_code == 200


def test_conductor_token_guesses_are_refused_exactly_like_an_unknown_key(admin_key):
    key, secret = admin_key

    def exchange(key_id, guess):
        body = json.dumps({"keyId": key_id, "keySecret": guess})
        return _answer(Client().post("/api/token", body, content_type="application/json"))

    answers = {name: exchange(*pair) for name, pair in _guesses(key, secret).items()}

    reference = answers["unknown key"]
    assert reference[0] in {401, 403}, reference
    assert {name: answer for name, answer in answers.items() if answer != reference} == {}
    assert exchange(str(key.public_id), secret)[0] == 200


def test_api_key_secrets_are_compared_as_digests_in_constant_time(admin_key):
    """The comparison is ``hmac.compare_digest`` of two SHA-256 digests, seen by watching the
    calls the real code makes (a profiler, no mock): its time does not depend on how much of
    a guess is right, and a guess that is not ASCII cannot break it."""
    key, secret = admin_key
    compared = []

    def watch(frame, event, called):
        if event == "c_call" and getattr(called, "__name__", "") == "compare_digest":
            compared.append(called)

    sys.setprofile(watch)
    try:
        near_miss = api_key_for_credentials(key.public_id, secret[:-1] + "é")
        right = api_key_for_credentials(key.public_id, secret)
    finally:
        sys.setprofile(None)

    assert near_miss is None
    assert right == key
    assert compared == [hmac.compare_digest] * 2


# --- GraphQL nameRegex ----------------------------------------------------------------------

GROUP_NAMES = """query groups($nameRegex: String) {
  authGroups(nameRegex: $nameRegex, limit: 100) { count records { name } }
}"""
LONG_NAME = "a" * 30 + "b"
# Back-references make PostgreSQL's matcher try every split of the name: well over 15 s on
# LONG_NAME (measured), for a pattern Python compiles in a millisecond.
SLOW_PATTERN = r"^(.*)(.*)(.*)(.*)(.*)(.*)(.*)(.*)(.*)\9\8\7\6\5\4\3\2\1ab$"
SCHEMA_TIMEOUT_S = NAME_REGEX_TIMEOUT_MS / 1000
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statement timeout is PostgreSQL's"
)


def _names(client, pattern):
    started = time.monotonic()
    response = client.post(
        "/graphql",
        json.dumps({"query": GROUP_NAMES, "variables": {"nameRegex": pattern}}),
        content_type="application/json",
    )
    return response, time.monotonic() - started


@pytest.fixture
def long_named(organization, org_admin):
    return group_services.group_create(
        organization=organization, display_name=LONG_NAME, actor=org_admin
    )


@postgresql_only
@pytest.mark.parametrize(
    ("pattern", "matches"), [("(a+)+$", False), ("(.*a){20}", True), ("^(a|aa)+b$", True)]
)
def test_graphql_name_regex_patterns_catastrophic_for_backtracking_answer_at_once(
    organization, admin_key, long_named, pattern, matches
):
    """Patterns that take Python's (backtracking) engine minutes on LONG_NAME: PostgreSQL's
    matcher answers them well within the time limit (an answer without error), with the right
    groups."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(*admin_key)}")
    response, _ = _names(client, pattern)
    body = response.json()
    assert "errors" not in body, body
    assert (LONG_NAME in [r["name"] for r in body["data"]["authGroups"]["records"]]) is matches


@postgresql_only
def test_graphql_name_regex_too_slow_for_the_database_is_stopped_with_a_clear_error(
    organization, admin_key, long_named
):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(*admin_key)}")

    response, took = _names(client, SLOW_PATTERN)

    assert response.status_code == 200  # GraphQL reports errors in the body
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"].startswith("nameRegex took longer than 1 s"), errors
    # Stopped at the time limit (not after the 15 s or more it needs), and nothing of it runs on.
    assert took < SCHEMA_TIMEOUT_S + 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
            "AND pid <> pg_backend_pid()",
            ["%\\9\\8\\7%"],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"  # the request's own limit did not outlive it
    # The same connection answers the next question as usual.
    again, _ = _names(client, "^a{30}b$")
    assert [r["name"] for r in again.json()["data"]["authGroups"]["records"]] == [LONG_NAME]


# --- a query parameter naming another organization -------------------------------------------

# What an attacker appends, hoping a view reads the organization from the query string.
ELSEWHERE = {"organization": "globex", "org": "globex", "tenant": "globex", "org_slug": "globex"}


def _with(path: str, extra: dict) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urlencode(extra)}"


def test_an_organization_parameter_on_admin_center_pages_changes_nothing(world):
    acme = world.acme
    portal = f"/t/{acme.organization.slug}/portal/access-management/"
    pages = [
        "groups/",
        f"groups/{acme.group.public_id}/",
        f"groups/{acme.group.public_id}/members/add/?q=dee",
        "audit-log/",
        "resources/",
        f"users/{acme.member_of_group.public_id}/",
        "settings/api-keys/",
    ]
    client = world.client("admin")
    before = checksum()

    for page in pages:
        for headers in ({}, {"HX-Request": "true"}):
            plain = client.get(portal + page, headers=headers)
            tampered = client.get(_with(portal + page, ELSEWHERE), headers=headers)
            assert (plain.status_code, tampered.status_code) == (200, 200), page
            assert b"Globex" not in tampered.content, page
            assert b"Olga" not in tampered.content, page
    assert b"Acme Administrators" in client.get(_with(portal + "groups/", ELSEWHERE)).content
    assert checksum() == before


def test_an_organization_parameter_on_an_admin_center_form_acts_in_the_urls_organization(world):
    portal = f"/t/{world.acme.organization.slug}/portal/access-management/"
    client = world.client("admin")
    globex_groups = set(Group.objects.filter(organization=world.globex.organization))

    refused = client.post(
        _with(portal + "groups/new/", ELSEWHERE),
        {"display_name": "Planted", "organization": "globex", **ELSEWHERE},
    )
    assert refused.status_code == 400  # in the body: a field the form does not take
    assert not Group.objects.filter(display_name="Planted").exists()

    response = client.post(_with(portal + "groups/new/", ELSEWHERE), {"display_name": "Planted"})

    assert response.status_code == 302
    assert Group.objects.get(display_name="Planted").organization == world.acme.organization
    assert set(Group.objects.filter(organization=world.globex.organization)) == globex_groups


def test_an_organization_parameter_on_api_lists_changes_nothing(world):
    api = f"/t/{world.acme.organization.slug}/api/v1/"
    program = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['admin']}")
    browser = world.client("admin")
    lists = [
        "groups",
        f"groups/{world.acme.group.public_id}/members",
        f"groups/{world.acme.group.public_id}/member-groups",
        "users",
        "permission-sets",
        "resources",
        f"users/{world.acme.member_of_group.public_id}/groups",
        f"groups/{world.acme.group.public_id}/access",
        "grants",
        "deleted-groups",
        f"deleted-groups/{world.acme.deleted.public_id}",
    ]
    before = checksum()

    for path in lists:
        for client in (program, browser):
            plain = client.get(api + path)
            tampered = client.get(_with(api + path, ELSEWHERE))
            assert plain.status_code == 200, (path, plain.status_code)
            assert (tampered.status_code, tampered.json()) == (plain.status_code, plain.json())
            assert "Globex" not in tampered.content.decode(), path
    assert checksum() == before


def test_an_organization_parameter_does_not_open_another_organizations_api(world):
    # Naming Acme in the query string of Globex's URL: the URL and the key decide, a 404.
    before = checksum()
    globex_api = f"/t/{world.globex.organization.slug}/api/v1/groups"
    acme = {"organization": world.acme.organization.slug}
    program = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['admin']}")
    assert program.get(_with(globex_api, acme)).status_code == 404
    assert world.client("admin").get(_with(globex_api, acme)).status_code == 404
    assert checksum() == before


def test_an_organization_parameter_on_an_api_write_acts_in_the_urls_organization(world):
    api = f"/t/{world.acme.organization.slug}/api/v1/groups"
    program = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['admin']}")

    response = program.post(
        _with(api, ELSEWHERE), json.dumps({"name": "Planted"}), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert Group.objects.get(display_name="Planted").organization == world.acme.organization


def test_an_organization_parameter_on_conductor_lists_changes_nothing(world):
    client = world.conductor_client("admin")
    plain = client.get("/api/groups")
    tampered = client.get(_with("/api/groups", ELSEWHERE))
    assert plain.status_code == 200
    assert tampered.json() == plain.json()
    assert "Globex" not in tampered.content.decode()


def test_graphql_naming_another_organization_is_refused_not_obeyed(world):
    """GraphQL does read ``?organization=`` (a session in several organizations names one), so
    naming one the caller is not in must be refused, for a key and for a session alike."""
    query = json.dumps({"query": "{ authGroups { records { name } } }"})
    program = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['admin']}")
    browser = world.client("admin")
    before = checksum()

    for client in (program, browser):
        response = client.post(
            "/graphql?organization=globex", query, content_type="application/json"
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        header = client.post(
            "/graphql", query, content_type="application/json", HTTP_X_ORGANIZATION="globex"
        )
        assert header.status_code == 404
        assert "Globex" not in response.content.decode() + header.content.decode()
    names = [
        r["name"]
        for r in program.post("/graphql", query, content_type="application/json").json()["data"][
            "authGroups"
        ]["records"]
    ]
    assert "Acme Administrators" in names and not [n for n in names if "Globex" in n]
    assert checksum() == before
