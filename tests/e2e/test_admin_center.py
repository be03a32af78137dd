"""The Admin Center in a real browser: people sign in, open Group Details beside the groups
list, add and remove members, rename and delete groups, and the pages stay usable with the
keyboard, on a phone and for assistive technology (axe-core)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from groups import services as group_services
from groups.models import Group, Membership
from tests.conftest import make_member

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def johns(organization):
    """Three people of Acme whose names contain "joh", for the Add Members search."""
    return [
        make_member(organization, first_name="John", last_name="Smith"),
        make_member(organization, first_name="Johanna", last_name="Berg"),
        make_member(organization, first_name="Marcus", last_name="Johnson"),
    ]


def groups_url(live_server, organization):
    return live_server.url + reverse("groups:group_list", args=[organization.slug])


def group_url(live_server, group, tab=""):
    names = {"": "group_detail", "settings": "group_settings", "delete": "group_delete"}
    return live_server.url + reverse(
        f"groups:{names[tab]}", args=[group.organization.slug, group.public_id]
    )


def groups_table(page):
    return page.get_by_role("table", name=re.compile("^Groups of"))


def group_row(page, name):
    return (
        groups_table(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name=re.compile(f"^{re.escape(name)}\\b")))
    )


def panel(page):
    return page.get_by_role("region", name="Group details")


def htmx_idle(page):
    """Wait until htmx has no request in flight and has settled the last swap (until then
    the new content's hx-* attributes are not wired yet)."""
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-added")).to_have_count(0)


def open_group(page, name):
    page.get_by_role("link", name=re.compile(f"^{re.escape(name)}\\b")).click()
    expect(panel(page).get_by_role("heading", name=name, level=2)).to_be_visible()
    htmx_idle(page)


def open_tab(page, name):
    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
    htmx_idle(page)


def expect_message(page, text):
    """The message region (role status, polite) says ``text``."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_admin_adds_two_members_and_removes_one(
    page, live_server, sign_in, organization, org_admin, group, johns, screenshot
):
    john, johanna, _ = johns
    sign_in(org_admin)
    expect(page).to_have_url(groups_url(live_server, organization))
    expect(group_row(page, "Editors").get_by_role("cell").last).to_have_text("0")
    screenshot("admin-center-groups")

    open_group(page, "Editors")
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/$"))
    expect(page.get_by_role("tab", name="Members")).to_have_attribute("aria-selected", "true")
    page.reload()
    expect(panel(page).get_by_role("heading", name="Editors", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="No members yet")).to_be_visible()
    screenshot("admin-center-group-details")

    page.get_by_role("link", name="Add Members").click()
    expect(page.get_by_role("heading", name="Add Members")).to_be_visible()
    search = page.get_by_label("Search people by first or last name")
    expect(search).to_be_focused()
    search.fill("jo")
    expect(page.locator("#search-results")).to_have_text("Keep typing: at least 3 characters.")
    expect(page.get_by_role("status").filter(has_text="Keep typing")).to_have_text(
        "Keep typing: at least 3 characters."
    )
    expect(page.get_by_role("checkbox")).to_have_count(0)

    search.fill("joh")
    results = page.get_by_role("list", name=re.compile("People matching"))
    expect(results.get_by_role("checkbox")).to_have_count(3)
    expect(page.get_by_role("status").filter(has_text="people match")).to_have_text(
        "3 people match “joh”."
    )
    results.get_by_role("checkbox", name=re.compile("John Smith")).check()
    results.get_by_role("checkbox", name=re.compile("Johanna Berg")).check()
    picked = page.get_by_role("group", name="People to add")
    expect(picked.get_by_text("John Smith")).to_be_visible()
    expect(picked.get_by_text("Johanna Berg")).to_be_visible()
    screenshot("admin-center-add-members")

    page.get_by_role("button", name=re.compile("^Add")).click()
    expect_message(page, "Added 2 members to Editors.")
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/$"))
    members = page.get_by_role("table", name="Members of Editors")
    expect(members.get_by_text("John Smith")).to_be_visible()
    expect(members.get_by_text("Johanna Berg")).to_be_visible()
    expect(group_row(page, "Editors").get_by_role("cell").last).to_have_text("2")
    expect(panel(page)).to_contain_text("2 members")
    screenshot("admin-center-members-added")

    page.get_by_role("button", name="Remove from Group: John Smith").click()
    dialog = page.get_by_role("dialog", name="Remove John Smith from Editors?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("John Smith will lose the access Editors gives.")
    screenshot("admin-center-remove-dialog")
    dialog.get_by_role("button", name="Remove from Group").click()
    expect_message(page, "Removed John Smith from Editors.")
    expect(members.get_by_text("John Smith")).to_have_count(0)
    expect(members.get_by_text("Johanna Berg")).to_be_visible()
    expect(group_row(page, "Editors").get_by_role("cell").last).to_have_text("1")
    assert set(Membership.objects.filter(group=group).values_list("user", flat=True)) == {
        johanna.pk
    }
    assert not Membership.objects.filter(group=group, user=john).exists()


def test_admin_renames_a_group_in_the_settings_tab(
    page, live_server, sign_in, org_admin, group, screenshot
):
    sign_in(org_admin)
    open_group(page, "Editors")
    open_tab(page, "Settings")
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/settings/$"))
    page.get_by_label("Name", exact=True).fill("Copy Editors")
    page.get_by_role("button", name="Save Changes").click()
    expect_message(page, "Saved the changes to Copy Editors")
    expect(panel(page).get_by_role("heading", name="Copy Editors", level=2)).to_be_visible()
    expect(groups_table(page).get_by_role("link", name="Copy Editors")).to_be_visible()
    expect(groups_table(page).get_by_role("link", name="Editors", exact=True)).to_have_count(0)
    screenshot("admin-center-renamed")
    group.refresh_from_db()
    assert group.display_name == "Copy Editors"


def test_a_tampered_form_is_refused_with_a_message_and_changes_nothing(
    page, live_server, sign_in, org_admin, group, screenshot
):
    """Someone adds a field the form does not take (with the browser's tools): the panel
    stays, the message region says which field was refused, and nothing is saved."""
    sign_in(org_admin)
    open_group(page, "Editors")
    open_tab(page, "Settings")
    page.get_by_label("Name", exact=True).fill("Tampered Editors")
    page.get_by_label("Name", exact=True).evaluate(
        """field => {
            const extra = document.createElement("input");
            extra.type = "hidden";
            extra.name = "organization";
            extra.value = "globex";
            field.form.appendChild(extra);
        }"""
    )
    page.get_by_role("button", name="Save Changes").click()
    expect(page.locator("#messages")).to_contain_text(
        "This form does not take the field “organization”. Nothing was changed."
    )
    expect(panel(page).get_by_role("heading", name="Editors", level=2)).to_be_visible()
    screenshot("admin-center-tampered-form-refused")
    group.refresh_from_db()
    assert group.display_name == "Editors"


def test_default_group_cannot_be_deleted(
    page, live_server, sign_in, org_admin, users_group, screenshot
):
    sign_in(org_admin)
    open_group(page, "Acme Users")
    open_tab(page, "Settings")
    expect(
        page.get_by_text(re.compile("is a default group of Acme.*cannot be deleted"))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Delete group")).to_have_count(0)
    expect(page.get_by_role("heading", name="Delete group")).to_have_count(0)
    screenshot("admin-center-default-group-settings")

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        group_url(live_server, users_group, "delete"),
        form={"confirm_name": "Acme Users"},
        headers={"X-CSRFToken": token, "Referer": page.url},
        max_redirects=0,
    )
    # Refused: a 403, or the page again with the refusal as its message; never a redirect.
    if response.status == 200:
        assert "default groups cannot be deleted" in response.text()
    else:
        assert response.status == 403, response.status
    assert Group.objects.filter(pk=users_group.pk).exists()


def test_admin_deletes_a_custom_group_after_typing_its_name(
    page, live_server, sign_in, organization, org_admin, screenshot
):
    doomed = group_services.group_create(
        organization=organization, display_name="Temp Squad", actor=org_admin
    )
    sign_in(org_admin)
    open_group(page, "Temp Squad")
    open_tab(page, "Settings")
    confirm = page.get_by_label("Type Temp Squad to confirm")
    confirm.fill("Temp")
    page.get_by_role("button", name="Delete group").click()
    expect(page.get_by_label("Type Temp Squad to confirm")).to_have_accessible_description(
        "Type “Temp Squad” exactly to confirm the deletion."
    )
    screenshot("admin-center-delete-wrong-name")
    assert Group.objects.filter(pk=doomed.pk).exists()

    page.get_by_label("Type Temp Squad to confirm").fill("Temp Squad")
    page.get_by_role("button", name="Delete group").click()
    expect_message(page, "Deleted the group Temp Squad.")
    expect(page).to_have_url(groups_url(live_server, organization))
    expect(page.get_by_role("link", name="Temp Squad")).to_have_count(0)
    screenshot("admin-center-deleted")
    assert not Group.objects.filter(pk=doomed.pk).exists()


def test_group_manager_sees_only_their_group_and_no_admin_controls(
    page, live_server, sign_in, org_admin, group, group_manager, screenshot
):
    group_services.group_permission_set_add(
        group=group, permission_set=group_services.permission_set_by_key("read-only"), actor=None
    )
    sign_in(group_manager)
    expect(groups_table(page).get_by_role("link")).to_have_count(1)
    expect(group_row(page, "Editors")).to_be_visible()
    expect(page.get_by_role("link", name="Create group")).to_have_count(0)
    expect(page.get_by_role("button", name="Create group")).to_have_count(0)

    open_group(page, "Editors")
    open_tab(page, "Permissions")
    expect(page.get_by_text("Read only")).to_be_visible()
    expect(page.get_by_role("combobox")).to_have_count(0)
    expect(page.get_by_role("button", name="Assign")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    screenshot("admin-center-manager-permissions")


def test_admin_creates_a_group_in_the_new_group_panel(
    page, live_server, sign_in, organization, org_admin, screenshot
):
    sign_in(org_admin)
    page.get_by_role("link", name="Create group").click()
    expect(page.get_by_role("heading", name="New Group")).to_be_visible()
    expect(page).to_have_url(re.compile("/groups/new/$"))
    page.get_by_role("button", name="Create group").click()
    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("This field is required."))
    expect(page.get_by_text("This field is required.")).to_be_visible()
    screenshot("admin-center-new-group-error")

    page.get_by_label("Name", exact=True).fill("Field Team")
    page.get_by_label("Description").fill("People on the road")
    page.get_by_role("button", name="Create group").click()
    expect(panel(page).get_by_role("heading", name="Field Team", level=2)).to_be_visible()
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/$"))
    expect_message(page, "Created the group Field Team.")
    expect(groups_table(page).get_by_role("link", name="Field Team")).to_be_visible()
    screenshot("admin-center-new-group-created")
    assert Group.objects.filter(organization=organization, display_name="Field Team").exists()


def test_back_and_forward_follow_the_tabs(page, live_server, sign_in, org_admin, group, johns):
    group_services.membership_add(group=group, users=johns[:1], actor=org_admin)
    sign_in(org_admin)
    open_group(page, "Editors")
    details = page.url
    open_tab(page, "Settings")
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/settings/$"))
    expect(page.get_by_role("button", name="Save Changes")).to_be_visible()

    page.go_back()
    expect(page).to_have_url(details)
    expect(page.get_by_role("tab", name="Members")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Members")).to_be_visible()
    expect(page.get_by_role("table", name="Members of Editors")).to_contain_text("John Smith")
    expect(page.get_by_role("button", name="Save Changes")).to_have_count(0)

    page.go_forward()
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/settings/$"))
    expect(page.get_by_role("tab", name="Settings")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("button", name="Save Changes")).to_be_visible()


def test_keyboard_search_and_confirmation_dialog(
    page, live_server, sign_in, organization, org_admin, group, johns, screenshot
):
    group_services.group_create(organization=organization, display_name="Sales", actor=org_admin)
    group_services.membership_add(group=group, users=johns[:1], actor=org_admin)
    sign_in(org_admin)
    search = page.get_by_role("searchbox", name="Search groups by name")
    for _ in range(12):
        page.keyboard.press("Tab")
        if search.evaluate("element => element === document.activeElement"):
            break
    expect(search).to_be_focused()
    page.keyboard.type("edi")
    expect(groups_table(page).get_by_role("link")).to_have_count(1)
    expect(group_row(page, "Editors")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q=edi$"))
    screenshot("admin-center-keyboard-search")

    open_group(page, "Editors")
    # Tabs: the arrow keys move between them, Enter opens one and focus stays on it.
    page.get_by_role("tab", name="Members").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Permissions")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Access")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Settings")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Settings")).to_be_focused()
    htmx_idle(page)
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Members")).to_have_attribute("aria-selected", "true")
    htmx_idle(page)

    remove = page.get_by_role("button", name="Remove from Group: John Smith")
    remove.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Remove John Smith from Editors?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(remove).to_be_focused()
    screenshot("admin-center-dialog-cancelled")
    assert Membership.objects.filter(group=group, user=johns[0]).exists()


def test_text_typed_before_htmx_wires_the_search_box_is_searched(
    page, live_server, sign_in, org_admin, group, johns
):
    """The browser can focus the swapped-in search box (autofocus) before htmx has wired it
    up; a fast typist's text then raised no request. Type in exactly that moment: right after
    the swap, before the settle that processes the new content."""
    sign_in(org_admin)
    page.goto(group_url(live_server, group))
    htmx_idle(page)
    page.evaluate(
        """() => document.addEventListener("htmx:afterSwap", () => {
            const search = document.getElementById("member-search");
            if (search) search.value = "johanna";
        }, {once: true})"""
    )
    page.get_by_role("link", name="Add Members").click()
    results = page.get_by_role("list", name=re.compile("People matching"))
    expect(results.get_by_role("checkbox")).to_have_count(1)
    expect(results.get_by_role("checkbox", name=re.compile("Johanna Berg"))).to_be_visible()


def test_phone_viewport_list_and_panel(
    page, live_server, sign_in, organization, org_admin, group, johns, assert_accessible, screenshot
):
    group_services.membership_add(group=group, users=johns, actor=org_admin)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(org_admin)

    def no_horizontal_scroll():
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"

    expect(group_row(page, "Editors")).to_be_visible()
    no_horizontal_scroll()
    assert_accessible("the groups list on a phone")
    screenshot("admin-center-phone-list")

    open_group(page, "Editors")
    expect(page.get_by_role("table", name="Members of Editors")).to_contain_text("Marcus Johnson")
    expect(page.get_by_role("button", name="Remove from Group: John Smith")).to_be_in_viewport()
    no_horizontal_scroll()
    assert_accessible("Group Details on a phone")
    screenshot("admin-center-phone-panel")

    open_tab(page, "Settings")
    expect(page.get_by_role("button", name="Delete group")).to_be_visible()
    no_horizontal_scroll()
    screenshot("admin-center-phone-settings")

    page.get_by_role("link", name="Close Group Details").click()
    expect(group_row(page, "Editors")).to_be_visible()
    no_horizontal_scroll()


def test_pages_have_no_serious_accessibility_violations(
    page, live_server, sign_in, organization, org_admin, group, johns, assert_accessible, screenshot
):
    group_services.membership_add(group=group, users=johns[:1], actor=org_admin)
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible("the sign-in page")
    screenshot("admin-center-sign-in")
    page.get_by_label("Email address").fill(org_admin.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct email address and password")
    assert_accessible("the sign-in page with an error")
    screenshot("admin-center-sign-in-error")

    sign_in(org_admin)
    assert_accessible("the groups list")

    open_group(page, "Editors")
    assert_accessible("Group Details, Members tab")
    page.get_by_role("button", name="Remove from Group: John Smith").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_accessible("the confirmation dialog")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    for tab in ("Permissions", "Settings"):
        open_tab(page, tab)
        assert_accessible(f"Group Details, {tab} tab")
        screenshot(f"admin-center-tab-{tab.lower()}")

    open_tab(page, "Members")
    page.get_by_role("link", name="Add Members").click()
    search = page.get_by_label("Search people by first or last name")
    expect(search).to_be_focused()
    search.fill("joh")
    expect(page.get_by_role("checkbox")).to_have_count(3)
    page.get_by_role("checkbox", name=re.compile("Johanna Berg")).check()
    assert_accessible("Add Members with results")

    page.get_by_role("link", name="Close Add Members").click()
    expect(page.get_by_role("table", name="Members of Editors")).to_be_visible()
    htmx_idle(page)
    page.get_by_role("link", name="Create group").click()
    expect(page.get_by_role("heading", name="New Group")).to_be_visible()
    htmx_idle(page)
    assert_accessible("the New Group panel")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert_accessible("the New Group panel with an error")
