"""The Group Details panel: the Members, Permissions and Settings tabs, and deleting a group."""

import html
import json
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_member
from tests.helpers import messages_of

HTMX = {"HX-Request": "true"}
TABS = ["group_detail", "group_permissions", "group_settings"]


def url(name, group, *, organization=None, group_id=None):
    org = organization or group.organization
    return reverse(f"groups:{name}", args=[org.slug, group_id or group.public_id])


def list_url(organization):
    return reverse("groups:group_list", args=[organization.slug])


def member_names(response) -> list[str]:
    """The names in the rendered member table, in order."""
    return [
        html.unescape(name)
        for name in re.findall(r'<span class="name">(.*?)</span>', response.content.decode())
    ]


def is_partial(response, root_id) -> bool:
    body = response.content.decode()
    return f'id="{root_id}"' in body and "<html" not in body


# --- who may open the tabs ----------------------------------------------------------------------


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_send_anonymous_visitors_to_sign_in(client, group, name):
    response = client.get(url(name, group))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(name, group)}"

    htmx = client.get(url(name, group), headers=HTMX)
    assert htmx.status_code == 200
    assert htmx["HX-Redirect"] == f"{reverse('login')}?next={url(name, group)}"


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_hide_acme_groups_from_an_outsider(
    client, other_organization, group, administrators, outsider, name
):
    client.force_login(outsider)

    for target in (group, administrators):
        for headers in ({}, HTMX):
            assert client.get(url(name, target), headers=headers).status_code == 404
            # Naming their own organization in the URL does not help.
            other = url(name, target, organization=other_organization)
            assert client.get(other, headers=headers).status_code == 404


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_hide_groups_from_a_plain_member(
    client, group, administrators, users_group, org_member, name
):
    client.force_login(org_member)

    for target in (group, administrators, users_group):
        assert client.get(url(name, target)).status_code == 404
        assert client.get(url(name, target), headers=HTMX).status_code == 404


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_show_the_group_manager_only_their_group(
    client, group, administrators, group_manager, name
):
    client.force_login(group_manager)

    assert client.get(url(name, group)).status_code == 200
    assert client.get(url(name, administrators)).status_code == 404


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_open_for_a_viewer(client, group, viewer, name):
    client.force_login(viewer)

    assert client.get(url(name, group)).status_code == 200


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_render_the_page_or_the_panel(client, group, org_admin, name):
    client.force_login(org_admin)

    page = client.get(url(name, group))
    panel = client.get(url(name, group), headers=HTMX)

    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body
    assert 'id="group-list"' in body
    assert f'<div id="group-panel" class="card" data-group-id="{group.public_id}">' in body
    assert panel.status_code == 200
    assert is_partial(panel, "group-panel")
    assert 'id="group-list"' not in panel.content.decode()
    assert "HX-Request" in {value.strip() for value in page["Vary"].split(",")}


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_unknown_group_is_not_found(client, organization, group, org_admin, name):
    client.force_login(org_admin)

    assert client.get(url(name, group, group_id=uuid.uuid4())).status_code == 404
    garbage = url(name, group).replace(str(group.public_id), "not-a-uuid")
    assert client.get(garbage).status_code == 404


@pytest.mark.parametrize("name", TABS)
def test_group_tabs_of_a_deleted_group_are_not_found(client, group, org_admin, name):
    target = url(name, group)
    group_services.group_delete(group=group, actor=org_admin)
    client.force_login(org_admin)

    assert client.get(target).status_code == 404


def test_group_tabs_mark_the_selected_tab(client, group, org_admin):
    client.force_login(org_admin)

    for name, tab in zip(TABS, ["members", "permissions", "settings"], strict=True):
        body = client.get(url(name, group), headers=HTMX).content.decode()
        assert f'id="tab-{tab}" href="{url(name, group)}" aria-selected="true"' in body


