"""Orkes Conductor's authorization API, at /api/ (seed 000): the endpoints the official
``conductor-python`` SDK's ``OrkesAuthorizationClient`` calls, served by our services.

Authenticate as Conductor clients do: ``POST /api/token {"keyId", "keySecret"}`` (an API key's
id and secret), then ``X-Authorization: <token>``. See ``views`` for the mapping.
"""

from django.urls import path, re_path

from apis.common.openapi import PublishedIdsNinjaAPI

from . import errors, views
from .auth import ConductorToken

api = PublishedIdsNinjaAPI(
    title="Admin Center · Orkes Conductor authorization API",
    version="conductor",
    description=(
        "Groups, users in groups and permissions as Orkes Conductor's authorization API serves "
        "them, for the conductor-python SDK and other Conductor clients. Get a token with "
        "POST /api/token {keyId, keySecret} and send it as X-Authorization."
    ),
    urls_namespace="conductor",
    auth=ConductorToken(),
    published_prefix="groups_conductor",
)
errors.install(api)
api.add_router("", views.router)

# Mounted at /api/ by adminsite.urls: the API, then a JSON 404 for any other path under it.
urlpatterns = [path("", api.urls), re_path(r"^(?P<rest>.*)$", views.not_found)]
