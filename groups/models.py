import math
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 1000


# The order of group lists: Administrators, Users, then custom groups (by name). An index
# follows it, so a page of the list, however deep, reads only that page.
KIND_ORDER = Case(
    When(kind="administrators", then=Value(0)),
    When(kind="users", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class Group(AuthGroup):
    """A named collection of users inside one organization.

    A multi-table child of ``auth.Group`` so that Django's ModelBackend and django-guardian see
    our groups unchanged. ``auth.Group.name`` is globally unique, so it holds a namespaced key
    (``"<organization id>:<slug>"``); people only ever see ``display_name``.
    """

    class Kind(models.TextChoices):
        CUSTOM = "custom", "Custom"
        ADMINISTRATORS = "administrators", "Administrators"
        USERS = "users", "Users"

    group_ptr = models.OneToOneField(
        AuthGroup, on_delete=models.CASCADE, parent_link=True, primary_key=True
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="groups"
    )
    display_name = models.CharField("name", max_length=NAME_MAX_LENGTH)
    slug = models.SlugField(max_length=NAME_MAX_LENGTH, allow_unicode=True)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups_created",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups_updated",
    )

    class Meta:
        ordering = ["display_name"]
        permissions = [("manage_members", "Manage the members of this group")]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("display_name"), name="groups_group_name_ci_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "slug"], name="groups_group_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=~Q(kind="custom"),
                name="groups_group_one_default_of_each_kind",
            ),
        ]
        indexes = [
            models.Index(
                F("organization"),
                KIND_ORDER,
                F("display_name"),
                F("group_ptr"),
                name="groups_group_list_order_idx",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def is_default(self) -> bool:
        """Default groups are born with their organization and are protected."""
        return self.kind != self.Kind.CUSTOM

    @property
    def is_protected(self) -> bool:
        return self.is_default


def groups_named(organization, name: str):
    """The organization's groups called ``name`` in any letter case, found through the unique
    index on (organization, lower(name)) (``iexact`` compares ``upper()``, which no index
    serves: 40-70 ms in an organization of 100,000 groups)."""
    return Group.objects.alias(name_ci=Lower("display_name")).filter(
        organization=organization, name_ci=Lower(Value(name))
    )


class Membership(models.Model):
    """A user in a group: the through table of ``User.groups``, the **effective** membership
    that Django's ModelBackend and guardian read.

    ``direct`` rows are the memberships people made (with who added whom, when, and an optional
    expiry); the other rows are inherited through member groups. The services keep the table
    equal to the closure of direct memberships and ``MemberGroup`` edges.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    # No index of its own: the unique (group, user) index serves every lookup by group.
    group = models.ForeignKey(
        AuthGroup, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships_added",
        db_index=False,  # a partial index below: inherited rows have nobody who added them
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    direct = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="groups_membership_unique"),
        ]
        indexes = [
            models.Index(fields=["group", "-added_at"], name="groups_membership_recent_idx"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(expires_at__isnull=False),
                name="groups_membership_expiry_idx",
            ),
            models.Index(
                fields=["added_by"],
                condition=models.Q(added_by__isnull=False),
                name="groups_membership_added_by_idx",
            ),
        ]

    def __str__(self):
        # auth.Group's child row (``.group``) carries the name people know.
        return f"{self.user} in {getattr(self.group, 'group', self.group)}"


class MemberGroup(models.Model):
    """A group that is a member of another group of the same organization (nesting): every
    member of ``child`` is a member of ``parent``. The edges never form a cycle."""

    parent = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="member_group_links")
    child = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="parent_group_links")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="groups_membergroup_unique"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("child")), name="groups_membergroup_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.child} in {self.parent}"


class PermissionSet(models.Model):
    """A named bundle of capabilities (``auth.Permission`` rows on the organization).

    The default sets have no organization (every organization shares them), a ``key`` and
    ``protected=True``: they cannot be edited or deleted.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="permission_sets",
    )
    key = models.SlugField(max_length=60, blank=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    permissions = models.ManyToManyField(Permission, blank=True, related_name="permission_sets")
    protected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-protected", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(organization__isnull=True),
                name="groups_permissionset_default_name_unique",
            ),
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                condition=Q(organization__isnull=False),
                name="groups_permissionset_name_unique",
            ),
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="groups_permissionset_key_unique"
            ),
        ]

    def __str__(self):
        return self.name