def test_group_detail_escapes_the_group_name(client, organization, org_admin):
    bad = group_services.group_create(
        organization=organization,
        display_name="<script>alert(1)</script>",
        description="<img src=x onerror=alert(2)>",
        actor=org_admin,
    )
    client.force_login(org_admin)

    for name in TABS:
        for headers in ({}, HTMX):
            body = client.get(url(name, bad), headers=headers).content.decode()
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
            assert "<script>alert(1)" not in body
            assert "<img src=x" not in body


# --- Members tab --------------------------------------------------------------------------------


def test_group_detail_lists_the_members(client, group, org_admin, org_member, group_manager):
    group_services.membership_add(group=group, users=[org_member, group_manager], actor=org_admin)
    client.force_login(org_admin)

    response = client.get(url("group_detail", group))

    assert member_names(response) == ["Bo Chen", "Cy Diaz"]
    body = response.content.decode()
    assert '<span class="member-count">2</span> members' in body
    assert "by Ann Lee" in body
    assert "Add Members" in body
    assert (
        reverse(
            "groups:member_remove",
            args=[group.organization.slug, group.public_id, org_member.public_id],
        )
        in body
    )


def test_group_detail_without_members_says_so(client, group, org_admin):
    client.force_login(org_admin)

    body = client.get(url("group_detail", group)).content.decode()

    assert "No members yet" in body


def test_group_detail_gives_a_viewer_no_member_actions(client, group, org_admin, viewer):
    group_services.membership_add(group=group, users=[viewer], actor=org_admin)
    client.force_login(viewer)

    body = client.get(url("group_detail", group)).content.decode()

    assert "Vi Vo" in body
    assert "Add Members" not in body
    assert "Remove from Group" not in body


def test_group_detail_gives_the_group_manager_member_actions(
    client, group, org_admin, org_member, group_manager
):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    client.force_login(group_manager)

    body = client.get(url("group_detail", group)).content.decode()

    assert "Add Members" in body
    assert "Remove from Group" in body


def test_group_detail_of_the_users_group_offers_no_add_members(client, users_group, org_admin):
    # Its members are the organization's users: they change through the organization.
    client.force_login(org_admin)

    body = client.get(url("group_detail", users_group)).content.decode()

    assert "Ann Lee" in body
    assert "Add Members" not in body
    assert url("members_add", users_group) not in body
    assert "Remove from Group" not in body


def test_group_detail_of_administrators_offers_add_members(client, administrators, org_admin):
    client.force_login(org_admin)

    body = client.get(url("group_detail", administrators)).content.decode()

    assert "Add Members" in body
    assert "Protected" in body


def test_group_detail_filters_members(client, organization, group, org_admin, org_member):
    dana = make_member(organization, first_name="Dana", last_name="Smith", email="dana@acme.test")
    group_services.membership_add(group=group, users=[org_member, dana], actor=org_admin)
    client.force_login(org_admin)

    assert member_names(client.get(url("group_detail", group), {"q": "chen"})) == ["Bo Chen"]
    assert member_names(client.get(url("group_detail", group), {"q": "acme.test"})) == [
        "Dana Smith"
    ]
    assert member_names(client.get(url("group_detail", group), {"q": "da smi"})) == ["Dana Smith"]
    empty = client.get(url("group_detail", group), {"q": "zzz"})
    assert member_names(empty) == []
    assert "No member matches “zzz”" in empty.content.decode()


def test_group_detail_filter_treats_wildcards_literally(client, group, org_admin, org_member):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    client.force_login(org_admin)

    for query in ["%", "_", "\\", "B_"]:
        response = client.get(url("group_detail", group), {"q": query})
        assert response.status_code == 200
        assert member_names(response) == []


def test_group_detail_htmx_targeting_the_member_table_renders_only_it(
    client, organization, group, org_admin, org_member
):
    dana = make_member(organization, first_name="Dana", last_name="Smith")
    group_services.membership_add(group=group, users=[org_member, dana], actor=org_admin)
    client.force_login(org_admin)

    response = client.get(
        url("group_detail", group), {"q": "smith"}, headers={**HTMX, "HX-Target": "member-table"}
    )

    assert response.status_code == 200
    assert is_partial(response, "member-table")
    body = response.content.decode()
    assert 'id="group-panel"' not in body
    assert 'id="tab-members"' not in body
    assert member_names(response) == ["Dana Smith"]
    assert "HX-Target" in {value.strip() for value in response["Vary"].split(",")}


