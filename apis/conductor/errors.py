"""Conductor's error JSON: ``{"status", "code", "error", "message", "instance", "retryable"}``,
with ``validationErrors`` (``[{"path", "message"}]``) on a 400. A rule refusing the change
(protected group, last administrator) is a 409."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from apis.common.errors import field_messages, refusal_of, schema_error_path

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

    def refused(request, exc):
        refusal = refusal_of(exc)
        validation = None
        if refusal.status == 400:
            validation = [
                {"path": field, "message": message}
                for field, messages in field_messages(exc, FIELDS) or []
                for message in messages
            ]
        return respond(request, refusal.status, refusal.message, validation=validation)

    for service_error in (ValidationError, PermissionDenied, Http404):
        api.add_exception_handler(service_error, refused)

    @api.exception_handler(SchemaValidationError)
    def schema_error(request, exc):
        validation = [
            {"path": schema_error_path(item), "message": item.get("msg", "Invalid.")}
            for item in exc.errors
        ]
        return respond(request, 400, "The request is not valid.", validation=validation)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))
