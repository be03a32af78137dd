import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.http import require_safe

from apis.rest.errors import error_body
from apis.rest.middleware import API_PATH
from groups.queries import organizations_of


@login_required
@require_safe
def home(request):
    """Signed-in people land on their (first) organization's groups."""
    organization = organizations_of(request.user).first()
    if organization is None:
        return render(request, "adminsite/no_organization.html", status=200)
    return redirect("groups:group_list", org_slug=organization.slug)


# Hardening (issue 9): what a visitor sees when something breaks. Django converts an exception
# raised in any middleware layer into a response before an outer middleware could catch it, so
# the one place that sees every uncaught exception is the 500 handler: it still runs inside
# Django's ``except`` block, where ``sys.exc_info()`` names the error.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """``handler500``: a lost or refused database connection is a 503 with ``Retry-After``
    (the next request reconnects: ``CONN_HEALTH_CHECKS``); anything else a 500. Neither page
    shows internals, nor touches the database (it may be the thing that is down); API paths get
    the API's one error shape."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, DATABASE_UNAVAILABLE)
    status = 503 if unavailable else 500
    if API_PATH.match(request.path):
        message = (
            "The service is briefly unavailable. Try again in a moment."
            if unavailable
            else "Something went wrong on our side. Nothing was changed."
        )
        response = JsonResponse(error_body(status, message), status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render(), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
