"""``/graphql``: who is calling, in which organization, then strawberry runs the operation.

- An API key (``Authorization: Bearer acx_…``) acts as its user in its own organization.
- The Admin Center's session acts as the signed-in user; a POST needs the CSRF token
  (``X-CSRFToken``). The organization is the one named by the ``X-Organization`` header or the
  ``organization`` query parameter (its slug), else the user's only organization; someone in
  several organizations who names none gets an error saying so, never a guess.
- GET shows GraphiQL (served from our static files, no CDN) only when ``DEBUG`` is on; otherwise
  GET is a 405: queries travel by POST only.
"""

import json

from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from strawberry.django.views import GraphQLView

from apis.common.auth import KeyRefused, api_key_authenticate, api_key_for_bearer
from groups import access, queries

from .errors import format_error
from .schema import Context, schema

ORGANIZATION_HEADER = "HTTP_X_ORGANIZATION"


def _errors(status: int, message: str, code: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status=status
    )


class AdminCenterGraphQLView(GraphQLView):
    def get_context(self, request, response) -> Context:
        return Context(
            request=request,
            response=response,
            organization=request.organization,
            access=access.Access(request.user),
        )

    def process_result(self, request, result):
        data = {"data": result.data}
        if result.errors:
            data["errors"] = [format_error(error) for error in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data


_execute = AdminCenterGraphQLView.as_view(
    schema=schema, graphql_ide=None, allow_queries_via_get=False
)
# CSRF protects the session only: a bearer key is not sent by browsers on their own.
_execute_with_csrf = csrf_protect(lambda request: _execute(request))


def _named_organization(request) -> str:
    return (request.META.get(ORGANIZATION_HEADER) or request.GET.get("organization") or "").strip()


def _key_organization(request, key):
    """The key's organization, the request acting as its user there; or an error response."""
    named = _named_organization(request)
    if named and named != key.organization.slug:
        return None, _errors(404, "No such organization for this API key.", "NOT_FOUND")
    try:
        api_key_authenticate(request, key)
    except KeyRefused as refused:
        return None, _errors(403, refused.message, "FORBIDDEN")
    return key.organization, None


def _session_organization(request):
    """The organization the signed-in user acts in, or an error response."""
    named = _named_organization(request)
    if not named:
        organizations = list(queries.organizations_of(request.user)[:2])
        if not organizations:
            return None, _errors(403, "You do not belong to any organization.", "FORBIDDEN")
        if len(organizations) > 1:
            return None, _errors(
                400,
                "You belong to several organizations: name one with the X-Organization header "
                "or the organization query parameter (its slug).",
                "BAD_USER_INPUT",
            )
        named = organizations[0].slug
    try:
        return access.organization_for_user(request.user, named), None
    except Http404:
        return None, _errors(404, "No such organization.", "NOT_FOUND")


def _lone_surrogate(value) -> str | None:
    """The first lone surrogate in the strings (keys included) of a parsed JSON value, or None.
    JSON may escape one (``"\\ud800"``), but it is no text: the database driver fails on it."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            for character in item:
                if 0xD800 <= ord(character) <= 0xDFFF:
                    return f"\\u{ord(character):04x}"
    return None


def _body_refusal(request):
    """A 400 for a body that is not a GraphQL request in JSON text, before strawberry reads it
    (bytes that are not UTF-8 made it fail with a 500, so did a JSON string or number, and a
    lone surrogate reached the database driver)."""
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return _errors(400, "The request body is not valid UTF-8.", "BAD_USER_INPUT")
    if "application/json" not in (request.content_type or ""):
        return _errors(
            400, "Send the request as JSON (Content-Type: application/json).", "BAD_USER_INPUT"
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return _errors(400, "The request body is not valid JSON.", "BAD_USER_INPUT")
    if not isinstance(data, dict):
        return _errors(
            400,
            "The request body must be a JSON object with “query” (and “variables”, "
            "“operationName”).",
            "BAD_USER_INPUT",
        )
    surrogate = _lone_surrogate(data)
    if surrogate is not None:
        return _errors(
            400,
            f"The request body holds a lone surrogate ({surrogate}), which is not text.",
            "BAD_USER_INPUT",
        )
    return None


@csp_update({"font-src": ["data:"]})  # GraphiQL's fonts are inline data: URLs
def _graphiql(request):
    """GraphiQL (DEBUG only), from static files shipped with the project: works offline."""
    return render(request, "apis/graphiql_offline.html", {"csrf_token": get_token(request)})


@csrf_exempt
def graphql(request):
    if request.method == "GET":
        if not settings.DEBUG:
            return HttpResponseNotAllowed(["POST"])
        return _graphiql(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    key = None
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        try:
            key = api_key_for_bearer(token if scheme.lower() == "bearer" else "")
        except KeyRefused as refused:
            return _errors(401, refused.message, "UNAUTHENTICATED")
        organization, refusal = _key_organization(request, key)
    elif not request.user.is_authenticated:
        return _errors(
            401,
            "Authenticate with “Authorization: Bearer <API key>” or the Admin Center's session.",
            "UNAUTHENTICATED",
        )
    else:
        organization, refusal = _session_organization(request)
    if refusal is not None:
        return refusal
    refusal = _body_refusal(request)
    if refusal is not None:
        return refusal
    request.organization = organization
    request.api_key = key
    return _execute(request) if key is not None else _execute_with_csrf(request)
