"""Browser tests: an administrator makes a few changes, then reads them back as sentences in
the group's History tab and in the organization's Audit log (filtered, and on a phone)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from audit.recording import Channel
from groups import services as group_services
from tests.conftest import make_member

from .test_admin_center import expect_message, htmx_idle, open_group, open_tab, panel

pytestmark = pytest.mark.browser


def entries(page):
    return page.get_by_role("list", name="Changes, newest first").get_by_role("listitem")


def test_admin_reads_a_groups_history_after_a_few_changes(
    page,
    live_server,
    sign_in,
    organization,
    org_admin,
    org_member,
    group,
    screenshot,
    assert_accessible,
):
    make_member(organization, first_name="John", last_name="Smith")
    # A change made by a program through the API, before Ann starts.
    group_services.membership_add(
        group=group, users=[org_member], channel=Channel.API, actor=org_admin
    )
    sign_in(org_admin)
    open_group(page, "Editors")

    page.get_by_role("link", name="Add Members").click()
    # The panel is swapped in by htmx: type into the new search box, once it has the focus.
    expect(page.get_by_role("heading", name="Add Members")).to_be_visible()
    search = page.get_by_label("Search people by first or last name")
    expect(search).to_be_focused()
    search.fill("joh")
    results = page.get_by_role("list", name=re.compile("People matching"))
    expect(results.get_by_role("checkbox")).to_have_count(1)
    results.get_by_role("checkbox", name=re.compile("John Smith")).check()
    page.get_by_role("button", name=re.compile("^Add")).click()
    expect_message(page, "Added 1 member to Editors.")
    htmx_idle(page)

    open_tab(page, "Settings")
    page.get_by_label("Name", exact=True).fill("Writers")
    page.get_by_role("button", name="Save Changes").click()
    expect_message(page, "renamed from Editors")
    htmx_idle(page)

    open_tab(page, "History")
    expect(page).to_have_url(re.compile(r"/groups/[0-9a-f-]{36}/history/$"))
    rows = entries(panel(page))
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text(
        "Ann Lee renamed the group Editors to Writers, in the Admin Center"
    )
    expect(rows.nth(1)).to_contain_text("Ann Lee added John Smith to Editors, in the Admin Center")
    expect(rows.nth(2)).to_contain_text("Ann Lee added Bo Chen to Editors, via the API")
    expect(rows.nth(3)).to_contain_text("Ann Lee created the group Editors")
    expect(rows.nth(0)).to_contain_text(re.compile(r"\d\d:\d\d UTC"))
    expect(rows.nth(0)).to_contain_text(str(group.public_id))
    assert_accessible("the History tab")
    screenshot("audit-group-history")

    # The tab has its own URL: a reload lands on it.
    page.reload()
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    expect(entries(panel(page))).to_have_count(4)

    # Bo Chen's page tells the same story, from his side.
    page.goto(
        live_server.url
        + reverse("groups:user_detail", args=[organization.slug, org_member.public_id])
    )
    expect(page.get_by_role("heading", name="History in Acme")).to_be_visible()
    expect(entries(page).first).to_contain_text("Ann Lee added Bo Chen to Editors, via the API")
    expect(entries(page).last).to_contain_text("The system added Bo Chen to Acme Users")
    screenshot("audit-user-history")


def test_admin_filters_the_audit_log_and_exports_it(
    page,
    live_server,
    sign_in,
    organization,
    org_admin,
    org_member,
    group,
    screenshot,
    assert_accessible,
):
    group_services.membership_add(
        group=group, users=[org_member], channel=Channel.API, actor=org_admin
    )
    group_services.group_create(
        organization=organization, display_name="Night Shift", channel=Channel.COMMAND, actor=None
    )
    sign_in(org_admin)
    page.get_by_role("navigation", name="Admin Center").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(entries(page).first).to_contain_text("The system created the group Night Shift")
    screenshot("audit-log")

    page.get_by_label("Channel").select_option("api")
    page.get_by_role("button", name="Apply filters").click()
    htmx_idle(page)
    expect(page).to_have_url(re.compile(r"channel=api"))
    expect(entries(page)).to_have_count(1)
    expect(entries(page).first).to_contain_text("Ann Lee added Bo Chen to Editors, via the API")
    assert_accessible("the Audit log")
    screenshot("audit-log-filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV (filtered)").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Ann Lee added Bo Chen to Editors" in content
    assert "Night Shift" not in content

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("audit:audit_log", args=[organization.slug]))
    expect(entries(page).first).to_be_visible()
    assert_accessible("the Audit log on a phone")
    screenshot("audit-log-phone")
