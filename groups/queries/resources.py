"""Resources: the organization's list and a folder's contents."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.expressions import RawSQL

from ..models import Grant, Resource
from . import groups as group_queries
from .pages import NUL

User = get_user_model()


def resources_of(organization):
    return Resource.objects.filter(organization=organization).select_related("folder")


def resources_for_list(organization, search: str = ""):
    """The organization's resources in list order (type, key: the unique index serves it),
    those whose name or key contains ``search``, with their grant counts (stopped above
    ``COUNT_EXACT_UP_TO``; evaluated for the rows of a page only)."""
    resources = Resource.objects.filter(organization=organization).select_related("folder")
    if NUL in search:
        resources = resources.none()
    elif search:
        resources = resources.filter(Q(name__icontains=search) | Q(key__icontains=search))
    counted = RawSQL(
        "SELECT COUNT(*) FROM (SELECT 1 FROM groups_grant g "
        "WHERE g.resource_id = groups_resource.id LIMIT %s) counted",
        [group_queries.COUNT_EXACT_UP_TO + 1],
    )
    return resources.annotate(grant_count=counted).order_by("type", "key")


def folder_contents(resource):
    """What sits directly in a folder, by type and key."""
    return resource.contents.order_by("type", "key")


def grants_of(organization):
    """The organization's grants with their subject, target and permission set's capabilities."""
    return (
        Grant.objects.filter(organization=organization)
        .select_related("organization", "subject_user", "subject_group", "resource")
        .select_related("permission_set")
        .prefetch_related("permission_set__permissions")
    )


def resource_by_key(organization, type: str, key: str):
    """The resource ``type:key`` of ``organization``, or None."""
    return Resource.objects.filter(organization=organization, type=type, key=key).first()
