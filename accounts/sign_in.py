"""Sign-in throttling counts one account once, however its email is typed."""

import unicodedata

from django.conf import settings


def sign_in_name(request, credentials) -> str:
    """The name django-axes counts failures under: the email as typed, NFKC-normalized, trimmed
    and case-folded, so that ``Olga@…`` and ``oLga@…`` share one counter (sign-in matches the
    email without regard to case, so they are one account)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        typed = credentials.get(field) or ""
    else:
        typed = getattr(request, "POST", {}).get(field, "")
    return unicodedata.normalize("NFKC", str(typed)).strip().casefold()
