"""The services' refusals as one neutral ``Refusal(status, code, message)``, which each channel's
``errors`` writes in its own shape (REST's error object, a GraphQL error, Conductor's error JSON).

- ``ValidationError``: 409 when a rule refuses the change (a protected group, the last
  administrator, a cycle, a member only inherited: ``CONFLICT_CODES``; ``code`` names the rule),
  else 400 ``invalid`` (bad input).
- ``PermissionDenied``: 403 ``forbidden``, with the service's reason.
- ``Http404``: 404 ``not_found`` (channels that never say what was not found replace the
  message).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from groups.services import CONFLICT, LAST_ADMINISTRATOR, PROTECTED

# Removing a member who is only in the group through a member group (the channels' own rule).
INHERITED = "inherited"
CYCLE = "cycle"
# A rule refusing the change (not bad input) is a conflict.
CONFLICT_CODES = {PROTECTED, LAST_ADMINISTRATOR, CONFLICT, CYCLE, INHERITED}
FORBIDDEN_MESSAGE = "You do not have permission to do that."


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


def validation_codes(error: ValidationError) -> set[str]:
    """The codes of every message of the error."""
    errors = (
        [e for items in error.error_dict.values() for e in items]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return {e.code for e in errors if e.code}


def field_messages(error: ValidationError, names: dict[str, str]) -> list | None:
    """``[(field, messages)]`` of an error about fields, each field named as the channel's
    bodies name it (``names``: the services' name -> the channel's); None if it names none."""
    if not hasattr(error, "error_dict"):
        return None
    return [(names.get(field, field), messages) for field, messages in error.message_dict.items()]


def refusal_of(error: Exception) -> Refusal | None:
    """The refusal a service's exception means; None for any other exception (a bug)."""
    if isinstance(error, ValidationError):
        conflict = validation_codes(error) & CONFLICT_CODES
        message = " ".join(error.messages)
        if conflict:
            return Refusal(409, sorted(conflict)[0], message)
        return Refusal(400, "invalid", message)
    if isinstance(error, PermissionDenied):
        return Refusal(403, "forbidden", str(error) or FORBIDDEN_MESSAGE)
    if isinstance(error, Http404):
        return Refusal(404, "not_found", str(error) or "Not found.")
    return None


def schema_error_path(item: dict) -> str:
    """Where a Django Ninja schema error is, as the request names it (``members.0.email``);
    ``body`` for the body as a whole."""
    return (
        ".".join(
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        )
        or "body"
    )
