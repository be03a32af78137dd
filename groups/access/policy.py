"""The rules: who may do what, asked of one ``Access`` per request.

A user may do X to a group iff they hold X on the group (a right given to them or to a group
they are in) or the organization-wide capability for X (through a permission set held by one of
their groups, or a grant on the organization). Every other rule is a method here, written once,
and every channel (the Admin Center, REST, GraphQL, the Conductor API, the commands) asks it the
same way. docs/architecture.md lists the rules.
"""

from django.core.exceptions import PermissionDenied
from guardian.core import ObjectPermissionChecker

from accounts.models import Organization

from ..models import Group

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

REFUSALS = {
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
}


class Access:
    """One user's permissions, fetched once per object and remembered for this request only
    (``for_request``). Nothing is cached across requests: a change counts from the next one."""

    def __init__(self, user):
        self.user = user
        self.checker = None
        self.forget()

    def forget(self) -> None:
        """Drop what was fetched (after a change that may have changed the user's own rights,
        before the page that shows them is drawn)."""
        authenticated = self.user is not None and self.user.is_authenticated
        self.checker = ObjectPermissionChecker(self.user) if authenticated else None

    def perms(self, obj) -> set[str]:
        """The codenames the user holds on ``obj`` (a Group, an Organization or a Resource)."""
        if self.checker is None or not self.user.is_active:
            return set()
        return set(self.checker.get_perms(obj))

    # --- groups and the organization ----------------------------------------------------------

    def can(self, action: str, obj) -> bool:
        """Whether the user may do ``action`` on a Group or an Organization."""
        if isinstance(obj, Group):
            right, capability = GROUP_ACTIONS[action]
            if action == "view":
                return self.can_see(obj)
            return right in self.perms(obj) or capability in self.perms(obj.organization)
        if isinstance(obj, Organization):
            return ORGANIZATION_ACTIONS[action] in self.perms(obj)
        raise TypeError(f"No access rules for {type(obj).__name__}")

    def can_see(self, group: Group) -> bool:
        """Any right on the group, or an organization-wide one, makes it visible."""
        return bool(self.perms(group) & set(GROUP_RIGHTS)) or self.sees_every_group(
            group.organization
        )

    def sees_every_group(self, organization: Organization) -> bool:
        """An organization-wide group capability makes every group of it visible."""
        return bool(self.perms(organization) & ORGANIZATION_GROUP_CAPABILITIES)

    def rights_on(self, group: Group) -> set[str]:
        """The group rights the user effectively holds on ``group``."""
        return {right for action, (right, _) in GROUP_ACTIONS.items() if self.can(action, group)}

    def prefetch(self, groups) -> None:
        """Fetch the rights on many groups in two queries (for lists)."""
        if self.checker is not None and groups:
            self.checker.prefetch_perms(list(groups))

    def require(self, action: str, obj) -> None:
        if not self.can(action, obj):
            raise PermissionDenied(refusal(action, obj))

    # --- people, resources and grants ---------------------------------------------------------

    def can_see_access_of(self, person, organization: Organization) -> bool:
        """A person's groups, what they can access and why: the person themselves, and whoever
        sees every group of the organization (administrators, Read only)."""
        return person == self.user or self.sees_every_group(organization)

    def lacks(self, organization: Organization, codenames, resource=None) -> list[str]:
        """Which of ``codenames`` the user does not hold in ``organization`` (on ``resource``,
        holding it on the organization counts too): nobody hands out more than they hold."""
        held = self.perms(organization)
        if resource is not None:
            held = held | self.perms(resource)
        return sorted(set(codenames) - held)

    def can_read_access(self, organization: Organization) -> bool:
        """The organization's resources, grants and who-can-access lists: access managers and
        whoever sees every group."""
        return self.can("manage_access", organization) or self.sees_every_group(organization)


def refusal(action: str, obj) -> str:
    return f"You do not have permission to {REFUSALS[action]} {obj}."
