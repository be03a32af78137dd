"""Revocation is immediate: after removal from a group (directly or through a nested group), key
revocation, deactivation, removal from the organization or the right taken back, the very next
request is refused (session, htmx of an already open page, API key, GraphQL, Conductor token).
Nothing caches permissions across requests."""

from django.test import Client

from accounts import services as account_services
from accounts.api_keys import api_key_create, api_key_revoke, token_for
from groups import services as group_services
from tests.conftest import make_member

PORTAL = "/t/acme/portal/access-management/"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver" + PORTAL}


def _requests(world):
    editors = world.acme.group
    return [
        ("GET", f"{PORTAL}groups/{editors.public_id}/", {}),
        ("GET", f"{PORTAL}groups/{editors.public_id}/settings/", HTMX),
        ("POST", f"{PORTAL}groups/{editors.public_id}/settings/", HTMX),
    ]


def _status(client, method, url, headers):
    if method == "GET":
        return client.get(url, **headers).status_code
    data = {"display_name": "Editors", "description": "changed"}
    return client.post(url, data, **headers).status_code


def _keeper_group(world):
    """Keepers: a group holding every right on Editors; and Pat, who is in it."""
    acme = world.acme
    keepers = group_services.group_create(
        organization=acme.organization, display_name="Keepers", actor=acme.admin
    )
    group_services.group_rights_grant(
        group=acme.group,
        holder_group=keepers,
        rights=["view_group", "change_group", "manage_members"],
        actor=acme.admin,
    )
    pat = make_member(acme.organization, first_name="Pat", last_name="Kim")
    return keepers, pat


def _signed_in_keeper(world):
    """Pat, in Keepers, signed in: every request of ``_requests`` goes through (Keepers,
    Pat and his client)."""
    keepers, pat = _keeper_group(world)
    group_services.membership_add(group=keepers, users=[pat], actor=world.acme.admin)
    client = Client()
    client.force_login(pat)
    for method, url, headers in _requests(world):
        assert _status(client, method, url, headers) == 200
    return keepers, pat, client


def test_removal_from_the_group_that_gives_the_right_refuses_the_next_request(world):
    keepers, pat, client = _signed_in_keeper(world)

    group_services.membership_remove(group=keepers, users=[pat], actor=world.acme.admin)

    for method, url, headers in _requests(world):
        assert _status(client, method, url, headers) == 404, (method, url)
    # Pat's change went through while he held the right; the refused one changed nothing.
    world.acme.group.refresh_from_db()
    assert world.acme.group.description == "changed"


def test_removal_of_the_nested_group_refuses_its_members_next_request(world):
    keepers, pat = _keeper_group(world)
    inner = group_services.group_create(
        organization=world.acme.organization, display_name="Inner", actor=world.acme.admin
    )
    group_services.membership_add(group=inner, users=[pat], actor=world.acme.admin)
    group_services.member_group_add(parent=keepers, child=inner, actor=world.acme.admin)
    client = Client()
    client.force_login(pat)
    for method, url, headers in _requests(world):
        assert _status(client, method, url, headers) == 200

    group_services.member_group_remove(parent=keepers, child=inner, actor=world.acme.admin)

    for method, url, headers in _requests(world):
        assert _status(client, method, url, headers) == 404, (method, url)


def test_an_administrator_removed_from_administrators_is_refused_at_once(world):
    acme = world.acme
    second = make_member(acme.organization, admin=True, first_name="Sam", last_name="Second")
    client = Client()
    client.force_login(second)
    url = f"{PORTAL}groups/{acme.child.public_id}/settings/"
    assert client.get(url, **HTMX).status_code == 200
    administrators = group_services.default_group(acme.organization, "administrators")
    group_services.membership_remove(group=administrators, users=[second], actor=acme.admin)
    assert client.get(url, **HTMX).status_code == 404
    assert client.get(f"{PORTAL}groups/new/").status_code == 403


def test_a_revoked_key_is_refused_on_its_next_request(world):
    acme = world.acme
    key, secret = api_key_create(
        organization=acme.organization, name="soon revoked", user=acme.admin, actor=None
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")
    assert client.get("/t/acme/api/v1/groups").status_code == 200
    api_key_revoke(key=key, actor=acme.admin)
    assert client.get("/t/acme/api/v1/groups").status_code == 401
    body = '{"name": "After revocation"}'
    assert (
        client.post("/t/acme/api/v1/groups", body, content_type="application/json").status_code
        == 401
    )


def test_a_deactivated_user_is_signed_out_and_their_keys_refused_at_once(world):
    manager = world.users["manager"]
    session = world.client("manager")
    key = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['manager']}")
    detail = f"{PORTAL}groups/{world.acme.group.public_id}/"
    assert session.get(detail).status_code == 200
    assert session.get(detail, **HTMX).status_code == 200
    assert key.get(f"/t/acme/api/v1/groups/{world.acme.group.public_id}").status_code == 200

    account_services.user_set_active(user=manager, active=False, actor=None)

    response = session.get(detail)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # An open page's htmx request: the whole page goes to the sign-in form.
    response = session.get(detail, **HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/")
    response = session.post(f"{detail}settings/", {"display_name": "x"}, **HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert key.get(f"/t/acme/api/v1/groups/{world.acme.group.public_id}").status_code == 401
    world.acme.group.refresh_from_db()
    assert world.acme.group.display_name == "Editors"


def test_the_right_itself_taken_back_refuses_the_next_request(world):
    """Not the membership but the right: revoking the rights a group held on Editors."""
    keepers, _pat, client = _signed_in_keeper(world)

    group_services.group_rights_revoke(
        group=world.acme.group,
        holder_group=keepers,
        rights=["view_group", "change_group", "manage_members"],
        actor=world.acme.admin,
    )

    for method, url, headers in _requests(world):
        assert _status(client, method, url, headers) == 404, (method, url)


def test_removal_from_the_organization_refuses_every_channel_at_once(world):
    """The manager taken out of Acme: the open page, the API key, GraphQL and a Conductor
    token already exchanged are all refused on their very next request."""
    manager = world.users["manager"]
    session = world.client("manager")
    key = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['manager']}")
    conductor = world.conductor_client("manager")
    detail = f"{PORTAL}groups/{world.acme.group.public_id}/"
    graphql = '{"query": "{ authGroups { count } }"}'
    assert session.get(detail, **HTMX).status_code == 200
    assert key.get(f"/t/acme/api/v1/groups/{world.acme.group.public_id}").status_code == 200
    assert key.post("/graphql", graphql, content_type="application/json").status_code == 200
    assert conductor.get(f"/api/groups/{world.acme.group.slug}").status_code == 200

    account_services.organization_user_remove(
        organization=world.acme.organization, user=manager, actor=world.acme.admin
    )

    assert session.get(detail, **HTMX).status_code == 404
    response = session.post(f"{detail}settings/", {"display_name": "x"}, **HTMX)
    assert response.status_code == 404
    # Leaving revoked the manager's key (issue 15, item 3): every key channel answers 401.
    api_status = key.get(f"/t/acme/api/v1/groups/{world.acme.group.public_id}").status_code
    assert api_status == 401, api_status
    answer = key.post("/graphql", graphql, content_type="application/json")
    assert answer.status_code == 401, answer.content
    conductor_status = conductor.get(f"/api/groups/{world.acme.group.slug}").status_code
    assert conductor_status == 401, conductor_status  # INVALID_TOKEN: the key was revoked
    world.acme.group.refresh_from_db()
    assert world.acme.group.display_name == "Editors"
