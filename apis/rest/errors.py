"""One error shape for every API response that is not a success:
``{"error": true, "status", "code", "message", "details"}``."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from apis.common.errors import field_messages, refusal_of, schema_error_path

CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable",
}
# The services name some fields as the models do; the API's bodies name them otherwise.
API_FIELDS = {
    "display_name": "name",
    "child": "groupId",
    "folder": "folderId",
    "permission_set": "permissionSetId",
}


def error_body(status: int, message: str, *, code: str | None = None, details=None) -> dict:
    return {
        "error": True,
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
        "details": details or {},
    }


def install(api) -> None:
    """Register the handlers that turn every refusal into the one error shape."""

    def respond(request, status, message, **kwargs):
        return api.create_response(request, error_body(status, message, **kwargs), status=status)

    def refused(request, exc):
        refusal = refusal_of(exc)
        # A 404 never says what was not found.
        message = "Not found." if refusal.status == 404 else refusal.message
        fields = field_messages(exc, API_FIELDS) if isinstance(exc, ValidationError) else None
        details = dict(fields or [])
        return respond(request, refusal.status, message, code=refusal.code, details=details)

    for service_error in (ValidationError, PermissionDenied, Http404):
        api.add_exception_handler(service_error, refused)

    @api.exception_handler(SchemaValidationError)
    def schema_error(request, exc):
        if any(item.get("loc", ("",))[0] == "path" for item in exc.errors):
            # A malformed id in the URL names nothing: the same 404 as an unknown one.
            return respond(request, 404, "Not found.")
        details: dict = {}
        for item in exc.errors:
            details.setdefault(schema_error_path(item), []).append(item.get("msg", "Invalid."))
        return respond(request, 400, "The request is not valid; see details.", details=details)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "Authenticate with “Authorization: Bearer <API key>”.")

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))
