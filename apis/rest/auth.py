"""Who is calling: a bearer API key (scoped to one organization, acting as its user) or the
browser's session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from apis.common.auth import KeyRefused, api_key_authenticate, api_key_for_bearer


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        try:
            key = api_key_for_bearer(token)
        except KeyRefused:
            return None
        # Whether its user is still in the key's organization is asked of the organization in
        # the URL (``common.organization_of``): a 404, as for any organization not theirs.
        return api_key_authenticate(request, key, require_member=False)


class BrowserSession(SessionAuth):
    """The signed-in user of the Admin Center (unsafe methods need the CSRF token)."""

    def _get_key(self, request):
        # CSRF protects a session. Without one there is nothing to forge: the caller (say, a
        # program with a wrong or revoked key) is unauthenticated, a 401, not a 403.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.api_key = None
        return user
