"""Add Members (search, pick, add) and Remove from Group."""

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
from groups import services as group_services
from groups.models import Membership
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.helpers import messages_of

HTMX = {"HX-Request": "true"}
RESULTS = {**HTMX, "HX-Target": "search-results"}
LAST_ADMIN = (
    "“Acme Administrators” must keep at least one active member: this operation would remove "
    "the last administrator."
)


@pytest.fixture
def people(organization, other_organization):
    """Acme people whose first or last name contains "joh", one who does not, and a John of
    Globex who must never show up in Acme."""
    make_member(other_organization, first_name="John", last_name="Globex")
    return {
        "john": make_member(organization, first_name="John", last_name="Smith"),
        "johanna": make_member(organization, first_name="Johanna", last_name="Berg"),
        "marcus": make_member(organization, first_name="Marcus", last_name="Johnson"),
        "paula": make_member(organization, first_name="Paula", last_name="Green"),
    }


def add_url(group, *, organization=None, group_id=None):
    org = organization or group.organization
    return reverse("groups:members_add", args=[org.slug, group_id or group.public_id])


def remove_url(group, user_id, *, organization=None):
    org = organization or group.organization
    return reverse("groups:member_remove", args=[org.slug, group.public_id, user_id])


def detail_url(group):
    return reverse("groups:group_detail", args=[group.organization.slug, group.public_id])


def result_names(response) -> list[str]:
    """The people listed in the rendered search results, in order."""
    body = response.content.decode()
    results = body[body.index('id="search-results"') :]
    return [html.unescape(name) for name in re.findall(r'<span class="name">(.*?)</span>', results)]


def checkbox_for(user) -> str:
    return f'name="users" value="{user.public_id}"'


def is_partial(response, root_id) -> bool:
    body = response.content.decode()
    return f'id="{root_id}"' in body and "<html" not in body


def member_ids(group) -> set[int]:
    return set(Membership.objects.filter(group_id=group.pk).values_list("user_id", flat=True))


