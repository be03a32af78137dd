"""The HTTP API (Django Ninja): the same services and rules as the Admin Center.

Mounted at /t/<org-slug>/api/v1/; OpenAPI schema at openapi.json, docs at docs (offline).
"""

from apis.common.openapi import PublishedIdsNinjaAPI

from . import access, bulk, errors, grants, groups, member_groups, resources, trash, users
from .auth import ApiKeyAuth, BrowserSession

api = PublishedIdsNinjaAPI(
    title="Admin Center API",
    version="1",
    description=(
        "Manage an organization's groups, their members, member groups and permission sets, "
        "its resources and grants, and ask who can access what and why. Authenticate "
        "with `Authorization: Bearer <API key>` (keys belong to one organization and act with "
        "the rights of their user), or with the Admin Center's session and CSRF token."
    ),
    urls_namespace="api",
    auth=[ApiKeyAuth(), BrowserSession()],
    published_prefix="groups_api",
    published_modules={"member_groups": "access", "resources": "access", "grants": "access"},
)
errors.install(api)
# Before groups: its members/{user_id} would otherwise take members/batch.
api.add_router("", bulk.router)
api.add_router("", groups.router)
api.add_router("", users.router)
api.add_router("", member_groups.router)
api.add_router("", resources.router)
api.add_router("", grants.router)
api.add_router("", access.router)
api.add_router("", trash.router)
