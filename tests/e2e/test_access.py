"""Access in the browser: nest a group, grant it access on a folder, and ask why a member can
do something (the path through the groups to the grant), as an administrator would."""

import re

import pytest
from playwright.sync_api import expect

from groups import services
from groups.models import Group
from groups.services import grants
from tests.conftest import make_member
from tests.e2e.test_admin_center import htmx_idle, open_group, open_tab, panel

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(organization, org_admin):
    """Sales EMEA and Editors (with John Smith in it); a folder Marketing holding a workflow."""
    john = make_member(organization, first_name="John", last_name="Smith")
    sales = services.group_create(
        organization=organization, display_name="Sales EMEA", actor=org_admin
    )
    editors = services.group_create(
        organization=organization, display_name="Editors", actor=org_admin
    )
    services.membership_add(group=editors, users=[john], actor=org_admin)
    folder = grants.resource_create(
        organization=organization, type="folder", key="marketing", name="Marketing", actor=org_admin
    )
    workflow = grants.resource_create(
        organization=organization,
        type="WORKFLOW_DEF",
        key="checkout",
        folder=folder,
        actor=org_admin,
    )
    return {
        "john": john,
        "sales": sales,
        "editors": editors,
        "folder": folder,
        "workflow": workflow,
    }


def test_nest_grant_and_explain_why(page, sign_in, org_admin, scene, screenshot, assert_accessible):
    sign_in(org_admin)

    # Nest Editors in Sales EMEA: John becomes a member of Sales EMEA, through Editors.
    open_group(page, "Sales EMEA")
    page.get_by_label("Add a group as a member").select_option(label="Editors")
    page.get_by_role("button", name="Add group").click()
    expect(page.get_by_text("Editors is now a member of Sales EMEA")).to_be_visible()
    htmx_idle(page)
    row = panel(page).get_by_role("row").filter(has_text="John Smith")
    expect(row.get_by_text("via Editors")).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("Remove from Group"))).to_have_count(0)
    screenshot("access-member-groups")
    assert_accessible("the Members tab with a member group")

    # Grant the group UPDATE on the folder.
    open_tab(page, "Access")
    page.get_by_label("On", exact=True).select_option(label="Marketing (folder:marketing)")
    page.get_by_label("Update", exact=True).check()
    page.get_by_role("button", name="Grant").click()
    expect(page.get_by_text("Members of Sales EMEA now get UPDATE on Marketing.")).to_be_visible()
    htmx_idle(page)
    expect(panel(page).get_by_role("row").filter(has_text="folder:marketing")).to_be_visible()
    screenshot("access-tab")
    assert_accessible("the Access tab")
    john = type(scene["john"]).objects.get(pk=scene["john"].pk)
    assert john.has_perm("groups.access_update", scene["workflow"])

    # Why can John update the workflow? Open his page from the member list and check.
    open_tab(page, "Members")
    panel(page).get_by_role("link", name="John Smith").click()
    expect(page.get_by_role("heading", name="John Smith", level=1)).to_be_visible()
    page.get_by_label("Can John Smith").select_option("UPDATE")
    page.get_by_label("on", exact=True).select_option(label="WORKFLOW_DEF:checkout")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Yes: John Smith can UPDATE on WORKFLOW_DEF:checkout.")).to_be_visible()
    path = page.locator(".path").first
    for step in ("John Smith", "Editors", "Sales EMEA", "grant UPDATE on folder Marketing"):
        expect(path.get_by_text(step, exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("take Editors out of Sales EMEA"))).to_be_visible()
    screenshot("access-why")
    assert_accessible("the user page with a Why answer")

    # Without the nesting, the answer is no.
    services.member_group_remove(parent=scene["sales"], child=scene["editors"], actor=org_admin)
    page.reload()
    expect(
        page.get_by_text("No: John Smith cannot UPDATE on WORKFLOW_DEF:checkout.")
    ).to_be_visible()