def link_position(response, name):
    """The ``after``/``before`` value of the members' Next or Previous link, or None."""
    found = re.search(rf'href="\?(?:q=[^&]*&amp;)?{name}=([^"]+)"', response.content.decode())
    return found[1] if found else None


def test_group_detail_second_page_of_members(client, organization, group, org_admin):
    people = [
        make_member(organization, first_name="Person", last_name=f"P{n:02d}") for n in range(26)
    ]
    group_services.membership_add(group=group, users=people, actor=org_admin)
    client.force_login(org_admin)

    first = client.get(url("group_detail", group))
    after = link_position(first, "after")
    second = client.get(url("group_detail", group), {"after": after})
    second_htmx = client.get(
        url("group_detail", group), {"after": after}, headers={**HTMX, "HX-Target": "member-table"}
    )

    assert len(member_names(first)) == 25
    assert link_position(first, "before") is None
    assert member_names(second) == ["Person P25"]
    assert link_position(second, "after") is None
    assert member_names(second_htmx) == ["Person P25"]
    assert is_partial(second_htmx, "member-table")
    back = client.get(url("group_detail", group), {"before": link_position(second, "before")})
    assert member_names(back) == member_names(first)


def test_members_pages_walk_every_member_once_in_order_ties_included(
    client, organization, group, org_admin
):
    """Sixty members, many with the same name (ordered then by email and membership): forward
    then back, every member exactly once, in order; a page costs the queries of the first."""
    people = [
        make_member(
            organization,
            email=f"m{n:02d}@acme.example",
            first_name="Sam" if n % 3 else "Ana",
            last_name="Lee" if n % 2 else "Kim",
        )
        for n in range(60)
    ]
    group_services.membership_add(group=group, users=people, actor=org_admin)
    client.force_login(org_admin)
    pages, response = [], client.get(url("group_detail", group))
    counts = []
    while True:
        pages.append(member_names(response))
        after = link_position(response, "after")
        if after is None:
            break
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("group_detail", group), {"after": after})
        counts.append(len(captured))
    names = [name for page in pages for name in page]
    expected = sorted(people, key=lambda p: (p.last_name, p.first_name, p.email))
    assert names == [p.display_name for p in expected]
    assert [len(page) for page in pages] == [25, 25, 10]
    assert len(set(counts)) == 1
    backwards = []
    while (before := link_position(response, "before")) is not None:
        response = client.get(url("group_detail", group), {"before": before})
        backwards.append(member_names(response))
    assert backwards == pages[:-1][::-1]


@pytest.mark.parametrize("position", ["", "x", "e30", "WzEsMiwzLDRd", "%00", "W10"])
def test_a_members_position_that_is_not_ours_starts_from_the_top(
    client, group, org_admin, position
):
    client.force_login(org_admin)
    for name in ("after", "before"):
        response = client.get(url("group_detail", group), {name: position})
        assert response.status_code == 200


def test_group_detail_runs_as_many_queries_for_20_members_as_for_1(
    client, organization, group, org_admin, group_manager
):
    people = [
        make_member(organization, first_name="Person", last_name=f"P{n:02d}") for n in range(19)
    ]
    group_services.membership_add(group=group, users=[org_admin], actor=group_manager)
    client.force_login(org_admin)
    target = url("group_detail", group)
    client.get(target)  # warm the caches (content types) that every later request shares

    counts = {}
    for label in ("one", "twenty"):
        if label == "twenty":
            group_services.membership_add(group=group, users=people, actor=org_admin)
        for headers in ({}, HTMX):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target, headers=headers)
            assert response.status_code == 200
            counts[label, bool(headers)] = len(captured.captured_queries)

    assert counts["one", False] == counts["twenty", False]
    assert counts["one", True] == counts["twenty", True]


