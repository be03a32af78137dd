"""An already open page whose user loses their right: the next htmx action is refused, the page
says so, and nothing changes (tests/security/test_revocation.py covers every other case)."""

import re

import pytest
from playwright.sync_api import expect

from groups import services as group_services

from .test_admin_center import UUID, expect_message, open_group, open_tab

pytestmark = pytest.mark.browser


def test_open_settings_tab_refuses_the_save_after_the_right_is_revoked(
    page, live_server, sign_in, org_admin, group, group_manager, screenshot
):
    sign_in(group_manager)
    open_group(page, "Editors")
    open_tab(page, "Settings")
    expect(page).to_have_url(re.compile(f"/groups/{UUID}/settings/$"))
    page.get_by_label("Name", exact=True).fill("Taken Over")

    # Meanwhile, an administrator takes every right on Editors away from Cy.
    group_services.group_rights_revoke(
        group=group,
        user=group_manager,
        rights=["view_group", "change_group", "delete_group", "manage_members"],
        actor=org_admin,
    )
    page.get_by_role("button", name="Save Changes").click()

    expect_message(page, "That no longer exists, or you cannot see it.")
    screenshot("revocation-open-page-refused")
    group.refresh_from_db()
    assert group.display_name == "Editors"
