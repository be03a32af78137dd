"""Who is calling: a bearer API key (scoped to one organization, acting as its user) or the
browser's session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from accounts.api_keys import api_key_for_token
from groups.middleware import expire_for


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        key = api_key_for_token(token)
        if key is None:
            return None
        request.user = key.user
        request.api_key = key
        expire_for(key.user)
        return key


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
