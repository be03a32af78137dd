"""One error shape for every API response that is not a success:
``{"error": true, "status", "code", "message", "details"}``."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from groups.services import CONFLICT, LAST_ADMINISTRATOR, PROTECTED

# Removing a member who is only in the group through a member group (the API's own rule).
INHERITED = "inherited"
# A rule refusing the change (not bad input) is a conflict.
CONFLICT_CODES = {PROTECTED, LAST_ADMINISTRATOR, CONFLICT, "cycle", INHERITED}
CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable",
}


def error_body(status: int, message: str, *, code: str | None = None, details=None) -> dict:
    return {
        "error": True,
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
        "details": details or {},
    }


def _codes(error: ValidationError) -> set[str]:
    errors = (
        [e for items in error.error_dict.values() for e in items]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return {e.code for e in errors if e.code}


# The services name some fields as the models do; the API's bodies name them otherwise.
API_FIELDS = {
    "display_name": "name",
    "child": "groupId",
    "folder": "folderId",
    "permission_set": "permissionSetId",
}


def _details(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            API_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()
        }
    return {}


def install(api) -> None:
    """Register the handlers that turn every refusal into the one error shape."""

    def respond(request, status, message, **kwargs):
        return api.create_response(request, error_body(status, message, **kwargs), status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        conflict = _codes(exc) & CONFLICT_CODES
        status = 409 if conflict else 400
        code = sorted(conflict)[0] if conflict else "invalid"
        return respond(request, status, " ".join(exc.messages), code=code, details=_details(exc))

    @api.exception_handler(SchemaValidationError)
    def schema_error(request, exc):
        if any(item.get("loc", ("",))[0] == "path" for item in exc.errors):
            # A malformed id in the URL names nothing: the same 404 as an unknown one.
            return respond(request, 404, "Not found.")
        details: dict = {}
        for item in exc.errors:
            location = [
                str(part)
                for part in item.get("loc", ())
                if part not in ("body", "query", "path", "payload")
            ]
            details.setdefault(".".join(location) or "body", []).append(item.get("msg", "Invalid."))
        return respond(request, 400, "The request is not valid; see details.", details=details)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, str(exc) or "You do not have permission to do that.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "Not found.")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "Authenticate with “Authorization: Bearer <API key>”.")

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))
