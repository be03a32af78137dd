"""An operator in the Django admin, in a real browser: default groups offer no way to be
deleted, a custom group can be deleted, and members are added through the inline."""

import re

import pytest
from playwright.sync_api import expect

from groups.models import Group, Membership
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(transactional_db):
    # Otto Op: a superuser who runs the installation from the Django admin.
    return UserFactory(
        email="otto@example.com",
        first_name="Otto",
        last_name="Op",
        is_staff=True,
        is_superuser=True,
    )


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", name=re.compile("Organizations, users, groups"))
    ).to_be_visible()


def test_operator_cannot_delete_a_default_group_but_can_delete_a_custom_one(
    page, live_server, operator, organization, org_admin, group, screenshot
):
    sign_in(page, live_server, operator)
    page.get_by_role("rowheader", name="Groups", exact=True).get_by_role("link").click()
    expect(page.get_by_role("link", name="Acme Administrators")).to_be_visible()
    screenshot("django-admin-groups")

    page.get_by_role("link", name="Acme Administrators").click()
    expect(page.get_by_role("heading", name=re.compile("Change group"))).to_be_visible()
    expect(page.get_by_role("link", name="Delete", exact=True)).to_have_count(0)
    screenshot("django-admin-default-group")

    page.go_back()
    page.get_by_role("link", name="Editors").click()
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name=re.compile("Yes, I’m sure")).click()
    expect(page.get_by_text(re.compile("was deleted successfully"))).to_be_visible()
    assert not Group.objects.filter(pk=group.pk).exists()
    assert Group.objects.filter(organization=organization).count() == 2


def test_operator_adds_a_member_with_the_inline(
    page, live_server, operator, organization, group, org_member, screenshot
):
    sign_in(page, live_server, operator)
    page.goto(f"{live_server.url}/admin/groups/group/{group.pk}/change/")
    # The user field is the admin's autocomplete: type part of a name, pick the person.
    page.locator("#memberships-0 .select2-selection").click()
    page.locator(".select2-search__field").fill("Chen")
    page.get_by_role("option", name=re.compile("Bo Chen")).click()
    screenshot("django-admin-add-member")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("was changed successfully"))).to_be_visible()
    assert Membership.objects.filter(group=group, user=org_member).exists()
