"""What every service shares: cleaning names, saving against unique constraints, locking a
group, asking the access module, the default groups and who is in an organization."""

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.models import Organization

from .. import access
from ..models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, Group, Membership

UNSET = object()
DEFAULT_GROUP_SUFFIX = {Group.Kind.ADMINISTRATORS: "Administrators", Group.Kind.USERS: "Users"}
# ValidationError codes for refusals that are conflicts with a rule, not bad input (the API
# answers them with 409).
PROTECTED = "protected"
LAST_ADMINISTRATOR = "last_administrator"
CONFLICT = "conflict"
# Removing someone who is in the group only through a member group.
INHERITED = "inherited"
# C0 and C1 control characters, except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_name(
    value, *, field: str = "display_name", label: str = "Name", max_length: int = NAME_MAX_LENGTH
) -> str:
    """Names are trimmed, 1–100 characters, any script; never control characters."""
    value = str(value or "")
    # Checked before collapsing whitespace: str.split() also splits on \x1c-\x1f and \x85,
    # which would otherwise turn those control characters into spaces silently.
    if _CONTROL.search(value):
        raise ValidationError({field: f"{label} cannot contain control characters."})
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if not value:
        raise ValidationError({field: f"{label} is required."})
    if len(value) > max_length:
        raise ValidationError(
            {field: f"{label} can be at most {max_length} characters (it has {len(value)})."}
        )
    return value


def clean_description(value) -> str:
    value = unicodedata.normalize("NFC", str(value or "").strip())
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": f"Description can be at most {DESCRIPTION_MAX_LENGTH} characters "
                f"(it has {len(value)})."
            }
        )
    if _CONTROL.search(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ValidationError({"description": "Description cannot contain control characters."})
    return value


def save_unique(obj, message: dict) -> None:
    """Save; a unique constraint lost to a concurrent writer becomes a ValidationError."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise ValidationError(message) from error


def require_on_group(actor, action: str, group: Group, *, on_organization=False) -> None:
    """``actor`` (None: the system) must see ``group`` and may do ``action`` on it (or on its
    organization): one permission lookup for both."""
    if actor is None:
        return
    checker = access.Access(actor)
    if not checker.can("view", group):
        raise PermissionDenied("You do not have permission to see this group.")
    checker.require(action, group.organization if on_organization else group)


def lock_group(group: Group) -> Group:
    """Lock the group row for the rest of the transaction (a no-op on SQLite, which
    serializes writers anyway) and return it fresh.

    Only the group's own row: without ``of`` the join would lock its organization's row too,
    and a delete (Administrators, then the group) racing an add (the group, then the shared
    organization row) deadlocked (found by tests/security/test_races.py and the load test,
    tests/adminsite/test_load.py). A group deleted while we waited is a 404, as if never there.
    """
    locked = (
        Group.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=group.pk)
        .first()
    )
    if locked is None:
        raise Http404(f"The group “{group}” no longer exists.")
    return locked


def default_group_name(organization: Organization, kind) -> str:
    return clean_name(f"{organization.name} {DEFAULT_GROUP_SUFFIX[kind]}")


def default_group(organization: Organization, kind) -> Group:
    return Group.objects.select_related("organization").get(organization=organization, kind=kind)


def users_in_organization(organization: Organization, users) -> set[int]:
    """The ids, among ``users``, of those who belong to ``organization``."""
    # The Users group's id first: the (group, user) index then answers for any number of users.
    users_group = Group.objects.filter(
        organization=organization, kind=Group.Kind.USERS
    ).values_list("pk", flat=True)[:1]
    return set(
        Membership.objects.filter(group_id__in=list(users_group), user__in=users).values_list(
            "user_id", flat=True
        )
    )


def collect_errors(errors: dict, check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        for field, messages in error.update_error_dict({}).items():
            errors.setdefault(field, []).extend(messages)
        return None