# --- Permissions tab ----------------------------------------------------------------------------


def test_group_permissions_lists_the_sets_held(client, administrators, org_admin):
    client.force_login(org_admin)

    body = client.get(url("group_permissions", administrators)).content.decode()

    assert "Administrator" in body
    assert "The permission sets of a default group are fixed." in body
    # Default groups' sets are fixed: neither assign nor remove is offered.
    assert url("permission_set_add", administrators) not in body
    assert "/remove/" not in body


def test_group_permissions_offers_the_admin_to_assign_a_set(client, group, org_admin):
    client.force_login(org_admin)

    body = client.get(url("group_permissions", group)).content.decode()

    assert "No permission sets" in body
    assert url("permission_set_add", group) in body
    assert "Read only" in body


def test_group_permissions_offers_the_group_manager_nothing_to_change(
    client, group, org_admin, group_manager
):
    read_only = group_services.permission_set_by_key("read-only")
    group_services.group_permission_set_add(group=group, permission_set=read_only, actor=org_admin)
    client.force_login(group_manager)

    body = client.get(url("group_permissions", group)).content.decode()

    assert "Read only" in body
    assert url("permission_set_add", group) not in body
    assert "/remove/" not in body


# --- Settings tab: GET --------------------------------------------------------------------------


def test_group_settings_shows_the_form_and_the_danger_zone(client, group, org_admin):
    client.force_login(org_admin)

    body = client.get(url("group_settings", group)).content.decode()

    assert 'name="display_name" value="Editors"' in body
    assert "Edits things" in body
    assert "Save Changes" in body
    assert url("group_delete", group) in body
    assert 'name="confirm_name"' in body


def test_group_settings_of_a_default_group_locks_its_name(client, administrators, org_admin):
    client.force_login(org_admin)

    body = client.get(url("group_settings", administrators)).content.decode()

    assert re.search(r'<input[^>]*name="display_name"[^>]*disabled', body)
    assert "cannot be deleted" in body
    assert url("group_delete", administrators) not in body
    assert "Save Changes" in body


def test_group_settings_shows_a_viewer_a_read_only_form(client, group, viewer):
    client.force_login(viewer)

    body = client.get(url("group_settings", group)).content.decode()

    assert "Editors" in body
    assert 'name="display_name"' not in body
    assert "Save Changes" not in body
    assert url("group_delete", group) not in body


def test_group_settings_gives_the_group_manager_the_form(client, group, group_manager):
    client.force_login(group_manager)

    body = client.get(url("group_settings", group)).content.decode()

    assert "Save Changes" in body
    assert url("group_delete", group) in body


# --- Settings tab: POST -------------------------------------------------------------------------


def test_group_settings_saves_and_redirects(client, group, org_admin):
    client.force_login(org_admin)

    response = client.post(
        url("group_settings", group), {"display_name": "Writers", "description": "Writes"}
    )

    group.refresh_from_db()
    assert (group.display_name, group.description) == ("Writers", "Writes")
    assert response.status_code == 302
    assert response["Location"] == url("group_settings", group)
    assert messages_of(response) == ["Saved the changes to Writers (renamed from Editors)."]
    event = AuditEvent.objects.get(action="group.updated", target_id=str(group.public_id))
    assert event.channel == "ui"
    assert event.actor == org_admin
    assert event.before == {"name": "Editors", "description": "Edits things"}
    assert event.after == {"name": "Writers", "description": "Writes"}


def test_group_settings_over_htmx_answers_with_the_panel(client, group, org_admin):
    client.force_login(org_admin)

    response = client.post(
        url("group_settings", group),
        {"display_name": "Editors", "description": "Edits everything"},
        headers=HTMX,
    )

    group.refresh_from_db()
    assert group.description == "Edits everything"
    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    assert "Saved the changes to Editors." in response.content.decode()
    assert "group-changed" in json.loads(response["HX-Trigger"])


