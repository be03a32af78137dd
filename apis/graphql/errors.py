"""Refusals as GraphQL errors: aiWARE's messages, and a code in ``extensions``.

``{"message": "...", "locations": [...], "path": [...], "extensions": {"code": "NOT_FOUND"}}``.
Codes: ``NOT_FOUND`` (also for another organization's objects), ``FORBIDDEN``,
``BAD_USER_INPUT``, ``CONFLICT`` (a rule refused: protected group, last administrator, cycle),
``UNAUTHENTICATED``, ``INTERNAL_SERVER_ERROR``.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from graphql import GraphQLError

from groups.services import CONFLICT, LAST_ADMINISTRATOR, PROTECTED

logger = logging.getLogger(__name__)

NOT_FOUND_MESSAGE = "The requested object was not found"
PROTECTED_GROUP_MESSAGE = "This auth group is a protected group."
LAST_ADMINISTRATOR_MESSAGE = (
    "This operation will remove the last member of the Administrators group"
)
UNKNOWN_MEMBERS_MESSAGE = "One or more of the provided memberIds were not found"
CONFLICT_CODES = {PROTECTED, LAST_ADMINISTRATOR, CONFLICT, "cycle", "inherited"}
# The services name some fields as the models do; GraphQL inputs name them otherwise.
FIELDS = {"display_name": "name", "users": "members", "child": "members"}


class ApiError(Exception):
    """A refusal with its message and code, raised by the resolvers themselves."""

    def __init__(self, message: str, code: str, **extensions):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = extensions


def not_found(**extensions) -> ApiError:
    return ApiError(NOT_FOUND_MESSAGE, "NOT_FOUND", **extensions)


def _codes(error: ValidationError) -> set[str]:
    errors = (
        [e for items in error.error_dict.values() for e in items]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return {e.code for e in errors if e.code}


def describe(error: Exception) -> tuple[str, dict] | None:
    """``(message, extensions)`` for a refusal; None for an unexpected exception."""
    if isinstance(error, ApiError):
        return error.message, {"code": error.code, **error.extensions}
    if isinstance(error, Http404):
        return NOT_FOUND_MESSAGE, {"code": "NOT_FOUND"}
    if isinstance(error, PermissionDenied):
        return str(error) or "You do not have permission to do that.", {"code": "FORBIDDEN"}
    if isinstance(error, ValidationError):
        codes = _codes(error)
        if LAST_ADMINISTRATOR in codes:
            return LAST_ADMINISTRATOR_MESSAGE, {"code": "CONFLICT"}
        extensions = {"code": "CONFLICT" if codes & CONFLICT_CODES else "BAD_USER_INPUT"}
        if hasattr(error, "error_dict"):
            extensions["fields"] = {
                FIELDS.get(field, field): messages for field, messages in error.message_dict.items()
            }
        return " ".join(error.messages), extensions
    return None


def format_error(error: GraphQLError) -> dict:
    """The error as the response shows it. Unexpected exceptions say nothing of their insides."""
    formatted = error.formatted
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return formatted
    described = describe(original)
    if described is None:
        formatted["message"] = "Internal server error."
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    else:
        formatted["message"], formatted["extensions"] = described
    return formatted


def log_unexpected(errors) -> None:
    """Log what is a bug (syntax errors and refusals are the caller's business, not a log's).
    Variables the schema refuses (an input field it does not have) carry a GraphQLError."""
    for error in errors:
        original = error.original_error
        if (
            original is not None
            and not isinstance(original, GraphQLError)
            and describe(original) is None
        ):
            logger.error("GraphQL resolver failed", exc_info=original)
