"""API keys: create, revoke, and authenticate a bearer token.

A token is ``acx_<key id>_<secret>``. The key id (a UUID) and the secret are also what the
Conductor-style token exchange takes. Only SHA-256 of the secret is stored: secrets are 256 random
bits, so a fast hash is enough and makes checking a request cheap.
"""

import hashlib
import hmac
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.recording import Channel, audit_record
from groups import access
from groups.services import clean_name

from .models import ApiKey, Organization

TOKEN_PREFIX = "acx"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_for(key: ApiKey, secret: str) -> str:
    return f"{TOKEN_PREFIX}_{key.public_id.hex}_{secret}"


def _key_snapshot(key: ApiKey) -> dict:
    return {"name": key.name, "user": key.user.email, "id": str(key.public_id)}


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str, user, channel: str = Channel.SYSTEM, actor
) -> tuple[ApiKey, str]:
    """A new key acting as ``user`` in ``organization``. Returns the key and its secret, which
    is never stored and cannot be shown again. Administrators may make keys for any member;
    others only for themselves."""
    if actor is not None:
        access.require(actor, "view", organization)
        if actor != user:
            access.require(actor, "change", organization)
    if not access.is_member(user, organization):
        raise ValidationError({"user": f"{user.display_name} is not in {organization}."})
    if not user.is_active:
        raise ValidationError({"user": f"{user.display_name} is deactivated."})
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organization=organization,
        user=user,
        name=clean_name(name, field="name"),
        secret_hash=_hash(secret),
        created_by=actor,
    )
    audit_record(
        action="api_key.created",
        organization=organization,
        target=key,
        after=_key_snapshot(key),
        channel=channel,
        actor=actor,
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, key: ApiKey, channel: str = Channel.SYSTEM, actor) -> ApiKey:
    """Revoke a key: the very next request that uses it is refused. Revoking twice is a no-op."""
    key = ApiKey.objects.select_for_update().select_related("user").get(pk=key.pk)
    if actor is not None and actor != key.user:
        access.require(actor, "change", key.organization)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(
        action="api_key.revoked",
        organization=key.organization,
        target=key,
        before=_key_snapshot(key),
        channel=channel,
        actor=actor,
    )
    return key


def api_keys_revoke_of(*, user, organization=None, reason: str, channel: str, actor) -> int:
    """Revoke every live key of ``user`` (in ``organization``, or everywhere): a person who
    leaves an organization or is deactivated keeps no key, and being added back revives none
    (issue 15, item 3). One ``api_key.revoked`` event per key, saying why. Returns how many."""
    keys = ApiKey.objects.select_for_update().select_related("organization", "user")
    keys = keys.filter(user=user, revoked_at__isnull=True)
    if organization is not None:
        keys = keys.filter(organization=organization)
    revoked = list(keys)
    now = timezone.now()
    for key in revoked:
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
        audit_record(
            action="api_key.revoked",
            organization=key.organization,
            target=key,
            before={**_key_snapshot(key), "reason": reason},
            channel=channel,
            actor=actor,
        )
    return len(revoked)


def api_key_for_credentials(key_id, secret: str) -> ApiKey | None:
    """The active key with this id and secret, its user active; None otherwise."""
    try:
        key_uuid = uuid.UUID(str(key_id))
    except (ValueError, AttributeError):
        return None
    key = (
        ApiKey.objects.select_related("organization", "user")
        .filter(public_id=key_uuid, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret or "")):
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def api_key_for_token(token: str) -> ApiKey | None:
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    return api_key_for_credentials(parts[1], parts[2])
