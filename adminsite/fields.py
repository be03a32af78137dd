"""Which fields an Admin Center form post may carry. A view declares them with ``@takes``; any
other field (``organization``, ``kind``, ``is_superuser``… or a name nobody knows) is refused
before the view runs, naming it, so a tampered request changes nothing and says why instead of
being silently trimmed. The security suite checks every POST view declares what it takes."""

from functools import wraps

from django import forms
from django.http import HttpResponse
from django.template import loader

from .htmx import wants_partial

ALWAYS = frozenset({"csrfmiddlewaretoken"})


def _names(source) -> set[str]:
    if isinstance(source, type) and issubclass(source, forms.BaseForm):
        return set(source.base_fields)
    return {source}


def refusal_text(fields) -> str:
    quoted = ", ".join(f"“{name}”" for name in fields)
    word = "field" if len(fields) == 1 else "fields"
    return f"This form does not take the {word} {quoted}. Nothing was changed."


def takes(*sources):
    """The POST fields the decorated view takes: form classes (all their fields) and names."""
    accepted = frozenset(ALWAYS.union(*(_names(source) for source in sources)))

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                refused = sorted((set(request.POST) | set(request.FILES)) - accepted)
                if refused:
                    return _refuse(request, refusal_text(refused))
            return view(request, *args, **kwargs)

        wrapper.takes_fields = accepted
        return wrapper

    return decorate


def _refuse(request, text: str) -> HttpResponse:
    """400: as plain text for htmx (the page shows it as an error message), else a page."""
    if wants_partial(request):
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    page = loader.render_to_string("400.html", {"message": text}, request=request)
    return HttpResponse(page, status=400)
