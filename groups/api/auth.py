"""Who is calling: a bearer API key (scoped to one organization, acting as its user) or the
browser's session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from accounts.api_keys import api_key_for_token


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        key = api_key_for_token(token)
        if key is None:
            return None
        request.user = key.user
        request.api_key = key
        return key


class BrowserSession(SessionAuth):
    """The signed-in user of the Admin Center (unsafe methods need the CSRF token)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.api_key = None
        return user
