"""What the management commands share: finding things by the words people type, and turning
a service's refusal into a ``CommandError`` (a message on stderr and a non-zero exit)."""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q
from django.http import Http404

from accounts.models import Organization
from groups.models import Group


def find_organization(value: str) -> Organization:
    """The organization whose slug or name is ``value`` (case-insensitive)."""
    value = " ".join(str(value).split())
    matches = list(Organization.objects.filter(Q(slug__iexact=value) | Q(name__iexact=value)))
    # A slug is unique, a name is not: an exact slug wins over names that happen to match.
    by_slug = [organization for organization in matches if organization.slug == value.lower()]
    if by_slug:
        return by_slug[0]
    if not matches:
        raise CommandError(f"No organization with the slug or name “{value}”.")
    if len(matches) > 1:
        slugs = ", ".join(organization.slug for organization in matches)
        raise CommandError(
            f"Several organizations are named “{value}”: give one of their slugs ({slugs})."
        )
    return matches[0]


def find_group(organization: Organization, value: str) -> Group:
    """The group of ``organization`` whose name (case-insensitive) or slug is ``value``."""
    value = " ".join(str(value).split())
    matches = list(
        Group.objects.select_related("organization").filter(
            Q(display_name__iexact=value) | Q(slug=value.lower()), organization=organization
        )
    )
    if not matches:
        raise CommandError(f"No group named “{value}” (or with that slug) in {organization}.")
    if len(matches) > 1:
        # One group's slug is another's name: the name is what people see, so it wins.
        named = [group for group in matches if group.display_name.lower() == value.lower()]
        if len(named) == 1:
            return named[0]
        slugs = ", ".join(group.slug for group in matches)
        raise CommandError(f"“{value}” matches several groups in {organization}: use {slugs}.")
    return matches[0]


def find_users(emails) -> list:
    """The users with these emails, in the order given (duplicates dropped). Every unknown
    email is named at once, so one run shows everything to fix."""
    wanted = list(dict.fromkeys(str(email).strip().lower() for email in emails))
    User = get_user_model()
    found = {user.email: user for user in User.objects.filter(email__in=wanted)}
    unknown = [email for email in wanted if email not in found]
    if unknown:
        raise CommandError(
            f"No user with the email{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            "nothing was changed."
        )
    return [found[email] for email in wanted]


def find_user(email: str):
    """One user by email, or ``CommandError``."""
    return find_users([email])[0]


@contextmanager
def refusals_as_command_errors():
    """A service's ValidationError, PermissionDenied or Http404 (its object vanished
    meanwhile) becomes a CommandError with its text."""
    try:
        yield
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
    except (PermissionDenied, Http404) as error:
        raise CommandError(str(error)) from error


@contextmanager
def writes(*, dry_run: bool = False):
    """One transaction for the command; with ``dry_run`` every check runs for real and then
    everything is rolled back, so a dry run refuses exactly what the real run would."""
    with refusals_as_command_errors(), transaction.atomic():
        yield
        if dry_run:
            transaction.set_rollback(True)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
