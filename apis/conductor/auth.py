"""Conductor's token exchange and its ``X-Authorization`` header.

``POST /api/token {"keyId", "keySecret"}`` takes an API key's id and secret (as
``create_api_key`` prints them) and answers ``{"token"}``: a value signed with ``SECRET_KEY``
(django.core.signing) that carries the key's id and nothing else, valid one hour (the SDK
renews it every 45 minutes, and at once when told ``EXPIRED_TOKEN``). Every request looks the
key up again: a revoked key, a deactivated user or one no longer in the key's organization is
refused on the very next request, whatever token they hold.
"""

import uuid

from django.core import signing
from django.utils import timezone
from ninja.security import APIKeyHeader

from accounts.models import ApiKey
from groups import access
from groups.middleware import expire_for

# The salt keeps its old module path: tokens issued before the move stay valid.
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


def api_key_for_conductor_token(token: str) -> ApiKey:
    """The key a token was issued for, if it may still be used; TokenRefused otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenRefused("EXPIRED_TOKEN", "The token has expired: get a new one.") from None
    except signing.BadSignature:
        raise TokenRefused("INVALID_TOKEN", "The token is not one this server issued.") from None
    try:
        key_id = uuid.UUID(str(data.get("key") if isinstance(data, dict) else ""))
    except ValueError:
        raise TokenRefused("INVALID_TOKEN", "The token is not one this server issued.") from None
    key = (
        ApiKey.objects.select_related("organization", "user")
        .filter(public_id=key_id, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        raise TokenRefused("INVALID_TOKEN", "The API key was revoked or its user deactivated.")
    expire_for(key.user)
    if not access.can(key.user, "view", key.organization):
        raise TokenRefused(
            "INVALID_TOKEN", f"The API key's user is no longer in {key.organization}."
        )
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


class ConductorToken(APIKeyHeader):
    """``X-Authorization: <token>``: the request acts as the key's user in its organization."""

    param_name = "X-Authorization"

    def authenticate(self, request, key):
        if not key:
            raise TokenRefused("INVALID_TOKEN", "Send the token in the X-Authorization header.")
        api_key = api_key_for_conductor_token(key)
        request.user = api_key.user
        request.api_key = api_key
        request.organization = api_key.organization
        return api_key