def test_nesting_a_cycle_is_refused_with_its_path(page, sign_in, org_admin, scene, screenshot):
    services.member_group_add(parent=scene["sales"], child=scene["editors"], actor=org_admin)
    sign_in(org_admin)
    open_group(page, "Editors")
    page.get_by_label("Add a group as a member").select_option(label="Sales EMEA")
    page.get_by_role("button", name="Add group").click()
    expect(page.get_by_text(re.compile("would be a cycle"))).to_be_visible()
    screenshot("access-cycle-refused")
    assert not Group.objects.get(pk=scene["editors"].pk).member_group_links.exists()


def test_resource_page_lists_who_can_access_it(
    page, sign_in, org_admin, scene, screenshot, assert_accessible
):
    grants.grant_add(
        organization=scene["sales"].organization,
        subject=scene["sales"],
        target=scene["folder"],
        access_types=["READ"],
        actor=org_admin,
    )
    sign_in(org_admin)
    page.get_by_role("link", name="Resources").click()
    page.get_by_role("searchbox", name="Search resources by name or key").fill("check")
    # No button to press: the list follows the typing (htmx), and the address keeps the search.
    expect(page.get_by_role("table").get_by_role("link")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]q=check"))
    screenshot("access-resources-list")
    page.get_by_role("link", name="WORKFLOW_DEF:checkout").click()
    expect(page.get_by_role("heading", name="WORKFLOW_DEF:checkout", level=1)).to_be_visible()
    read = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="READ"))
    expect(read.get_by_role("link", name="Sales EMEA")).to_be_visible()
    expect(read.get_by_text("through folder Marketing")).to_be_visible()
    screenshot("access-resource")
    assert_accessible("a resource's access list")


def test_a_member_group_is_found_by_name_in_a_large_organization(
    page, sign_in, organization, org_admin, scene, screenshot, assert_accessible
):
    for n in range(55):
        services.group_create(organization=organization, display_name=f"Team {n:02}", actor=None)
    sign_in(org_admin)
    open_group(page, "Sales EMEA")
    search = page.get_by_role("searchbox", name="Add a group as a member")
    search.fill("edit")
    choices = page.get_by_role("group", name="Groups matching “edit”")
    expect(choices.get_by_role("radio")).to_have_count(1)
    choices.get_by_role("radio", name="Editors").check()
    screenshot("access-member-group-search")
    assert_accessible("the member group search")
    page.get_by_role("button", name="Add group").click()
    expect(page.get_by_text("Editors is now a member of Sales EMEA")).to_be_visible()
    htmx_idle(page)
    expect(panel(page).get_by_role("row").filter(has_text="John Smith")).to_be_visible()
    assert (
        Group.objects.get(pk=scene["sales"].pk).member_group_links.get().child == scene["editors"]
    )


def test_a_resource_is_found_by_name_to_grant_on_in_a_large_organization(
    page, sign_in, organization, org_admin, scene, screenshot, assert_accessible
):
    for n in range(55):
        grants.resource_create(
            organization=organization, type="WORKFLOW_DEF", key=f"flow-{n:02}", actor=None
        )
    sign_in(org_admin)
    open_group(page, "Sales EMEA")
    open_tab(page, "Access")
    page.get_by_role("searchbox", name="On: find a resource").fill("checkout")
    choices = page.get_by_role("group", name="Resources matching “checkout”")
    expect(choices.get_by_role("radio")).to_have_count(2)  # the organization, and the match
    choices.get_by_role("radio", name="WORKFLOW_DEF:checkout").check()
    page.get_by_label("Execute", exact=True).check()
    screenshot("access-resource-search")
    assert_accessible("the grant form's resource search")
    page.get_by_role("button", name="Grant").click()
    expect(page.get_by_text("Members of Sales EMEA now get EXECUTE on")).to_be_visible()
    htmx_idle(page)
    expect(panel(page).get_by_role("row").filter(has_text="WORKFLOW_DEF:checkout")).to_be_visible()
