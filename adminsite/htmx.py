"""Small helpers for htmx-aware views (see STYLE.md, "htmx")."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django_htmx.http import HttpResponseClientRedirect


def wants_partial(request) -> bool:
    """An htmx request that swaps part of the page: not boosted, not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def login_required_htmx(view):
    """``login_required`` that sends an htmx request whose session ended to the sign-in page
    as a whole page, instead of swapping the sign-in form into a panel."""
    guarded = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and getattr(request, "htmx", False):
            login = redirect_to_login(request.htmx.current_url_abs_path or request.get_full_path())
            return HttpResponseClientRedirect(login.url)
        return guarded(request, *args, **kwargs)

    return wrapper
