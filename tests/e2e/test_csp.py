"""Hardening (issue 9): the Content-Security-Policy in a real browser. The autouse fixture in
conftest.py fails any browser test on a violation; these tests prove it catches one, and walk
the pages other tests do not (the Django admin's lists and forms, the API's docs)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(transactional_db):
    # Otto Op: a superuser who runs the installation from the Django admin.
    return UserFactory(email="otto@example.com", is_staff=True, is_superuser=True)


def test_a_csp_violation_is_reported(page, live_server, sign_in, org_admin, csp_violations):
    sign_in(org_admin)
    # htmx injected no <style> of its own: its indicator styles are in our stylesheet.
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate("htmx.config.allowEval") is False
    page.evaluate("document.body.setAttribute('style', 'outline: 1px solid red')")
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 200))")
    assert any("style-src" in report for report in csp_violations), csp_violations
    csp_violations.clear()  # the refusal was the point; nothing else may be refused


def test_the_django_admin_works_under_the_policy(
    page, live_server, operator, organization, org_admin, group, screenshot
):
    # Django 5.2's admin has no inline script; its one inline <style> (admin/change_list.html)
    # appears only on a list without bulk actions. Every list and a few forms are walked: a
    # new admin page that needs an exception fails here.
    assert AuditEvent.objects.exists()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email address").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    lists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    forms = [
        reverse("admin:accounts_user_change", args=[org_admin.pk]),
        reverse("admin:groups_group_change", args=[group.pk]),
        reverse("admin:accounts_organization_add"),
        reverse("admin:password_change"),
    ]
    for path in lists + forms:
        page.goto(live_server.url + path)
        expect(page.locator("#content")).to_be_visible()
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/audit/auditevent/")
    screenshot("csp-admin-audit-events")


def test_the_api_docs_work_under_the_policy(page, live_server, sign_in, organization, org_admin):
    sign_in(org_admin)
    page.goto(f"{live_server.url}/t/{organization.slug}/api/v1/docs")
    # Swagger UI reads the whole schema first: slow on a loaded machine, so wait longer.
    expect(page.get_by_text("/groups").first).to_be_visible(timeout=15_000)
    page.wait_for_load_state("networkidle")
