"""Bulk membership in a real browser: paste ten emails (an unknown one and a duplicate among
them), read the preview, confirm; tick several members and remove them at once; export."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from groups import services as group_services
from groups.models import Membership
from tests.conftest import make_member

from .test_admin_center import expect_message, group_row, htmx_idle, open_group, panel

pytestmark = pytest.mark.browser


@pytest.fixture
def team(organization):
    """Eight people of Acme."""
    names = [
        "Ada Ames",
        "Ben Barr",
        "Cat Cole",
        "Dan Dorn",
        "Eve Eck",
        "Fay Fox",
        "Gus Gale",
        "Hal Hart",
    ]
    return [
        make_member(
            organization,
            first_name=name.split()[0],
            last_name=name.split()[1],
            email=f"{name.split()[0].lower()}@acme.example",
        )
        for name in names
    ]


def test_admin_pastes_ten_emails_reads_the_preview_and_confirms(
    page, sign_in, org_admin, group, team, screenshot, assert_accessible
):
    group_services.membership_add(group=group, users=[team[0]], actor=org_admin)
    pasted = [person.email for person in team] + ["nobody@acme.example", "Ben@acme.example"]
    assert len(pasted) == 10
    sign_in(org_admin)
    open_group(page, "Editors")
    page.get_by_role("link", name="Add Members").click()
    expect(page.get_by_role("heading", name="Add Members")).to_be_visible()
    page.get_by_role("link", name="Paste a list").click()
    htmx_idle(page)
    emails = page.get_by_label("Emails")
    expect(emails).to_be_focused()
    emails.fill("\n".join(pasted[:5]) + "\n" + ", ".join(pasted[5:]))
    screenshot("bulk-paste-list")
    page.get_by_role("button", name="Preview").click()
    htmx_idle(page)

    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Nothing has changed yet")).to_be_visible()
    added = page.get_by_role("region", name=re.compile("^Will be added"))
    expect(added.get_by_role("listitem")).to_have_count(7)
    expect(added).to_contain_text("Ben Barr")
    already = page.get_by_role("region", name=re.compile("^Already members"))
    expect(already).to_contain_text("Ada Ames")
    # No account and an account elsewhere are one answer (issue 15, item 13).
    expect(page.get_by_role("region", name=re.compile("^Not in Acme"))).to_contain_text(
        "nobody@acme.example"
    )
    expect(page.get_by_role("region", name=re.compile("^Given more than once"))).to_contain_text(
        "ben@acme.example"
    )
    assert Membership.objects.filter(group_id=group.pk).count() == 1
    assert_accessible("the bulk add preview")
    screenshot("bulk-preview")

    page.get_by_role("button", name="Add 7 Members").click()
    expect_message(page, "Added 7 members to Editors (1 already a member, 1 left out).")
    members = page.get_by_role("table", name="Members of Editors")
    for person in team:
        expect(members.get_by_text(person.display_name)).to_be_visible()
    expect(panel(page)).to_contain_text("8 members")
    expect(group_row(page, "Editors").get_by_role("cell").last).to_have_text("8")
    screenshot("bulk-added")
    assert Membership.objects.filter(group_id=group.pk).count() == 8

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["name", "email", "membership"]
    assert {row[1] for row in rows[1:]} == {person.email for person in team}


def test_admin_removes_several_members_at_once(page, sign_in, org_admin, group, team, screenshot):
    group_services.membership_add(group=group, users=team[:4], actor=org_admin)
    sign_in(org_admin)
    open_group(page, "Editors")
    members = page.get_by_role("table", name="Members of Editors")
    remove = page.get_by_role("button", name=re.compile("^Remove .*selected$"))
    expect(remove).to_be_disabled()

    page.get_by_role("checkbox", name="Select every direct member on this page").check()
    expect(remove).to_have_text("Remove 4 selected")
    page.get_by_role("checkbox", name="Select every direct member on this page").uncheck()
    expect(remove).to_be_disabled()

    page.get_by_role("checkbox", name="Select Ben Barr").check()
    page.get_by_role("checkbox", name="Select Dan Dorn").check()
    expect(remove).to_have_text("Remove 2 selected")
    screenshot("bulk-remove-selected")
    remove.click()
    dialog = page.get_by_role("dialog", name="Remove 2 members from Editors?")
    expect(dialog).to_contain_text("Ben Barr and Dan Dorn will lose the access Editors gives.")
    screenshot("bulk-remove-dialog")
    dialog.get_by_role("button", name="Remove members").click()
    expect_message(page, "Removed 2 members from Editors: Ben Barr, Dan Dorn.")
    expect(members.get_by_text("Ben Barr")).to_have_count(0)
    expect(members.get_by_text("Ada Ames")).to_be_visible()
    expect(members.get_by_text("Cat Cole")).to_be_visible()
    expect(group_row(page, "Editors").get_by_role("cell").last).to_have_text("2")
    screenshot("bulk-removed")
    assert set(
        Membership.objects.filter(group_id=group.pk).values_list("user__email", flat=True)
    ) == {"ada@acme.example", "cat@acme.example"}


def test_bulk_add_preview_on_a_phone(page, sign_in, org_admin, group, team, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(org_admin)
    page.goto(page.url.rstrip("/") + f"/{group.public_id}/members/import/")
    page.get_by_label("Emails").fill("ada@acme.example\nben@acme.example\nwho@x.example")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Add 2 Members")).to_be_visible()
    screenshot("bulk-preview-phone")
