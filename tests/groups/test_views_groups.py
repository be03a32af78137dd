"""The groups list, New Group, the home page and the organization switcher."""

import html
import json
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from audit.models import AuditEvent
from groups import access
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.helpers import messages_of

HTMX = {"HX-Request": "true"}


def list_url(organization):
    return reverse("groups:group_list", args=[organization.slug])


def create_url(organization):
    return reverse("groups:group_create", args=[organization.slug])


def detail_url(group):
    return reverse("groups:group_detail", args=[group.organization.slug, group.public_id])


def login_url_for(url):
    return f"{reverse('login')}?next={url}"


def group_names(response) -> list[str]:
    """The names in the rendered groups list, in order."""
    return [
        html.unescape(name)
        for name in re.findall(r'<span class="group-name">(.*?)</span>', response.content.decode())
    ]


def make_groups(organization, actor, count, *, start=1):
    return [
        group_services.group_create(
            organization=organization, display_name=f"Team {n:02d}", actor=actor
        )
        for n in range(start, start + count)
    ]


def is_partial_panel(response) -> bool:
    body = response.content.decode()
    return 'id="group-panel"' in body and "<html" not in body


def count_queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured.captured_queries)


# --- the groups list: who may see it ------------------------------------------------------------


def test_group_list_sends_anonymous_visitors_to_sign_in(client, organization):
    response = client.get(list_url(organization))

    assert response.status_code == 302
    assert response["Location"] == login_url_for(list_url(organization))


