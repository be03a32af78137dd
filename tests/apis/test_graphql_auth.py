"""Who may call /graphql and in which organization: API keys, the session (with CSRF), the
organization a session names, GET and the offline GraphiQL page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from accounts import services as account_services
from accounts.api_keys import api_key_create, api_key_revoke, token_for
from audit.models import AuditEvent
from groups.models import Group
from tests.apis.api_helpers import bearer
from tests.apis.graphql_helpers import URL, data_of, post

GROUP_NAMES = "query { authGroups { records { name } } }"
CREATE = 'mutation { authGroupCreate(input: {name: "Ops"}) { id name organization { slug } } }'
CSRF_SECRET = "a" * 32


def names(response) -> list[str]:
    return [record["name"] for record in data_of(response)["authGroups"]["records"]]


def unauthenticated(response) -> None:
    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.fixture
def session(org_admin):
    """Ann's browser: signed in, CSRF enforced as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


# --- API keys ---------------------------------------------------------------------------------


def test_key_acts_as_its_user_in_its_organization(admin_api, organization, org_admin, group):
    data = data_of(post(admin_api, CREATE))

    assert data["authGroupCreate"]["organization"] == {"slug": "acme"}
    event = AuditEvent.objects.get(action="group.created", target_name="Ops")
    assert (event.channel, event.actor, event.organization) == ("api", org_admin, organization)
    assert names(post(admin_api, GROUP_NAMES)) == [
        "Acme Administrators",
        "Acme Users",
        "Editors",
        "Ops",
    ]


def test_key_of_another_organization_sees_only_its_own(outsider_api, group):
    assert names(post(outsider_api, GROUP_NAMES)) == ["Globex Administrators", "Globex Users"]


def test_key_cannot_name_another_organization(admin_api, other_organization):
    response = post(admin_api, GROUP_NAMES, HTTP_X_ORGANIZATION="globex")

    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_key_may_name_its_own_organization(admin_api, group):
    assert "Editors" in names(post(admin_api, GROUP_NAMES, HTTP_X_ORGANIZATION="acme"))


@pytest.mark.parametrize(
    "authorization",
    ["Bearer acx_nonsense", "Bearer ", "Basic YWJjOmRlZg==", "Bearer acx_0_0"],
)
def test_bad_credentials_are_401(db, authorization):
    unauthenticated(post(Client(HTTP_AUTHORIZATION=authorization), GROUP_NAMES))


def test_revoked_key_is_401(organization, org_admin):
    key, secret = api_key_create(organization=organization, name="old", user=org_admin, actor=None)
    client = bearer(token_for(key, secret))
    assert names(post(client, GROUP_NAMES))
    api_key_revoke(key=key, actor=None)

    unauthenticated(post(client, GROUP_NAMES))


def test_no_credentials_is_401(db):
    unauthenticated(post(Client(), GROUP_NAMES))


def test_key_needs_no_csrf_token(organization, org_admin):
    key, secret = api_key_create(organization=organization, name="ci", user=org_admin, actor=None)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")

    assert data_of(post(client, CREATE))["authGroupCreate"]["name"] == "Ops"


# --- the session ------------------------------------------------------------------------------


def test_session_with_csrf_token_acts_in_its_only_organization(session, organization, org_admin):
    data = data_of(post(session, CREATE, HTTP_X_CSRFTOKEN=CSRF_SECRET))

    assert data["authGroupCreate"]["organization"] == {"slug": "acme"}
    event = AuditEvent.objects.get(action="group.created", target_name="Ops")
    assert (event.channel, event.actor) == ("api", org_admin)


def test_session_without_csrf_token_is_refused(session, organization):
    response = post(session, CREATE)

    assert response.status_code == 403
    assert not Group.objects.filter(display_name="Ops").exists()


def test_session_in_several_organizations_must_name_one(
    session, org_admin, organization, other_organization
):
    account_services.organization_user_add(
        organization=other_organization, user=org_admin, admin=False, actor=None
    )

    ambiguous = post(session, GROUP_NAMES, HTTP_X_CSRFTOKEN=CSRF_SECRET)
    by_header = post(session, GROUP_NAMES, HTTP_X_CSRFTOKEN=CSRF_SECRET, HTTP_X_ORGANIZATION="acme")
    by_parameter = session.post(
        f"{URL}?organization=globex",
        data={"query": GROUP_NAMES},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=CSRF_SECRET,
    )

    assert ambiguous.status_code == 400
    assert "X-Organization" in ambiguous.json()["errors"][0]["message"]
    assert "Acme Administrators" in names(by_header)
    # Ann is a plain member of Globex: she sees none of its groups.
    assert names(by_parameter) == []


def test_session_cannot_name_an_organization_it_is_not_in(session, other_organization):
    response = post(
        session, GROUP_NAMES, HTTP_X_CSRFTOKEN=CSRF_SECRET, HTTP_X_ORGANIZATION="globex"
    )

    assert response.status_code == 404


# --- GET and GraphiQL ---------------------------------------------------------------------------


def test_get_is_405_without_debug(db, settings):
    settings.DEBUG = False

    response = Client().get(URL, {"query": GROUP_NAMES})

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_other_methods_are_405(admin_api):
    assert admin_api.put(URL).status_code == 405


def test_graphiql_page_in_debug_loads_only_our_static_files(session, settings):
    settings.DEBUG = True

    response = session.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts)  # no inline script
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(src.startswith(settings.STATIC_URL) for src in sources)
    assert " style=" not in html and "onclick" not in html
    # The strict policy, with data: fonts (GraphiQL's) as its one addition.
    policy = response["Content-Security-Policy"]
    assert "font-src 'self' data:" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for src in sources:
        path = finders.find(src.removeprefix(settings.STATIC_URL))
        assert path and Path(path).stat().st_size > 0, src
    assert 'data-csrf-token="' in html and 'data-endpoint="/graphql"' in html


def test_vendored_graphiql_does_not_reach_the_network():
    for name in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js"):
        text = Path(finders.find(f"vendor/graphiql/{name}")).read_text(encoding="utf-8")
        assert "unpkg.com" not in text and "cdn.jsdelivr" not in text
        assert "sourceMappingURL=" not in text
