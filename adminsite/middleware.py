"""Hardening middleware (issue 9): the Content-Security-Policy and no caching of tenant data."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.utils.cache import patch_cache_control, patch_vary_headers

# Django's admin change list (admin/change_list.html) inlines one <style> block when a model has
# no bulk actions (our audit trail, for one). The admin, and only the admin, may apply that exact
# block, named by its hash; no 'unsafe-inline' anywhere. If a Django upgrade changes the block,
# tests/e2e/test_csp.py fails on the audit trail's change list and this hash is recomputed.
ADMIN_PREFIX = "/admin/"
ADMIN_CHANGE_LIST_STYLE = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy of settings.CSP_DIRECTIVES, plus the admin's one
    exception above."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": [ADMIN_CHANGE_LIST_STYLE]}
        return parts


class PrivateNoStoreMiddleware:
    """Every dynamic answer shows one tenant's data to one signed-in person: no shared or
    browser cache may keep it (``Cache-Control: private, no-store``), and the same URL answers
    a whole page or an htmx partial, so caches must key on ``HX-Request`` (``Vary``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        patch_cache_control(response, private=True, no_store=True)
        return response