def test_group_settings_by_the_group_manager(client, group, group_manager):
    client.force_login(group_manager)

    response = client.post(
        url("group_settings", group), {"display_name": "Editors 2", "description": ""}
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.display_name == "Editors 2"
    assert group.description == ""


def test_group_settings_refuses_a_viewer(client, group, viewer):
    client.force_login(viewer)

    for headers in ({}, HTMX):
        response = client.post(
            url("group_settings", group),
            {"display_name": "Hijacked", "description": "x"},
            headers=headers,
        )
        assert response.status_code == 403
    group.refresh_from_db()
    assert (group.display_name, group.description) == ("Editors", "Edits things")
    assert not AuditEvent.objects.filter(action="group.updated").exists()


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_group_settings_hides_the_group_from_who_cannot_see_it(request, client, group, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(url("group_settings", group), {"display_name": "Hijacked"})

    assert response.status_code == 404
    group.refresh_from_db()
    assert group.display_name == "Editors"


def test_group_settings_anonymous_post_changes_nothing(client, group):
    response = client.post(url("group_settings", group), {"display_name": "Hijacked"})

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.display_name == "Editors"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"display_name": "ACME USERS"}, "A group named “ACME USERS” already exists."),
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "x" * 101}, "at most 100 characters"),
        ({"display_name": "Editors", "description": "d" * 1001}, "at most 1000 characters"),
    ],
)
def test_group_settings_shows_errors_and_changes_nothing(client, group, org_admin, data, error):
    client.force_login(org_admin)

    for headers in ({}, HTMX):
        response = client.post(url("group_settings", group), data, headers=headers)
        # htmx 2 does not swap 4xx: an invalid form is a 200 with its errors.
        assert response.status_code == 200
        assert error in response.content.decode()
        assert "HX-Trigger" not in response
    group.refresh_from_db()
    assert (group.display_name, group.description) == ("Editors", "Edits things")


@pytest.mark.parametrize("kind", [Group.Kind.ADMINISTRATORS, Group.Kind.USERS])
def test_group_settings_never_renames_a_default_group(client, organization, org_admin, kind):
    target = group_services.default_group(organization, kind)
    name = target.display_name
    client.force_login(org_admin)

    response = client.post(
        url("group_settings", target), {"display_name": "Hijacked", "description": "New words"}
    )

    # The name field is disabled: the posted name is ignored, the description is saved.
    target.refresh_from_db()
    assert target.display_name == name
    assert target.description == "New words"
    assert response.status_code == 302
    assert messages_of(response) == [f"Saved the changes to {name}."]


def test_group_settings_saves_a_default_groups_description_over_htmx(
    client, administrators, org_admin
):
    client.force_login(org_admin)

    response = client.post(
        url("group_settings", administrators), {"description": "The people in charge"}, headers=HTMX
    )

    administrators.refresh_from_db()
    assert administrators.display_name == "Acme Administrators"
    assert administrators.description == "The people in charge"
    assert response.status_code == 200
    assert "Saved the changes to Acme Administrators." in response.content.decode()


def test_group_settings_refuses_other_methods(client, group, org_admin):
    client.force_login(org_admin)

    assert client.put(url("group_settings", group)).status_code == 405
    assert client.delete(url("group_settings", group)).status_code == 405


# --- delete -------------------------------------------------------------------------------------


def test_group_delete_refuses_get(client, group, org_admin):
    client.force_login(org_admin)

    assert client.get(url("group_delete", group)).status_code == 405
    assert Group.objects.filter(pk=group.pk).exists()