class GroupPermissionSet(models.Model):
    """A permission set held by a group on its organization."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="permission_set_links")
    permission_set = models.ForeignKey(
        PermissionSet, on_delete=models.PROTECT, related_name="group_links"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "permission_set"], name="groups_grouppermissionset_unique"
            ),
        ]

    def __str__(self):
        return f"{self.permission_set} for {self.group}"


class GroupUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct-foreign-key table: a user's rights on one group."""

    content_object = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="user_rights")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "group right of a user"


class GroupGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct-foreign-key table: a group's rights on another (or the same) group."""

    content_object = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="group_rights")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "group right of a group"


ACCESS_TYPES = ("CREATE", "READ", "UPDATE", "DELETE", "EXECUTE")


def access_codename(access_type: str) -> str:
    """The permission codename of an access type, the same on resources and organizations."""
    return f"access_{access_type.lower()}"


class Resource(models.Model):
    """A protected thing of an organization, identified by a registered type and a key
    (``WORKFLOW_DEF:checkout``). It may sit in a folder (a resource of a folder type); a grant
    on a folder reaches everything inside it, present and future."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="resources"
    )
    type = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    name = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    folder = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="contents"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["type", "key"]
        permissions = [(access_codename(t), t) for t in ACCESS_TYPES]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "type", "key"], name="groups_resource_unique"
            ),
        ]

    def __str__(self):
        return self.name or f"{self.type}:{self.key}"

    @property
    def ref(self) -> str:
        return f"{self.type}:{self.key}"


class Grant(models.Model):
    """ "Subject may do these things on this target": a user or a group; the organization (no
    resource) or a resource; a permission set or a list of access types. Guardian's rows are
    derived from these by the grant services."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="grants"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
    )
    subject_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    permission_set = models.ForeignKey(
        PermissionSet, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    access_types = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_user__isnull=True, subject_group__isnull=False)
                | Q(subject_user__isnull=False, subject_group__isnull=True),
                name="groups_grant_one_subject",
            ),
            # One grant per subject, target and permission set (or access-type list): two
            # concurrent grant_add calls cannot create a duplicate. NULLs count as equal here.
            models.UniqueConstraint(
                "organization",
                Coalesce("subject_user", 0),
                Coalesce("subject_group", 0),
                Coalesce("resource", 0),
                Coalesce("permission_set", 0),
                name="groups_grant_unique_subject_target",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "resource"], name="groups_grant_target_idx"),
            # The API lists grants oldest first: a page reads its rows from here.
            models.Index(fields=["organization", "created_at", "id"], name="groups_grant_list_idx"),
        ]

    def __str__(self):
        what = self.permission_set.name if self.permission_set_id else ", ".join(self.access_types)
        return f"{self.subject} may {what} on {self.target_name}"

    @property
    def subject(self):
        return self.subject_user if self.subject_user_id else self.subject_group

    @property
    def target_name(self) -> str:
        return str(self.resource) if self.resource_id else str(self.organization)


class ResourceUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct-foreign-key table: a user's access on one resource."""

    content_object = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="user_access"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "resource access of a user"


class ResourceGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct-foreign-key table: a group's access on one resource."""

    content_object = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="group_access"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "resource access of a group"


# How long a deleted group can be restored; ``purge_deleted_groups`` removes it after that.
RETENTION_DAYS = 30


class DeletedGroup(models.Model):
    """A custom group that was deleted, kept for a while so that it can be restored.

    The live ``Group`` is really deleted (every access it gave ends at once, and no query
    elsewhere has to leave deleted groups out); this row keeps what it was: its names, and in
    ``snapshot`` its members, member groups, parent groups, permission sets, grants and the
    rights on it. ``public_id`` is the group's, so a restored group keeps its URLs and API ids.
    """

    public_id = models.UUIDField(unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="deleted_groups"
    )
    display_name = models.CharField("name", max_length=NAME_MAX_LENGTH)
    slug = models.SlugField(max_length=NAME_MAX_LENGTH, allow_unicode=True)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField()
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups_deleted",
    )
    # Kept as it was, like the audit trail, in case the user is deleted later.
    deleted_by_name = models.CharField(max_length=300, blank=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-deleted_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "-deleted_at"], name="groups_deletedgroup_org_idx"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def purge_after(self):
        return self.deleted_at + timedelta(days=RETENTION_DAYS)

    @property
    def days_left(self) -> int:
        """Days (started ones count) until the purge may remove it: 30 just after the
        deletion, 1 on its last day, 0 once it is due."""
        seconds = (self.purge_after - timezone.now()).total_seconds()
        return max(0, math.ceil(seconds / 86400))
