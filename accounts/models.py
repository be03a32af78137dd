import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class EmailUserManager(UserManager):
    """Users are identified by their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person. Logs in by email; may belong to several organizations.

    ``groups`` is redefined to go through ``groups.Membership`` so that the table Django's
    ModelBackend and django-guardian read is ours (it carries who added whom, and when).
    """

    username = None
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stored lower-cased (the manager and clean() normalize), so unique means case-insensitive.
    email = models.EmailField("email address", max_length=254, unique=True)
    groups = models.ManyToManyField(
        "auth.Group",
        through="groups.Membership",
        through_fields=("user", "group"),
        related_name="user_set",
        related_query_name="user",
        blank=True,
        verbose_name="groups",
        help_text="Every group this user is in (effective membership).",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="accounts_user_name_idx"),
            # Member search walks the people of a first name in last-name order.
            models.Index(fields=["first_name", "last_name"], name="accounts_user_first_name_idx"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.get_full_name().strip()
        return full or self.email

    def clean(self):
        super().clean()
        self.email = (self.email or "").strip().lower()


NAME_MAX_LENGTH = 80


class Organization(models.Model):
    """The tenant. Its slug is the ``{tenantSlug}`` of every URL."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Short enough that "<name> Administrators" fits a group name.
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # Organization-wide capabilities, held through permission sets (guardian object
        # permissions on the organization). "X on the organization" means X on each of its groups.
        permissions = [
            ("view_groups", "View every group and its members"),
            ("create_groups", "Create groups"),
            ("change_groups", "Change every group"),
            ("delete_groups", "Delete every custom group"),
            ("manage_members", "Manage the members of every group"),
            ("manage_permission_sets", "Manage permission sets and assign them to groups"),
            ("manage_users", "Add and remove the organization's users"),
            ("view_audit_log", "Read the audit log"),
            ("manage_access", "Register resources and grant access to them"),
            # Access types on every resource of the organization (a grant on the organization).
            ("access_create", "CREATE on every resource"),
            ("access_read", "READ on every resource"),
            ("access_update", "UPDATE on every resource"),
            ("access_delete", "DELETE on every resource"),
            ("access_execute", "EXECUTE on every resource"),
        ]

    def __str__(self):
        return self.name


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct-foreign-key table for user permissions on an organization."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "organization permission of a user"


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct-foreign-key table for group permissions on an organization."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "organization permission of a group"


class ApiKey(models.Model):
    """A bearer credential for the HTTP APIs, scoped to one organization and acting with the
    rights of its user. Only a hash of the secret is stored; the secret is shown once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_keys_created",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
