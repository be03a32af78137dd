"""The objects a request names, looked up in the organization it acts in: ``Http404`` when
nothing there answers to the name (another organization's object is not found, as is one that
does not exist). Who may see or change them is not asked here: ``groups.access`` decides
(``group_for_user``, ``person_for_user``, ``require``…)."""

import uuid

from django.http import Http404

from groups.models import Group, Resource


def as_uuid(value) -> str | None:
    """The value as a normalized UUID, or None: anything else names nothing."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        return None


def _by_public_id(queryset, public_id, missing: str):
    """The row of ``queryset`` with this public id; ``Http404(missing)`` if none (a value that
    is no UUID names none)."""
    found = queryset.filter(public_id=public_id).first() if as_uuid(public_id) else None
    if found is None:
        raise Http404(missing)
    return found


def group_in_organization(organization, public_id) -> Group:
    """The group of ``organization`` with this public id, whether or not the caller may see it
    (a grant's subject, a member group taken out)."""
    groups = Group.objects.select_related("organization").filter(organization=organization)
    return _by_public_id(groups, public_id, "No such group.")


def resource_in_organization(organization, public_id) -> Resource:
    """The resource (or folder) of ``organization`` with this public id."""
    resources = Resource.objects.filter(organization=organization).select_related(
        "organization", "folder"
    )
    return _by_public_id(resources, public_id, "No such resource.")