def test_group_delete_anonymous_post_deletes_nothing(client, group):
    response = client.post(url("group_delete", group), {"confirm_name": "Editors"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    htmx = client.post(url("group_delete", group), {"confirm_name": "Editors"}, headers=HTMX)
    assert htmx["HX-Redirect"].startswith(reverse("login"))
    assert Group.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize(("persona", "status"), [("org_member", 404), ("outsider", 404)])
def test_group_delete_hides_the_group_from_who_cannot_see_it(
    request, client, other_organization, group, persona, status
):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(url("group_delete", group), {"confirm_name": "Editors"})
    other = url("group_delete", group, organization=other_organization)
    through_their_org = client.post(other, {"confirm_name": "Editors"})

    assert response.status_code == status
    assert through_their_org.status_code == 404
    assert Group.objects.filter(pk=group.pk).exists()


def test_group_delete_refuses_a_viewer(client, group, viewer):
    client.force_login(viewer)

    response = client.post(url("group_delete", group), {"confirm_name": "Editors"})

    assert response.status_code == 403
    assert Group.objects.filter(pk=group.pk).exists()


def test_group_delete_unknown_group_is_not_found(client, group, org_admin):
    client.force_login(org_admin)

    response = client.post(url("group_delete", group, group_id=uuid.uuid4()), {"confirm_name": "x"})

    assert response.status_code == 404


def test_group_delete_deletes_and_redirects_to_the_list(
    client, organization, group, org_admin, org_member
):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    public_id = str(group.public_id)
    client.force_login(org_admin)

    response = client.post(url("group_delete", group), {"confirm_name": "Editors"})

    assert not Group.objects.filter(pk=group.pk).exists()
    assert response.status_code == 302
    assert response["Location"] == list_url(organization)
    assert messages_of(response) == [
        "Deleted the group Editors. An administrator can restore it from Deleted groups for 30 "
        "days."
    ]
    event = AuditEvent.objects.get(action="group.deleted", target_id=public_id)
    assert event.channel == "ui"
    assert event.actor == org_admin
    assert event.before["members"] == 1


def test_group_delete_over_htmx_redirects_the_browser(client, organization, group, org_admin):
    client.force_login(org_admin)

    response = client.post(url("group_delete", group), {"confirm_name": "Editors"}, headers=HTMX)

    assert not Group.objects.filter(pk=group.pk).exists()
    assert response.status_code == 200
    assert response["HX-Redirect"] == list_url(organization)
    # The message waits for the page the browser goes to.
    assert "Deleted the group Editors." in client.get(list_url(organization)).content.decode()


def test_group_delete_by_the_group_manager(client, group, group_manager):
    client.force_login(group_manager)

    response = client.post(url("group_delete", group), {"confirm_name": "Editors"})

    assert response.status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("typed", ["editors", "Editor", "", "Editors!"])
def test_group_delete_with_a_wrong_confirmation_deletes_nothing(client, group, org_admin, typed):
    client.force_login(org_admin)

    for headers in ({}, HTMX):
        response = client.post(url("group_delete", group), {"confirm_name": typed}, headers=headers)
        assert response.status_code == 200
        body = response.content.decode()
        assert "HX-Redirect" not in response
        assert ("Type “Editors” exactly to confirm the deletion." in body) or (
            typed == "" and "This field is required." in body
        )
    assert Group.objects.filter(pk=group.pk).exists()
    assert not AuditEvent.objects.filter(action="group.deleted").exists()


def test_group_delete_without_a_confirmation_field_deletes_nothing(client, group, org_admin):
    client.force_login(org_admin)

    response = client.post(url("group_delete", group), {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Group.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("kind", [Group.Kind.ADMINISTRATORS, Group.Kind.USERS])
def test_group_delete_refuses_a_forged_delete_of_a_default_group(
    client, organization, org_admin, kind
):
    target = group_services.default_group(organization, kind)
    client.force_login(org_admin)

    for headers in ({}, HTMX):
        response = client.post(
            url("group_delete", target), {"confirm_name": target.display_name}, headers=headers
        )
        assert response.status_code == 200
        assert "HX-Redirect" not in response
        assert (
            f"{target.display_name} is a default group: default groups cannot be deleted."
            in response.content.decode()
        )
    assert Group.objects.filter(pk=target.pk).exists()
    assert not AuditEvent.objects.filter(action="group.deleted").exists()


# --- adding a member group: a select while few, a search by name when many ----------------------


def many_groups(organization, count):
    return [
        group_services.group_create(
            organization=organization, display_name=f"Team {n:03}", actor=None
        )
        for n in range(count)
    ]


def test_few_groups_to_choose_from_are_offered_in_a_select(client, org_admin, group):
    client.force_login(org_admin)
    body = client.get(url("group_detail", group)).content.decode()
    assert '<select name="child" id="member-group-child" required>' in body
    options = re.findall(r'<option value="[^"]+">([^<]*)</option>', body)
    # Every group but itself and the Users group, in list order (Administrators first).
    assert options == ["Acme Administrators"]
    assert 'id="member-group-search"' not in body
    # Nothing chosen in advance: one click must not make Editors' members administrators
    # (issue 15, item 4); the empty choice comes first and the select is required.
    assert 'required><option value="">Choose a group…</option>' in body
    assert "selected" not in body.split('id="member-group-child"')[1].split("</select>")[0]


def test_a_group_manager_is_offered_only_the_groups_he_sees(
    client, organization, group, group_manager
):
    """Issue 15, item 11: the picker listed every group of the organization to a group
    manager. Cy sees Editors and Writers (his rights), not Secret nor Administrators."""
    writers = group_services.group_create(
        organization=organization, display_name="Writers", actor=None
    )
    group_services.group_create(organization=organization, display_name="Secret", actor=None)
    group_services.group_rights_grant(
        group=writers, rights=["view_group"], user=group_manager, actor=None
    )
    client.force_login(group_manager)

    body = client.get(url("group_detail", group)).content.decode()

    assert re.findall(r'<option value="[^"]+">([^<]*)</option>', body) == ["Writers"]


def test_many_groups_to_choose_from_are_found_by_name_and_added(client, org_admin, group):
    teams = many_groups(group.organization, 51)
    client.force_login(org_admin)
    body = client.get(url("group_detail", group)).content.decode()
    assert 'id="member-group-search"' in body
    assert "<select" not in body.split('id="member-group-search"')[1].split("</form>")[0]
    assert 'name="child"' not in body  # nothing to pick before a search

    found = client.get(
        url("group_detail", group),
        {"group_q": " team  04 "},
        headers={**HTMX, "HX-Target": "member-group-choices"},
    )
    assert is_partial(found, "member-group-choices")
    picked = re.findall(
        r'name="child" value="([^"]+)"[^>]*> ([^<]+)</label>', found.content.decode()
    )
    assert [name for _, name in picked] == [f"Team 04{n}" for n in range(10)]

    added = client.post(url("member_group_add", group), {"child": picked[3][0]}, headers=HTMX)
    assert added.status_code == 200
    assert group.member_group_links.get().child == teams[43]
    # Added: it is no longer offered.
    again = client.get(
        url("group_detail", group),
        {"group_q": "Team 043"},
        headers={**HTMX, "HX-Target": "member-group-choices"},
    ).content.decode()
    assert "No group to add matches “Team 043”." in again


def test_a_broad_group_search_lists_the_first_matches_and_says_so(client, org_admin, group):
    many_groups(group.organization, 60)
    client.force_login(org_admin)
    found = client.get(
        url("group_detail", group),
        {"group_q": "team"},
        headers={**HTMX, "HX-Target": "member-group-choices"},
    ).content.decode()
    names = re.findall(r'name="child" value="[^"]+"[^>]*> ([^<]+)</label>', found)
    assert names == [f"Team {n:03}" for n in range(20)]
    assert "The first 20 matches: type more of the name to narrow them." in found


@pytest.mark.parametrize("search", ["%", "_", "\\", "team\x00", "<b>"])
def test_a_group_search_with_odd_characters_finds_nothing_and_is_no_error(
    client, org_admin, group, search
):
    many_groups(group.organization, 51)
    client.force_login(org_admin)
    found = client.get(
        url("group_detail", group),
        {"group_q": search},
        headers={**HTMX, "HX-Target": "member-group-choices"},
    )
    assert found.status_code == 200
    assert 'name="child"' not in found.content.decode()
    assert "<b>" not in found.content.decode()
