"""Conductor's error JSON: ``{"status", "code", "error", "message", "instance", "retryable"}``,
with ``validationErrors`` (``[{"path", "message"}]``) on a 400. A rule refusing the change
(protected group, last administrator) is a 409."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from apis.rest.errors import CONFLICT_CODES, _codes

from .auth import TokenRefused

CODES = {
    400: "INVALID_REQUEST",
    401: "INVALID_TOKEN",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
}
# Our services' field names, as a Conductor request names them.
FIELDS = {"display_name": "description", "slug": "id", "users": "userIds"}


def error_body(status: int, message: str, *, path: str = "", error=None, validation=None):
    body = {
        "status": status,
        "code": error or CODES.get(status, "ERROR"),
        "error": error or CODES.get(status, "ERROR"),
        "message": message,
        "instance": path,
        "retryable": False,
    }
    if validation is not None:
        body["validationErrors"] = validation
    return body


def install(api) -> None:
    def respond(request, status, message, **kwargs):
        return api.create_response(
            request, error_body(status, message, path=request.path, **kwargs), status=status
        )

    @api.exception_handler(TokenRefused)
    def token_refused(request, exc):
        return respond(request, 401, exc.message, error=exc.error)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "Send a token from POST /api/token in X-Authorization.")

    @api.exception_handler(ValidationError)
    def refused(request, exc):
        conflict = _codes(exc) & CONFLICT_CODES
        if conflict:
            return respond(request, 409, " ".join(exc.messages))
        validation = (
            [
                {"path": FIELDS.get(field, field), "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
            if hasattr(exc, "error_dict")
            else []
        )
        return respond(request, 400, " ".join(exc.messages), validation=validation)

    @api.exception_handler(SchemaValidationError)
    def schema_error(request, exc):
        validation = [
            {
                "path": ".".join(
                    str(p)
                    for p in item.get("loc", ())
                    if p not in ("body", "query", "path", "payload")
                )
                or "body",
                "message": item.get("msg", "Invalid."),
            }
            for item in exc.errors
        ]
        return respond(request, 400, "The request is not valid.", validation=validation)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, str(exc) or "You do not have permission to do that.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, str(exc) or "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))
