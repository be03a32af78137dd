"""Refusals as GraphQL errors: aiWARE's messages, and a code in ``extensions``.

``{"message": "...", "locations": [...], "path": [...], "extensions": {"code": "NOT_FOUND"}}``.
Codes: ``NOT_FOUND`` (also for another organization's objects), ``FORBIDDEN``,
``BAD_USER_INPUT``, ``CONFLICT`` (a rule refused: protected group, last administrator, cycle),
``UNAUTHENTICATED``, ``INTERNAL_SERVER_ERROR``.
"""

import logging

from graphql import GraphQLError

from apis.common.errors import field_messages, refusal_of, validation_codes
from groups.services import LAST_ADMINISTRATOR

logger = logging.getLogger(__name__)

CODES = {400: "BAD_USER_INPUT", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT"}
NOT_FOUND_MESSAGE = "The requested object was not found"
PROTECTED_GROUP_MESSAGE = "This auth group is a protected group."
LAST_ADMINISTRATOR_MESSAGE = (
    "This operation will remove the last member of the Administrators group"
)
UNKNOWN_MEMBERS_MESSAGE = "One or more of the provided memberIds were not found"
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


def describe(error: Exception) -> tuple[str, dict] | None:
    """``(message, extensions)`` for a refusal; None for an unexpected exception."""
    if isinstance(error, ApiError):
        return error.message, {"code": error.code, **error.extensions}
    refusal = refusal_of(error)
    if refusal is None:
        return None
    if refusal.status == 404:
        return NOT_FOUND_MESSAGE, {"code": "NOT_FOUND"}
    if refusal.status == 403:
        return refusal.message, {"code": "FORBIDDEN"}
    # A ValidationError: bad input (400), or a rule refusing the change (409).
    if LAST_ADMINISTRATOR in validation_codes(error):
        return LAST_ADMINISTRATOR_MESSAGE, {"code": "CONFLICT"}
    extensions = {"code": CODES[refusal.status]}
    fields = field_messages(error, FIELDS)
    if fields is not None:
        extensions["fields"] = dict(fields)
    return refusal.message, extensions


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
