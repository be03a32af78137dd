"""Reads for the accounts pages: API keys and the people keys can be made for."""

from django.contrib.auth import get_user_model

from groups.access import members_of

from .models import ApiKey

User = get_user_model()


def api_keys_of(organization, user, *, every: bool):
    """The organization's API keys (``every``) or only ``user``'s, with their people."""
    keys = ApiKey.objects.filter(organization=organization).select_related("user", "created_by")
    return keys if every else keys.filter(user=user)


def key_holders(organization, user, *, every: bool):
    """Whom a key may be made for: anyone active in the organization (``every``), or
    ``user`` alone."""
    if not every:
        return User.objects.filter(pk=user.pk)
    return (
        members_of(organization).filter(is_active=True).order_by("last_name", "first_name", "email")
    )
