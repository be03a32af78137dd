"""Who may do what: the only place that decides, and, with the services, the only one that talks
to django-guardian. ``policy`` holds the rules (``Access``, one per request); ``accessors`` the
lookups every view, channel and command starts with (404 when not visible, 403 when not allowed).
"""

from .accessors import (
    access_of,
    api_key_for_user,
    can,
    deleted_group_for_user,
    for_request,
    grant_for_user,
    group_for_user,
    groups_for_user,
    groups_visible_to,
    is_member,
    members_of,
    organization_for_user,
    permission_set_for_user,
    person_for_user,
    require,
    require_access_reader,
    resource_for_user,
)
from .policy import (
    GROUP_ACTIONS,
    GROUP_RIGHTS,
    ORGANIZATION_ACTIONS,
    ORGANIZATION_GROUP_CAPABILITIES,
    RIGHT_LABELS,
    Access,
    refusal,
)

__all__ = [
    "GROUP_ACTIONS",
    "GROUP_RIGHTS",
    "ORGANIZATION_ACTIONS",
    "ORGANIZATION_GROUP_CAPABILITIES",
    "RIGHT_LABELS",
    "Access",
    "access_of",
    "api_key_for_user",
    "can",
    "deleted_group_for_user",
    "for_request",
    "grant_for_user",
    "group_for_user",
    "groups_for_user",
    "groups_visible_to",
    "is_member",
    "members_of",
    "organization_for_user",
    "permission_set_for_user",
    "person_for_user",
    "refusal",
    "require",
    "require_access_reader",
    "resource_for_user",
]
