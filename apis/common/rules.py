"""Three access rules the channels ask and ``groups.access`` does not have yet (it is being
rewritten as these lines are written; they belong there). Each raises ``PermissionDenied``."""

from django.core.exceptions import PermissionDenied

from groups import access


def require_access_reader(user, organization) -> None:
    """Grants and who-can-access lists are for access managers and for those who see every
    group (administrators, Read only)."""
    checker = access.Access(user)
    if not (checker.can("manage_access", organization) or checker.sees_every_group(organization)):
        raise PermissionDenied(f"You do not have permission to see the access in {organization}.")


def require_asker(user, organization, person) -> None:
    """Questions about a person's access (can they, and why): asked by the person, or by
    someone who sees every group."""
    if person != user and not access.Access(user).sees_every_group(organization):
        raise PermissionDenied(f"You may only ask about your own access in {organization}.")


def require_person_reader(user, organization, person) -> None:
    """What a person can access, and their permissions: their own, or anyone's for user
    managers."""
    if person != user:
        access.require(user, "manage_users", organization)
