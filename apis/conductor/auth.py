"""Conductor's token exchange and its ``X-Authorization`` header.

``POST /api/token {"keyId", "keySecret"}`` takes an API key's id and secret (as
``create_api_key`` prints them) and answers ``{"token"}``: a value signed with ``SECRET_KEY``
(django.core.signing) that carries the key's id and nothing else, valid one hour (the SDK
renews it every 45 minutes, and at once when told ``EXPIRED_TOKEN``). Every request looks the
key up again (``apis.common.auth``): a revoked key, a deactivated user or one no longer in the
key's organization is refused on the very next request, whatever token they hold.
"""

import uuid

from django.core import signing
from ninja.security import APIKeyHeader

from accounts.models import ApiKey
from apis.common.auth import KeyRefused, api_key_authenticate, api_key_for_id

# The salt keeps the module path it was first given: tokens issued before the move stay valid.
SALT = "groups.conductor.token"
TOKEN_MAX_AGE = 60 * 60  # seconds


class TokenRefused(Exception):
    """A missing, malformed, expired or no longer valid token (401). ``error`` is the code the
    SDK reads: ``EXPIRED_TOKEN`` and ``INVALID_TOKEN`` make it fetch a new token once."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error
        self.message = message


def token_issue(key: ApiKey) -> str:
    return signing.dumps({"key": key.public_id.hex}, salt=SALT, compress=False)


def key_id_for_token(token: str) -> uuid.UUID:
    """The id of the key a token was issued for; TokenRefused if this server did not issue it
    or it has expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenRefused("EXPIRED_TOKEN", "The token has expired: get a new one.") from None
    except signing.BadSignature:
        raise TokenRefused("INVALID_TOKEN", "The token is not one this server issued.") from None
    try:
        return uuid.UUID(str(data.get("key") if isinstance(data, dict) else ""))
    except ValueError:
        raise TokenRefused("INVALID_TOKEN", "The token is not one this server issued.") from None


class ConductorToken(APIKeyHeader):
    """``X-Authorization: <token>``: the request acts as the key's user in its organization."""

    param_name = "X-Authorization"

    def authenticate(self, request, key):
        if not key:
            raise TokenRefused("INVALID_TOKEN", "Send the token in the X-Authorization header.")
        try:
            return api_key_authenticate(request, api_key_for_id(key_id_for_token(key)))
        except KeyRefused as refused:
            raise TokenRefused("INVALID_TOKEN", refused.message) from None