def name_searches(captured) -> list[str]:
    """The captured SQL that searches people by name (access checks and the session's user
    load also read accounts_user, but never filter first_name with LIKE)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if "first_name" in query["sql"] and " LIKE " in query["sql"].upper()
    ]


# --- members_add: who may open it ---------------------------------------------------------------


def test_members_add_sends_anonymous_visitors_to_sign_in(client, group, people):
    response = client.get(add_url(group))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={add_url(group)}"

    htmx = client.post(add_url(group), {"users": [people["john"].public_id]}, headers=HTMX)
    assert htmx["HX-Redirect"] == f"{reverse('login')}?next={add_url(group)}"
    assert member_ids(group) == set()


def test_members_add_hides_the_group_from_an_outsider(
    client, other_organization, group, outsider, people
):
    client.force_login(outsider)
    data = {"users": [people["john"].public_id]}

    for target in (add_url(group), add_url(group, organization=other_organization)):
        assert client.get(target).status_code == 404
        assert client.get(target, {"q": "joh"}, headers=RESULTS).status_code == 404
        assert client.post(target, data).status_code == 404
        assert client.post(target, data, headers=HTMX).status_code == 404
    assert member_ids(group) == set()


def test_members_add_hides_the_group_from_a_plain_member(client, group, org_member, people):
    client.force_login(org_member)

    assert client.get(add_url(group)).status_code == 404
    assert client.post(add_url(group), {"users": [org_member.public_id]}).status_code == 404
    assert member_ids(group) == set()


def test_members_add_refuses_a_viewer(client, group, viewer, people):
    client.force_login(viewer)

    assert client.get(add_url(group)).status_code == 403
    assert client.get(add_url(group), headers=HTMX).status_code == 403
    response = client.post(add_url(group), {"users": [people["john"].public_id]}, headers=HTMX)
    assert response.status_code == 403
    assert member_ids(group) == set()


def test_members_add_unknown_group_is_not_found(client, group, org_admin):
    client.force_login(org_admin)

    assert client.get(add_url(group, group_id=uuid.uuid4())).status_code == 404
    garbage = add_url(group).replace(str(group.public_id), "0000")
    assert client.get(garbage).status_code == 404


def test_members_add_refuses_other_methods(client, group, org_admin):
    client.force_login(org_admin)

    assert client.put(add_url(group)).status_code == 405
    assert client.delete(add_url(group)).status_code == 405


@pytest.mark.parametrize("persona", ["org_admin", "group_manager"])
def test_members_add_renders_the_page_or_the_panel(request, client, group, persona):
    client.force_login(request.getfixturevalue(persona))

    page = client.get(add_url(group))
    panel = client.get(add_url(group), headers=HTMX)

    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "Add Members" in page.content.decode()
    assert panel.status_code == 200
    assert is_partial(panel, "group-panel")
    body = panel.content.decode()
    assert "to Editors" in body
    assert "Results appear as you type." in body
    assert {"HX-Request", "HX-Target"} <= {value.strip() for value in page["Vary"].split(",")}


# --- members_add: the search --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "j", "jo", "  jo  ", "\tjo\n"])
def test_members_add_search_under_three_characters_runs_no_search(
    client, group, org_admin, people, query
):
    client.force_login(org_admin)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(add_url(group), {"q": query}, headers=RESULTS)

    assert response.status_code == 200
    assert name_searches(captured) == []
    assert result_names(response) == []
    body = response.content.decode()
    hint = "Keep typing: at least 3 characters." if query.strip() else "Results appear as you type."
    assert hint in body


def test_members_add_search_from_three_characters_runs_one_search(client, group, org_admin, people):
    # The check the test above relies on does see the search when there is one.
    client.force_login(org_admin)

    with CaptureQueriesContext(connection) as captured:
        client.get(add_url(group), {"q": "joh"}, headers=RESULTS)

    assert len(name_searches(captured)) == 1


def test_members_add_search_finds_first_and_last_names(client, group, org_admin, people):
    client.force_login(org_admin)

    response = client.get(add_url(group), {"q": "joh"})

    assert response.status_code == 200
    assert result_names(response) == ["Johanna Berg", "Marcus Johnson", "John Smith"]
    body = response.content.decode()
    for key in ("john", "johanna", "marcus"):
        assert checkbox_for(people[key]) in body
    assert "Paula" not in body


def test_members_add_search_matches_every_word(client, group, org_admin, people):
    client.force_login(org_admin)

    response = client.get(add_url(group), {"q": "JOH  smi"}, headers=RESULTS)

    assert result_names(response) == ["John Smith"]


def test_members_add_search_never_shows_people_of_other_organizations(
    client, group, org_admin, outsider, people
):
    client.force_login(org_admin)

    joh = client.get(add_url(group), {"q": "joh"}, headers=RESULTS).content.decode()
    olga = client.get(add_url(group), {"q": "olga"}, headers=RESULTS)

    assert "Globex" not in joh
    assert result_names(olga) == []
    assert checkbox_for(outsider) not in olga.content.decode()
    assert "Nobody in Acme has a first or last name containing “olga”." in olga.content.decode()


def test_members_add_search_leaves_out_deactivated_people(client, group, org_admin, people):
    account_services.user_set_active(user=people["johanna"], active=False, actor=None)
    client.force_login(org_admin)

    response = client.get(add_url(group), {"q": "joh"}, headers=RESULTS)

    assert result_names(response) == ["Marcus Johnson", "John Smith"]


def test_members_add_search_marks_who_is_already_a_member(client, group, org_admin, people):
    group_services.membership_add(group=group, users=[people["john"]], actor=org_admin)
    client.force_login(org_admin)

    response = client.get(add_url(group), {"q": "joh"}, headers=RESULTS)

    body = response.content.decode()
    assert result_names(response) == ["Johanna Berg", "Marcus Johnson", "John Smith"]
    assert checkbox_for(people["john"]) not in body
    assert "John Smith is already a member" in body
    assert body.count("Already a member") == 1
    assert checkbox_for(people["johanna"]) in body


def test_members_add_search_treats_wildcards_literally(client, organization, group, org_admin):
    make_member(organization, first_name="Per%cent", last_name="Under_score")
    make_member(organization, first_name="Back\\slash", last_name="Plain")
    make_member(organization, first_name="Rebus", last_name="Rx")
    client.force_login(org_admin)

    def search(query):
        response = client.get(add_url(group), {"q": query}, headers=RESULTS)
        assert response.status_code == 200
        return result_names(response)

    # As wildcards, these would match everyone (or "Rebus").
    assert search("%%%") == []
    assert search("___") == []
    assert search("\\\\\\") == []
    assert search("r%c") == ["Per%cent Under_score"]
    assert search("r_s") == ["Per%cent Under_score"]
    assert search("k\\s") == ["Back\\slash Plain"]


def test_members_add_htmx_targeting_the_results_renders_only_them(client, group, org_admin, people):
    client.force_login(org_admin)

    response = client.get(add_url(group), {"q": "joh"}, headers=RESULTS)

    assert response.status_code == 200
    assert is_partial(response, "search-results")
    body = response.content.decode()
    assert 'id="group-panel"' not in body
    assert 'id="add-members-form"' not in body
    assert len(result_names(response)) == 3


def test_members_add_search_runs_as_many_queries_for_20_results_as_for_1(
    client, organization, group, org_admin
):
    make_member(organization, first_name="Quinn", last_name="Q00")
    client.force_login(org_admin)
    target = add_url(group)
    client.get(target, {"q": "quinn"})  # warm the caches every later request shares

    def measure():
        counts = []
        for headers in ({}, HTMX, RESULTS):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target, {"q": "quinn"}, headers=headers)
            assert response.status_code == 200
            counts.append(len(captured.captured_queries))
        return counts, len(result_names(response))

    with_one, shown = measure()
    assert shown == 1
    more = [make_member(organization, first_name="Quinn", last_name=f"Q{n:02d}") for n in range(19)]
    group_services.membership_add(group=group, users=more[:5], actor=org_admin)
    with_twenty, shown = measure()
    assert shown == 20

    assert with_one == with_twenty


# --- members_add: POST --------------------------------------------------------------------------


def test_members_add_adds_the_people_picked(client, group, org_admin, people):
    client.force_login(org_admin)
    picked = [people["john"], people["marcus"]]

    response = client.post(add_url(group), {"users": [user.public_id for user in picked]})

    assert member_ids(group) == {user.pk for user in picked}
    assert response.status_code == 302
    assert response["Location"] == detail_url(group)
    assert messages_of(response) == ["Added 2 members to Editors."]
    events = AuditEvent.objects.filter(action="membership.added", target_id=str(group.public_id))
    assert sorted(event.after["user"] for event in events) == ["John Smith", "Marcus Johnson"]
    assert {(event.channel, event.actor_id) for event in events} == {("ui", org_admin.pk)}
    assert set(Membership.objects.filter(group_id=group.pk).values_list("added_by", flat=True)) == {
        org_admin.pk
    }


def test_members_add_over_htmx_answers_with_the_members_tab(client, group, org_admin, people):
    client.force_login(org_admin)

    response = client.post(
        add_url(group),
        {"users": [people["john"].public_id, people["johanna"].public_id]},
        headers=HTMX,
    )

    assert member_ids(group) == {people["john"].pk, people["johanna"].pk}
    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    body = response.content.decode()
    assert 'id="member-table"' in body
    assert "Added 2 members to Editors." in body
    assert "John Smith" in body
    assert "membership-changed" in json.loads(response["HX-Trigger"])
    assert response["HX-Push-Url"] == detail_url(group)


def test_members_add_by_the_group_manager(client, group, group_manager, people):
    client.force_login(group_manager)

    response = client.post(add_url(group), {"users": [people["paula"].public_id]})

    assert response.status_code == 302
    assert messages_of(response) == ["Added 1 member to Editors."]
    assert member_ids(group) == {people["paula"].pk}


def test_members_add_leaves_existing_members_as_they_are(client, group, org_admin, people):
    group_services.membership_add(group=group, users=[people["john"]], actor=org_admin)
    client.force_login(org_admin)

    response = client.post(
        add_url(group), {"users": [people["john"].public_id, people["johanna"].public_id]}
    )

    assert messages_of(response) == ["Added 1 member to Editors (1 already a member)."]
    assert member_ids(group) == {people["john"].pk, people["johanna"].pk}
    assert AuditEvent.objects.filter(action="membership.added", channel="ui").count() == 1


def test_members_add_refuses_someone_of_another_organization(
    client, group, org_admin, outsider, people
):
    client.force_login(org_admin)

    for headers in ({}, HTMX):
        response = client.post(
            add_url(group),
            {"users": [people["john"].public_id, outsider.public_id]},
            headers=headers,
        )
        assert response.status_code == 200
        assert "HX-Trigger" not in response
        assert "Nothing was added: 1 of the people picked are not in Acme." in (
            response.content.decode()
        )
    assert member_ids(group) == set()
    assert not AuditEvent.objects.filter(action="membership.added", channel="ui").exists()


@pytest.mark.parametrize("bad", ["27ac030d-423b-4588-ab89-fab26cb0d560", "not-a-uuid", "1"])
def test_members_add_refuses_unknown_people(client, group, org_admin, people, bad):
    client.force_login(org_admin)

    response = client.post(add_url(group), {"users": [people["john"].public_id, bad]})

    assert response.status_code == 200
    assert messages_of(response) == ["Nothing was added: 1 of the people picked are not in Acme."]
    assert member_ids(group) == set()


def test_members_add_refuses_someone_in_no_organization(client, group, org_admin):
    loner = UserFactory(first_name="Lone", last_name="Wolf")
    client.force_login(org_admin)

    response = client.post(add_url(group), {"users": [loner.public_id]})

    assert response.status_code == 200
    assert messages_of(response) == ["Nothing was added: 1 of the people picked are not in Acme."]
    assert member_ids(group) == set()


def test_members_add_refuses_a_deactivated_person(client, group, org_admin, people):
    account_services.user_set_active(user=people["paula"], active=False, actor=None)
    client.force_login(org_admin)

    response = client.post(
        add_url(group), {"users": [people["john"].public_id, people["paula"].public_id]}
    )

    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Deactivated, so nothing was added: Paula Green")
    assert member_ids(group) == set()


def test_members_add_asks_for_someone_to_add(client, group, org_admin):
    client.force_login(org_admin)

    response = client.post(add_url(group), {}, headers=HTMX)

    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    assert "Pick at least one person to add." in response.content.decode()
    assert "HX-Trigger" not in response


def test_members_add_to_the_users_group_is_refused(client, users_group, org_admin, people):
    # The Members tab offers no Add Members (see test_views_details); opening the panel by URL
    # or forging a POST says why, and nothing changes.
    client.force_login(org_admin)
    before = member_ids(users_group)
    message = "Everyone in Acme is in Acme Users: there is nobody to add."

    for method in (client.get, client.post):
        response = method(add_url(users_group), {"users": [people["john"].public_id]})
        assert response.status_code == 302
        assert response["Location"] == users_group_url(users_group)
        response = method(add_url(users_group), {"users": [people["john"].public_id]}, headers=HTMX)
        assert response.status_code == 200
        assert "HX-Trigger" not in response
        body = response.content.decode()
        assert message in body
        assert 'id="add-members-form"' not in body
    assert member_ids(users_group) == before
    assert not AuditEvent.objects.filter(action="membership.added", channel="ui").exists()


def users_group_url(group):
    return reverse("groups:group_detail", args=[group.organization.slug, group.public_id])


def test_members_add_to_administrators(client, administrators, org_admin, people):
    client.force_login(org_admin)

    response = client.post(add_url(administrators), {"users": [people["john"].public_id]})

    assert response.status_code == 302
    assert messages_of(response) == ["Added 1 member to Acme Administrators."]
    assert people["john"].pk in member_ids(administrators)


# --- member_remove ------------------------------------------------------------------------------


@pytest.fixture
def bo_in_editors(group, org_admin, org_member):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    return org_member


def test_member_remove_asks_for_confirmation(client, group, org_admin, bo_in_editors):
    client.force_login(org_admin)

    page = client.get(remove_url(group, bo_in_editors.public_id))
    panel = client.get(remove_url(group, bo_in_editors.public_id), headers=HTMX)

    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "Remove Bo Chen from Editors?" in page.content.decode()
    assert panel.status_code == 200
    assert is_partial(panel, "group-panel")
    assert "Remove Bo Chen from Editors?" in panel.content.decode()
    assert "HX-Request" in {value.strip() for value in page["Vary"].split(",")}
    # Asking changes nothing.
    assert bo_in_editors.pk in member_ids(group)


def test_member_remove_removes_and_redirects(client, group, org_admin, bo_in_editors):
    client.force_login(org_admin)

    response = client.post(remove_url(group, bo_in_editors.public_id))

    assert bo_in_editors.pk not in member_ids(group)
    assert response.status_code == 302
    assert response["Location"] == detail_url(group)
    assert messages_of(response) == ["Removed Bo Chen from Editors."]
    event = AuditEvent.objects.get(action="membership.removed", target_id=str(group.public_id))
    assert (event.channel, event.actor, event.before["user"]) == ("ui", org_admin, "Bo Chen")


def test_member_remove_over_htmx_answers_with_the_members_tab(
    client, group, org_admin, bo_in_editors
):
    client.force_login(org_admin)

    response = client.post(remove_url(group, bo_in_editors.public_id), headers=HTMX)

    assert bo_in_editors.pk not in member_ids(group)
    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    body = response.content.decode()
    assert "Removed Bo Chen from Editors." in body
    assert "No members yet" in body
    assert "membership-changed" in json.loads(response["HX-Trigger"])
    assert response["HX-Push-Url"] == detail_url(group)


def test_member_remove_by_the_group_manager(client, group, group_manager, bo_in_editors):
    client.force_login(group_manager)

    response = client.post(remove_url(group, bo_in_editors.public_id))

    assert response.status_code == 302
    assert bo_in_editors.pk not in member_ids(group)


def test_member_remove_refuses_the_last_administrator(client, administrators, org_admin):
    client.force_login(org_admin)

    response = client.post(remove_url(administrators, org_admin.public_id))

    assert response.status_code == 302
    assert response["Location"] == detail_url(administrators)
    assert messages_of(response) == [LAST_ADMIN]
    assert org_admin.pk in member_ids(administrators)
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_member_remove_shows_the_last_administrator_refusal_in_the_panel(
    client, administrators, org_admin
):
    client.force_login(org_admin)

    response = client.post(remove_url(administrators, org_admin.public_id), headers=HTMX)

    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    assert html.escape(LAST_ADMIN, quote=False) in response.content.decode()
    assert org_admin.pk in member_ids(administrators)


def test_member_remove_of_an_administrator_when_another_remains(
    client, organization, administrators, org_admin
):
    second = make_member(organization, admin=True, first_name="Sam", last_name="Second")
    client.force_login(org_admin)

    response = client.post(remove_url(administrators, second.public_id))

    assert messages_of(response) == ["Removed Sam Second from Acme Administrators."]
    assert member_ids(administrators) == {org_admin.pk}


def test_member_remove_from_the_users_group_is_refused(client, users_group, org_admin, org_member):
    client.force_login(org_admin)

    response = client.post(remove_url(users_group, org_member.public_id))

    assert messages_of(response) == [
        "Everyone in Acme is in “Acme Users”: remove people in the organization instead."
    ]
    assert org_member.pk in member_ids(users_group)


def test_member_remove_of_an_inherited_member_says_why_and_changes_nothing(
    client, organization, group, org_admin
):
    """Wu is in Editors only through the member group Writers: removing him from Editors would
    change nothing, and the page says so instead of "Removed" (the service refuses)."""
    writers = group_services.group_create(
        organization=organization, display_name="Writers", actor=org_admin
    )
    wu = make_member(organization, first_name="Wu", last_name="Chen")
    group_services.membership_add(group=writers, users=[wu], actor=org_admin)
    group_services.member_group_add(parent=group, child=writers, actor=org_admin)
    client.force_login(org_admin)

    response = client.post(remove_url(group, wu.public_id))

    assert messages_of(response) == [
        "Wu Chen is in “Editors” only through a member group (“Writers”): remove them from that "
        "group, or take that group out of this one."
    ]
    assert wu.pk in member_ids(group)
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


@pytest.mark.parametrize("who", ["non_member", "outsider", "unknown"])
def test_member_remove_of_someone_not_in_the_group_changes_nothing(
    client, group, org_admin, org_member, outsider, bo_in_editors, who
):
    user_id = {
        "non_member": make_member(group.organization).public_id,
        "outsider": outsider.public_id,
        "unknown": uuid.uuid4(),
    }[who]
    client.force_login(org_admin)

    for method in (client.get, client.post):
        response = method(remove_url(group, user_id), follow=True)
        assert response.redirect_chain == [(detail_url(group), 302)]
        assert "That person is not a member of this group (any more)." in (
            response.content.decode()
        )
    assert member_ids(group) == {bo_in_editors.pk}
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_member_remove_refuses_a_viewer(client, group, viewer, bo_in_editors):
    client.force_login(viewer)

    assert client.get(remove_url(group, bo_in_editors.public_id)).status_code == 403
    assert client.post(remove_url(group, bo_in_editors.public_id), headers=HTMX).status_code == 403
    assert bo_in_editors.pk in member_ids(group)


def test_member_remove_hides_the_group_from_a_plain_member(client, group, org_admin, org_member):
    dana = make_member(group.organization, first_name="Dana", last_name="Smith")
    group_services.membership_add(group=group, users=[dana], actor=org_admin)
    client.force_login(org_member)

    assert client.post(remove_url(group, dana.public_id)).status_code == 404
    assert dana.pk in member_ids(group)


def test_member_remove_hides_the_group_from_an_outsider(
    client, other_organization, group, outsider, bo_in_editors
):
    client.force_login(outsider)

    for target in (
        remove_url(group, bo_in_editors.public_id),
        remove_url(group, bo_in_editors.public_id, organization=other_organization),
    ):
        assert client.get(target).status_code == 404
        assert client.post(target, headers=HTMX).status_code == 404
    assert bo_in_editors.pk in member_ids(group)


def test_member_remove_anonymous_post_changes_nothing(client, group, bo_in_editors):
    response = client.post(remove_url(group, bo_in_editors.public_id))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    htmx = client.post(remove_url(group, bo_in_editors.public_id), headers=HTMX)
    assert htmx["HX-Redirect"].startswith(reverse("login"))
    assert bo_in_editors.pk in member_ids(group)


def test_member_remove_unknown_group_is_not_found(client, group, org_admin, bo_in_editors):
    client.force_login(org_admin)
    target = remove_url(group, bo_in_editors.public_id).replace(
        str(group.public_id), str(uuid.uuid4())
    )

    assert client.post(target).status_code == 404
    assert client.post(target.replace("/remove/", "x/remove/")).status_code == 404


def test_member_remove_refuses_other_methods(client, group, org_admin, bo_in_editors):
    client.force_login(org_admin)

    assert client.put(remove_url(group, bo_in_editors.public_id)).status_code == 405
    assert client.delete(remove_url(group, bo_in_editors.public_id)).status_code == 405
    assert bo_in_editors.pk in member_ids(group)
