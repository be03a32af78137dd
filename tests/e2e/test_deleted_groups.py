"""Recoverable deletion in the browser: an administrator deletes a group, its member loses the
access it gave at once; she restores it from Deleted groups and the member has it back."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from groups import services
from groups.services import grants
from tests.conftest import make_member
from tests.e2e.test_admin_center import expect_message, htmx_idle, open_group, open_tab, panel

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.fixture
def scene(organization, org_admin):
    """Editors, with John Smith in it, may READ the workflow WORKFLOW_DEF:checkout."""
    john = make_member(organization, first_name="John", last_name="Smith")
    editors = services.group_create(
        organization=organization, display_name="Editors", actor=org_admin
    )
    services.membership_add(group=editors, users=[john], actor=org_admin)
    workflow = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="checkout", actor=org_admin
    )
    grants.grant_add(
        organization=organization,
        subject=editors,
        target=workflow,
        access_types=["READ"],
        actor=org_admin,
    )
    return {"john": john, "editors": editors, "workflow": workflow}


def john_reads(scene) -> bool:
    return User.objects.get(pk=scene["john"].pk).has_perm("groups.access_read", scene["workflow"])


def check_access(page, verdict):
    page.get_by_label("Can John Smith").select_option("READ")
    page.get_by_label("on", exact=True).select_option(label="WORKFLOW_DEF:checkout")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text(f"{verdict}: John Smith can", exact=False)).to_be_visible()


def test_delete_a_group_and_restore_it_gives_the_access_back(
    page, sign_in, org_admin, scene, screenshot, assert_accessible
):
    assert john_reads(scene)
    sign_in(org_admin)

    # Delete Editors: John loses READ at once.
    open_group(page, "Editors")
    open_tab(page, "Settings")
    expect(
        panel(page).get_by_text(re.compile("For 30 days an administrator can restore it"))
    ).to_be_visible()
    page.get_by_label("Type Editors to confirm").fill("Editors")
    page.get_by_role("button", name="Delete group").click()
    expect_message(page, "Deleted the group Editors.")
    assert not john_reads(scene)

    # The Deleted groups list, from the groups list.
    page.get_by_role("link", name="Deleted groups").click()
    expect(page.get_by_role("heading", name="Deleted groups", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Editors")
    expect(row.get_by_role("cell", name="30", exact=True)).to_be_visible()
    expect(row.get_by_text("by Ann Lee")).to_be_visible()
    screenshot("deleted-groups-list")
    assert_accessible("the Deleted groups page")

    # Restore, confirmed in a dialog that says what will happen.
    row.get_by_role("button", name="Restore Editors").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Restore Editors?")).to_be_visible()
    expect(
        dialog.get_by_text(re.compile("1 member get back the access Editors gave"))
    ).to_be_visible()
    screenshot("deleted-groups-restore-dialog")
    dialog.get_by_role("button", name="Restore").click()

    # Back on Editors' Members tab: John is a member again, and may read the workflow again.
    expect(panel(page).get_by_role("heading", name="Editors", level=2)).to_be_visible()
    expect_message(page, "Restored Editors: 1 member, 1 grant. Its members have their access back.")
    htmx_idle(page)
    expect(panel(page).get_by_role("row").filter(has_text="John Smith")).to_be_visible()
    screenshot("deleted-groups-restored")
    assert john_reads(scene)

    panel(page).get_by_role("link", name="John Smith").click()
    expect(page.get_by_role("heading", name="John Smith", level=1)).to_be_visible()
    check_access(page, "Yes")
    expect(page.locator(".path").first.get_by_text("Editors", exact=True)).to_be_visible()
    screenshot("deleted-groups-access-back")

    # His history tells why he lost it and got it back.
    sentences = page.locator("#user-history .audit-sentence")
    expect(sentences.nth(0)).to_contain_text(
        "Ann Lee restored the group Editors, bringing back 1 member and 1 grant, "
        "in the Admin Center"
    )
    expect(sentences.nth(1)).to_contain_text(
        "Ann Lee deleted the group Editors (1 member), in the Admin Center"
    )
    expect(sentences.nth(2)).to_contain_text("Ann Lee added John Smith to Editors")
    screenshot("deleted-groups-person-history")


def test_restore_under_another_name_when_the_name_is_taken(
    page, live_server, sign_in, organization, org_admin, scene, screenshot, assert_accessible
):
    services.group_delete(group=scene["editors"], actor=org_admin)
    services.group_create(organization=organization, display_name="Editors", actor=org_admin)
    sign_in(org_admin)
    page.get_by_role("link", name="Deleted groups").click()
    expect(page.get_by_text("Name taken: comes back as “Editors (restored)”")).to_be_visible()

    page.get_by_role("link", name="Review what restoring Editors brings back").click()
    expect(page.get_by_role("heading", name="Restore Editors?", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("comes back as “Editors \\(restored\\)”"))).to_be_visible()
    expect(page.get_by_text("John Smith")).to_be_visible()
    screenshot("deleted-groups-review")
    assert_accessible("the restore review page")

    page.get_by_label("Restore under another name (optional)").fill("Editors archive")
    page.get_by_role("button", name="Restore group").click()
    expect(panel(page).get_by_role("heading", name="Editors archive", level=2)).to_be_visible()
    expect_message(page, "Restored Editors as “Editors archive”")
    assert john_reads(scene)


def test_deleted_groups_on_a_phone(page, sign_in, org_admin, scene, screenshot):
    services.group_delete(group=scene["editors"], actor=org_admin)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(org_admin)
    page.get_by_role("link", name="Deleted groups").click()
    expect(page.get_by_role("button", name="Restore Editors")).to_be_visible()
    screenshot("deleted-groups-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