def test_group_list_sends_anonymous_htmx_requests_to_sign_in_as_a_whole_page(client, organization):
    response = client.get(list_url(organization), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == login_url_for(list_url(organization))
    assert b"group-list" not in response.content


def test_group_list_hides_the_organization_from_an_outsider(client, organization, group, outsider):
    client.force_login(outsider)

    assert client.get(list_url(organization)).status_code == 404
    assert client.get(list_url(organization), headers=HTMX).status_code == 404


def test_group_list_of_an_unknown_organization_is_not_found(client, org_admin):
    client.force_login(org_admin)

    assert client.get("/t/no-such-org/portal/access-management/groups/").status_code == 404


def test_group_list_shows_an_admin_every_group_default_groups_first(
    client, organization, org_admin, group
):
    zeta = group_services.group_create(organization=organization, display_name="Zeta", actor=None)
    alpha = group_services.group_create(organization=organization, display_name="Alpha", actor=None)
    client.force_login(org_admin)

    response = client.get(list_url(organization))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body
    assert 'id="group-list"' in body
    assert 'id="group-panel"' in body
    assert group_names(response) == [
        "Acme Administrators",
        "Acme Users",
        alpha.display_name,
        group.display_name,
        zeta.display_name,
    ]
    assert f'data-group-id="{group.public_id}"' in body
    assert "Create group" in body


def test_group_list_shows_a_plain_member_the_empty_state(client, organization, org_member, group):
    client.force_login(org_member)

    response = client.get(list_url(organization))

    assert response.status_code == 200
    body = response.content.decode()
    assert group_names(response) == []
    assert "You cannot see any group here yet" in body
    assert "Editors" not in body
    assert "Acme Administrators" not in body
    # Plain members hold no create_groups capability: no button.
    assert "Create group" not in body


def test_group_list_shows_the_group_manager_only_the_groups_they_hold_rights_on(
    client, organization, group, group_manager
):
    group_services.group_create(organization=organization, display_name="Ops", actor=None)
    client.force_login(group_manager)

    response = client.get(list_url(organization))

    assert response.status_code == 200
    assert group_names(response) == ["Editors"]
    body = response.content.decode()
    assert "Ops" not in body
    assert "Acme Administrators" not in body
    assert "Create group" not in body


def test_group_list_shows_member_counts(client, organization, org_admin, org_member, group):
    group_services.membership_add(group=group, users=[org_member, org_admin], actor=org_admin)
    client.force_login(org_admin)

    response = client.get(list_url(organization))

    counts = {item.display_name: item.member_count for item in response.context["groups_page"]}
    assert counts == {"Acme Administrators": 1, "Acme Users": 2, "Editors": 2}


def test_group_list_htmx_renders_the_empty_group_panel(client, organization, org_admin, group):
    client.force_login(org_admin)

    response = client.get(list_url(organization), headers=HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="group-panel"' in body
    assert "Select a group" in body
    assert "<html" not in body
    assert 'id="group-list"' not in body


def test_group_list_htmx_targeting_the_list_renders_only_the_list(
    client, organization, org_admin, group
):
    client.force_login(org_admin)

    response = client.get(list_url(organization), headers={**HTMX, "HX-Target": "group-list"})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="group-list"' in body
    assert "Editors" in body
    assert 'id="group-panel"' not in body
    assert "<html" not in body


def test_group_list_history_restore_gets_the_whole_page(client, organization, org_admin):
    client.force_login(org_admin)

    response = client.get(
        list_url(organization), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_group_list_varies_on_the_htmx_headers(client, organization, org_admin):
    client.force_login(org_admin)

    response = client.get(list_url(organization))

    vary = {value.strip() for value in response["Vary"].split(",")}
    assert {"HX-Request", "HX-Target"} <= vary


def test_group_list_search_filters_by_name(client, organization, org_admin, group):
    group_services.group_create(organization=organization, display_name="Ops", actor=None)
    client.force_login(org_admin)

    response = client.get(list_url(organization), {"q": "  edit "})

    assert response.status_code == 200
    assert group_names(response) == ["Editors"]


def test_group_list_search_without_a_match_says_so(client, organization, org_admin, group):
    client.force_login(org_admin)

    response = client.get(list_url(organization), {"q": "nothing-like-it"})

    assert group_names(response) == []
    assert "No group matches “nothing-like-it”" in response.content.decode()


def test_group_list_search_treats_wildcards_literally(client, organization, org_admin, group):
    client.force_login(org_admin)

    for query in ["%", "_", "\\", "%%%"]:
        response = client.get(list_url(organization), {"q": query})
        assert response.status_code == 200
        assert group_names(response) == []


def test_group_list_second_page(client, organization, org_admin):
    # 2 default groups + 25 custom ones: 27 rows, 25 a page.
    make_groups(organization, org_admin, 25)
    client.force_login(org_admin)

    first = client.get(list_url(organization))
    second = client.get(list_url(organization), {"page": 2})

    assert len(group_names(first)) == 25
    assert group_names(second) == ["Team 24", "Team 25"]
    body = second.content.decode()
    assert "Page 2 of 2" in body
    assert "27 groups" in body
    assert "Team 01" not in body


def test_group_list_second_page_over_htmx_renders_only_the_list(client, organization, org_admin):
    make_groups(organization, org_admin, 25)
    client.force_login(org_admin)

    response = client.get(
        list_url(organization), {"page": 2}, headers={**HTMX, "HX-Target": "group-list"}
    )

    assert group_names(response) == ["Team 24", "Team 25"]
    body = response.content.decode()
    assert 'id="group-list"' in body
    assert "<html" not in body


def test_group_list_past_the_last_page_shows_the_last_page(client, organization, org_admin):
    make_groups(organization, org_admin, 25)
    client.force_login(org_admin)

    for page in ["99", "garbage"]:
        response = client.get(list_url(organization), {"page": page})
        assert response.status_code == 200
        assert group_names(response)


@pytest.mark.parametrize("persona", ["org_admin", "group_manager"])
def test_group_list_runs_as_many_queries_for_20_groups_as_for_1(
    request, client, organization, org_admin, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    group_services.group_create(organization=organization, display_name="Team 00", actor=org_admin)
    more = make_groups(organization, org_admin, 19)
    if persona == "group_manager":
        # Editors (from the group_manager fixture) plus these: the manager sees 1 and then 20+.
        for item in more:
            group_services.group_rights_grant(
                group=item, user=user, rights=["view_group"], actor=org_admin
            )
    url = list_url(organization)
    client.get(url)  # warm the caches (content types) that every later request shares
    with_all = count_queries(client, url)

    for item in more:
        group_services.group_delete(group=item, actor=org_admin)
    with_one = count_queries(client, url)

    assert with_all == with_one


def test_group_list_escapes_group_names(client, organization, org_admin):
    group_services.group_create(
        organization=organization, display_name="<script>alert(1)</script>", actor=org_admin
    )
    client.force_login(org_admin)

    body = client.get(list_url(organization)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body


# --- New Group ----------------------------------------------------------------------------------


def test_group_create_sends_anonymous_visitors_to_sign_in(client, organization):
    response = client.get(create_url(organization))
    assert response.status_code == 302
    assert response["Location"] == login_url_for(create_url(organization))

    htmx = client.post(create_url(organization), {"display_name": "Sneaky"}, headers=HTMX)
    assert htmx["HX-Redirect"] == login_url_for(create_url(organization))
    assert not Group.objects.filter(display_name="Sneaky").exists()


def test_group_create_hides_the_organization_from_an_outsider(client, organization, outsider):
    client.force_login(outsider)

    assert client.get(create_url(organization)).status_code == 404
    response = client.post(create_url(organization), {"display_name": "Sneaky"})
    assert response.status_code == 404
    assert not Group.objects.filter(display_name="Sneaky").exists()


@pytest.mark.parametrize("persona", ["org_member", "group_manager"])
def test_group_create_refuses_who_lacks_the_create_groups_capability(
    request, client, organization, persona
):
    client.force_login(request.getfixturevalue(persona))
    before = Group.objects.count()

    assert client.get(create_url(organization)).status_code == 403
    assert client.get(create_url(organization), headers=HTMX).status_code == 403
    assert client.post(create_url(organization), {"display_name": "Sneaky"}).status_code == 403
    assert Group.objects.count() == before


def test_group_create_shows_the_new_group_form(client, organization, org_admin):
    client.force_login(org_admin)

    page = client.get(create_url(organization))
    panel = client.get(create_url(organization), headers=HTMX)

    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "New Group" in page.content.decode()
    assert panel.status_code == 200
    body = panel.content.decode()
    assert 'id="group-panel"' in body
    assert "New Group" in body
    assert 'name="display_name"' in body
    assert "<html" not in body


def test_group_create_varies_on_hx_request(client, organization, org_admin):
    # The same URL answers a whole page or a panel: a cache must keep them apart.
    client.force_login(org_admin)

    response = client.get(create_url(organization))

    assert "HX-Request" in {value.strip() for value in response["Vary"].split(",")}


def test_group_create_creates_the_group_and_redirects_to_it(client, organization, org_admin):
    client.force_login(org_admin)

    response = client.post(
        create_url(organization), {"display_name": "  Field   Team ", "description": "Outside"}
    )

    created = Group.objects.get(organization=organization, display_name="Field Team")
    assert created.description == "Outside"
    assert created.kind == Group.Kind.CUSTOM
    assert created.created_by == org_admin
    assert response.status_code == 302
    assert response["Location"] == detail_url(created)
    assert messages_of(response) == ["Created the group Field Team. Add its members next."]
    event = AuditEvent.objects.get(action="group.created", target_id=str(created.public_id))
    assert event.channel == "ui"
    assert event.actor == org_admin
    # The creator holds every right on the new group.
    assert access.Access(org_admin).rights_on(created) == set(access.GROUP_RIGHTS)


def test_group_create_over_htmx_answers_with_the_new_group_panel(client, organization, org_admin):
    client.force_login(org_admin)

    response = client.post(create_url(organization), {"display_name": "Field Team"}, headers=HTMX)

    created = Group.objects.get(organization=organization, display_name="Field Team")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="group-panel"' in body
    assert f'data-group-id="{created.public_id}"' in body
    assert "Created the group Field Team. Add its members next." in body
    assert "<html" not in body
    assert response["HX-Push-Url"] == detail_url(created)
    assert "group-changed" in json.loads(response["HX-Trigger"])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"display_name": "editors"}, "A group named “editors” already exists."),
        ({"display_name": "Acme Users"}, "A group named “Acme Users” already exists."),
        ({"display_name": "   "}, "This field is required."),
        ({"display_name": "x" * 101}, "at most 100 characters"),
        ({"display_name": "Bad\x07Name"}, "cannot contain control characters"),
        ({"display_name": "Fine", "description": "d" * 1001}, "at most 1000 characters"),
    ],
)
def test_group_create_shows_errors_and_creates_nothing(
    client, organization, org_admin, group, data, error
):
    client.force_login(org_admin)
    before = Group.objects.count()

    for headers in ({}, HTMX):
        response = client.post(create_url(organization), data, headers=headers)
        assert response.status_code == 200
        assert error in response.content.decode()
        assert "HX-Trigger" not in response
    assert Group.objects.count() == before


def test_group_create_refuses_other_methods(client, organization, org_admin):
    client.force_login(org_admin)

    assert client.put(create_url(organization)).status_code == 405
    assert client.delete(create_url(organization)).status_code == 405


# --- home ---------------------------------------------------------------------------------------


def test_home_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == login_url_for("/")


def test_home_sends_a_member_to_their_organizations_groups(client, organization, org_member):
    client.force_login(org_member)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == list_url(organization)


def test_home_sends_an_outsider_to_their_own_organization(client, other_organization, outsider):
    client.force_login(outsider)

    assert client.get("/")["Location"] == list_url(other_organization)


def test_home_tells_a_user_without_organization_so(client, db):
    client.force_login(UserFactory(first_name="No", last_name="Where"))

    response = client.get("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "You are not in any organization yet" in body
    assert "<html" in body


def test_home_of_a_user_removed_from_their_organization_says_so(client, organization, org_member):
    account_services.organization_user_remove(
        organization=organization, user=org_member, actor=None
    )
    client.force_login(org_member)

    response = client.get("/")

    assert response.status_code == 200
    assert "You are not in any organization yet" in response.content.decode()
    assert client.get(list_url(organization)).status_code == 404


# --- organization switcher ----------------------------------------------------------------------


def test_org_switcher_lists_every_organization_of_the_user(
    client, organization, other_organization, org_admin
):
    account_services.organization_user_add(
        organization=other_organization, user=org_admin, actor=None
    )
    client.force_login(org_admin)

    response = client.get(list_url(organization))

    body = response.content.decode()
    assert list(response.context["organizations"]) == [organization, other_organization]
    assert f'href="{list_url(organization)}" aria-current="true"' in body
    assert f'href="{list_url(other_organization)}"' in body


def test_org_switcher_leads_to_the_other_organization(
    client, organization, other_organization, org_admin, outsider
):
    account_services.organization_user_add(
        organization=other_organization, user=org_admin, actor=None
    )
    client.force_login(org_admin)

    response = client.get(list_url(other_organization))

    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="{list_url(other_organization)}" aria-current="true"' in body
    # A plain member of Globex: sees none of its groups, and none of Acme's leak in.
    assert group_names(response) == []
    assert "Acme Administrators" not in body


def test_org_switcher_lists_only_the_users_organizations(
    client, organization, other_organization, outsider
):
    client.force_login(outsider)

    response = client.get(list_url(other_organization))

    assert list(response.context["organizations"]) == [other_organization]
    assert list_url(organization) not in response.content.decode()


def test_org_switcher_leaves_out_organizations_the_user_left(
    client, organization, other_organization, org_admin
):
    second_admin = make_member(other_organization, admin=True)
    account_services.organization_user_add(
        organization=other_organization, user=org_admin, actor=None
    )
    account_services.organization_user_remove(
        organization=other_organization, user=org_admin, actor=second_admin
    )
    client.force_login(org_admin)

    response = client.get(list_url(organization))

    assert list(response.context["organizations"]) == [organization]


def test_group_list_unknown_group_uuid_in_the_path_is_not_found(client, organization, org_admin):
    client.force_login(org_admin)

    assert client.get(f"{list_url(organization)}{uuid.uuid4()}/").status_code == 404
    assert client.get(f"{list_url(organization)}not-a-uuid/").status_code == 404


def test_group_create_with_an_empty_post_shows_the_errors(client, organization, org_admin):
    client.force_login(org_admin)
    before = Group.objects.count()

    response = client.post(create_url(organization), {}, headers=HTMX)

    assert response.status_code == 200
    assert is_partial_panel(response)
    assert "This field is required." in response.content.decode()
    assert Group.objects.count() == before
