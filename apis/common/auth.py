"""One API-key authentication for the three channels.

A channel reads its credential its own way (REST and GraphQL: ``Authorization: Bearer acx_…``;
Conductor: a signed token carrying the key's id) and finds the key with ``api_key_for_bearer``
or ``api_key_for_id``; then ``api_key_authenticate`` lets the key act for the request. Each step
refuses with ``KeyRefused``, which the channel answers in its own words (a 401, GraphQL's
``UNAUTHENTICATED`` or ``FORBIDDEN``, Conductor's ``INVALID_TOKEN``).

Every request looks the key up again: a revoked key, a deactivated user or one no longer in the
key's organization is refused on the very next request.
"""

import uuid

from django.utils import timezone

from accounts.api_keys import api_key_for_token
from accounts.models import ApiKey
from groups import access
from groups.middleware import expire_for


class KeyRefused(Exception):
    """The key may not act. ``reason`` is ``UNUSABLE`` (unknown, revoked, a wrong secret or a
    deactivated user) or ``NOT_IN_ORGANIZATION`` (its user left the key's organization)."""

    UNUSABLE = "unusable"
    NOT_IN_ORGANIZATION = "not_in_organization"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def api_key_for_bearer(token: str) -> ApiKey:
    """The key of a bearer token (``acx_<key id>_<secret>``), not revoked, its user active; its
    use is recorded (``last_used_at``)."""
    key = api_key_for_token(token)
    if key is None:
        raise KeyRefused(KeyRefused.UNUSABLE, "The API key is not valid (or was revoked).")
    return key


def api_key_for_id(key_id: uuid.UUID) -> ApiKey:
    """The key with this id (one a signed token carries: its secret was checked when the token
    was issued), not revoked, its user active; its use is recorded (``last_used_at``)."""
    key = (
        ApiKey.objects.select_related("organization", "user")
        .filter(public_id=key_id, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        raise KeyRefused(KeyRefused.UNUSABLE, "The API key was revoked or its user deactivated.")
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def api_key_authenticate(request, key: ApiKey, *, require_member: bool = True) -> ApiKey:
    """Let ``key`` act for this request, as its user in its organization (``request.user``,
    ``request.api_key``, ``request.organization``). The user's expired memberships end first, so
    that no access outlives its expiry; then the user must still be in the key's organization,
    else ``KeyRefused`` (``NOT_IN_ORGANIZATION``). ``require_member=False`` leaves that question
    to the caller: the REST API asks it of the organization in its URL (a 404, as for any
    organization the caller may not see)."""
    expire_for(key.user)
    if require_member and not api_key_in_organization(key):
        raise KeyRefused(
            KeyRefused.NOT_IN_ORGANIZATION,
            f"The API key's user is no longer in {key.organization}.",
        )
    request.user = key.user
    request.api_key = key
    request.organization = key.organization
    return key


def api_key_in_organization(key: ApiKey) -> bool:
    """Whether the key's user is still in the key's organization."""
    return access.can(key.user, "view", key.organization)
