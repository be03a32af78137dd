"""Hardening (issue 9): the pages people see when sign-in is paused or the service is down,
in a real browser (and under the CSP, like every browser test)."""

import pytest
from django.template import loader
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_repeated_failed_sign_ins_show_the_lockout_page(
    page, live_server, org_member, screenshot, assert_accessible
):
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.get_by_label("Email address").fill(org_member.email)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if page.get_by_role("heading", name="Too many failed sign-ins").count():
            break
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Try again in 15 minutes")
    screenshot("hardening-locked-out")
    assert_accessible("the lockout page")


@pytest.mark.parametrize("template", ["503.html", "500.html"])
def test_error_pages_look_like_the_product(page, live_server, template, screenshot):
    # Served at a URL of the live server so the stylesheet loads as it would.
    html = loader.get_template(template).render()
    page.route(
        f"{live_server.url}/error-page",
        lambda route: route.fulfill(status=503, body=html, content_type="text/html"),
    )
    page.goto(f"{live_server.url}/error-page")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Nothing was changed")).to_be_visible()
    screenshot(f"hardening-{template.removesuffix('.html')}")
