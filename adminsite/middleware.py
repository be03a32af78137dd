"""Hardening middleware (issue 9): no caching of tenant data."""

from django.utils.cache import patch_cache_control, patch_vary_headers


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
