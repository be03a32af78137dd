"""Hardening (issue 9): production settings, the Content-Security-Policy, cookies and no caching
of tenant data, checked on real responses."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from accounts.api_keys import api_key_create, token_for
from tests.apis.api_helpers import api_url, bearer
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HTTP_HX_REQUEST": "true"}


def production(code: str = "", *args: str) -> subprocess.CompletedProcess:
    """Runs manage.py with the production configuration (no DEBUG, a real secret key)."""
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "admin.example.com",
        "DEBUG": "0",
    }
    for development_only in ("SECURE_SSL", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the latter: e2e
        env.pop(development_only, None)
    command = [sys.executable, "manage.py", *(args or ("shell", "--verbosity", "0", "-c", code))]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def csp_of(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (directive.split() for directive in policy.split(";") if directive)
    }


def assert_not_cacheable(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control, response["Cache-Control"]
    assert "HX-Request" in response["Vary"], response["Vary"]


def test_production_settings_pass_the_deployment_checklist():
    checked = production("", "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_production_settings_send_hsts_and_only_secure_http_only_same_site_cookies():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
        " for k in ['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        " 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
        " 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'CSRF_COOKIE_SAMESITE',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'X_FRAME_OPTIONS', 'DEBUG']}))"
    )
    ran = production(code)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
    }


def test_pages_carry_a_strict_content_security_policy(client, organization, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("groups:group_list", args=[organization.slug]))
    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_configure_htmx_for_the_policy_and_inline_nothing(client, organization, org_admin):
    client.force_login(org_admin)
    body = client.get(reverse("groups:group_list", args=[organization.slug])).content.decode()
    assert '<meta name="htmx-config"' in body
    config = json.loads(body.split('<meta name="htmx-config" content=\'')[1].split("'>")[0])
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert "style=" not in body
    assert " hx-on" not in body
    assert "javascript:" not in body
    for script in body.split("<script")[1:]:
        assert script.lstrip().startswith("src="), f"inline script: <script{script[:80]}"


def test_the_django_admin_gets_the_same_policy(admin_client):
    response = admin_client.get("/admin/audit/auditevent/")
    policy = csp_of(response)
    assert policy["style-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]


def test_tenant_pages_and_panels_are_never_cached(client, organization, org_admin, group):
    client.force_login(org_admin)
    for url in (
        reverse("groups:group_list", args=[organization.slug]),
        reverse("groups:group_detail", args=[organization.slug, group.public_id]),
    ):
        assert_not_cacheable(client.get(url))
        partial = client.get(url, **HTMX)
        assert partial.status_code == 200
        assert b"<html" not in partial.content
        assert_not_cacheable(partial)


def test_api_answers_are_never_cached(organization, org_admin):
    key, secret = api_key_create(organization=organization, name="t", user=org_admin, actor=None)
    api = bearer(token_for(key, secret))
    assert_not_cacheable(api.get(api_url("groups")))
    assert_not_cacheable(api.get(api_url("groups/00000000-0000-0000-0000-000000000000")))
    graphql = api.post(
        "/graphql", json.dumps({"query": "{ authGroups { count } }"}), "application/json"
    )
    assert graphql.status_code == 200
    assert_not_cacheable(graphql)
    token = api.post(
        "/api/token",
        json.dumps({"keyId": str(key.public_id), "keySecret": secret}),
        "application/json",
    )
    assert_not_cacheable(token)
    conductor = api.get("/api/groups", HTTP_X_AUTHORIZATION=token.json()["token"])
    assert conductor.status_code == 200
    assert_not_cacheable(conductor)


def test_csv_exports_are_never_cached(client, organization, org_admin, group):
    client.force_login(org_admin)
    for url in (
        reverse("groups:members_export", args=[organization.slug, group.public_id]),
        reverse("audit:audit_log_export", args=[organization.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.streaming
        assert_not_cacheable(response)


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, org_admin):
    page = client.get(reverse("login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    signed_in = client.post(reverse("login"), {"username": org_admin.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
