"""Who may do what. The only module besides the services that talks to django-guardian.

A user may do X to a group iff they hold X on the group (a right given to them or to a group
they are in) or the organization-wide capability for X (through a permission set held by one
of their groups). An object of another organization is a 404, never a 403.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from accounts.models import Organization

from .models import DeletedGroup, Group, GroupGroupObjectPermission, GroupUserObjectPermission

# action -> (right on the group, capability on the organization)
GROUP_ACTIONS = {
    "view": ("view_group", "view_groups"),
    "change": ("change_group", "change_groups"),
    "delete": ("delete_group", "delete_groups"),
    "manage_members": ("manage_members", "manage_members"),
}
GROUP_RIGHTS = tuple(right for right, _ in GROUP_ACTIONS.values())
ORGANIZATION_GROUP_CAPABILITIES = {capability for _, capability in GROUP_ACTIONS.values()}
RIGHT_LABELS = {
    "view_group": "view",
    "change_group": "change",
    "delete_group": "delete",
    "manage_members": "manage members",
}

# action -> capability on the organization
ORGANIZATION_ACTIONS = {
    "view": "view_organization",
    "change": "change_organization",
    "create_group": "create_groups",
    "manage_permission_sets": "manage_permission_sets",
    "manage_users": "manage_users",
    "view_audit_log": "view_audit_log",
    "manage_access": "manage_access",
    # The Deleted groups list: whoever may delete every custom group may bring one back.
    "restore_groups": "delete_groups",
}


class Access:
    """One user's permissions, fetched once per object and remembered for this request only."""

    def __init__(self, user):
        self.user = user
        self.checker = ObjectPermissionChecker(user) if user.is_authenticated else None

    def _perms(self, obj) -> set[str]:
        if self.checker is None or not self.user.is_active:
            return set()
        return set(self.checker.get_perms(obj))

    def can(self, action: str, obj) -> bool:
        """Whether the user may do ``action`` on a Group or an Organization."""
        if isinstance(obj, Group):
            right, capability = GROUP_ACTIONS[action]
            if action == "view":
                return self.can_see(obj)
            return right in self._perms(obj) or capability in self._perms(obj.organization)
        if isinstance(obj, Organization):
            return ORGANIZATION_ACTIONS[action] in self._perms(obj)
        raise TypeError(f"No access rules for {type(obj).__name__}")

    def can_see(self, group: Group) -> bool:
        """Any right on the group, or an organization-wide one, makes it visible."""
        return bool(self._perms(group) & set(GROUP_RIGHTS)) or self.sees_every_group(
            group.organization
        )

    def sees_every_group(self, organization: Organization) -> bool:
        """An organization-wide group capability makes every group of it visible."""
        return bool(self._perms(organization) & ORGANIZATION_GROUP_CAPABILITIES)

    def rights_on(self, group: Group) -> set[str]:
        """The group rights the user effectively holds on ``group``."""
        return {right for action, (right, _) in GROUP_ACTIONS.items() if self.can(action, group)}

    def prefetch(self, groups) -> None:
        """Fetch the rights on many groups in two queries (for lists)."""
        if self.checker is not None and groups:
            self.checker.prefetch_perms(list(groups))

    def require(self, action: str, obj) -> None:
        if not self.can(action, obj):
            raise PermissionDenied(_refusal(action, obj))


def _refusal(action: str, obj) -> str:
    what = {
        "view": "see",
        "change": "change",
        "delete": "delete",
        "manage_members": "manage the members of",
        "create_group": "create groups in",
        "manage_permission_sets": "manage the permission sets of",
        "manage_users": "manage the users of",
        "view_audit_log": "read the audit log of",
        "manage_access": "manage resources and access in",
        "restore_groups": "restore the deleted groups of",
    }[action]
    return f"You do not have permission to {what} {obj}."


def can(user, action: str, obj) -> bool:
    return Access(user).can(action, obj)


def require(user, action: str, obj) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` on ``obj``."""
    Access(user).require(action, obj)


def is_member(user, organization: Organization) -> bool:
    """Belonging to an organization means being in its Users group."""
    return Group.objects.filter(
        organization=organization, kind=Group.Kind.USERS, user=user
    ).exists()


def organization_for_user(user, slug: str) -> Organization:
    """The organization ``slug`` if the user may use it; 404 otherwise (no leak)."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not Access(user).can("view", organization):
        raise Http404("No such organization.")
    return organization


def group_for_user(user, organization: Organization, public_id, action: str = "view") -> Group:
    """The group with ``public_id`` in ``organization``: 404 if the user may not see it,
    403 if they may see it but not do ``action``."""
    try:
        group = (
            Group.objects.select_related("organization")
            .filter(organization=organization, public_id=public_id)
            .first()
        )
    except ValidationError:
        # A malformed id names nothing: the same 404 as an unknown one.
        group = None
    access = Access(user)
    if group is None or not access.can_see(group):
        raise Http404("No such group.")
    access.require(action, group)
    return group


def groups_visible_to(user, organization: Organization):
    """Every group of ``organization`` the user may see, as a queryset."""
    groups = Group.objects.filter(organization=organization)
    access = Access(user)
    if access.sees_every_group(organization):
        return groups
    if not user.is_authenticated or not user.is_active:
        return groups.none()
    direct = GroupUserObjectPermission.objects.filter(content_object=OuterRef("pk"), user=user)
    through_groups = GroupGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"), group__user=user
    )
    return groups.filter(Q(Exists(direct)) | Q(Exists(through_groups)))


def deleted_group_for_user(user, organization: Organization, public_id):
    """The deleted group ``public_id`` of ``organization``: 403 unless the user may restore
    groups there (``delete_groups`` on the organization), 404 if there is no such deleted group
    in it (one of another organization included)."""
    require(user, "restore_groups", organization)
    try:
        deleted = (
            DeletedGroup.objects.select_related("organization", "deleted_by")
            .filter(organization=organization, public_id=public_id)
            .first()
        )
    except ValidationError:
        deleted = None
    if deleted is None:
        raise Http404("No such deleted group.")
    return deleted
