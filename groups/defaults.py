"""The default permission sets every organization shares. Protected: never edited or deleted.

Created by migration ``groups.0002`` and again after every ``migrate`` / ``flush`` (post_migrate),
so a database emptied by a test run or an operator gets them back, like Django's permissions.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

ORGANIZATION_CAPABILITIES = [
    "view_organization",
    "change_organization",
    "view_groups",
    "create_groups",
    "change_groups",
    "delete_groups",
    "manage_members",
    "manage_permission_sets",
    "manage_users",
    "view_audit_log",
]

DEFAULT_PERMISSION_SETS = [
    (
        "administrator",
        "Administrator",
        "Every Admin Center capability in the organization: all groups, members, users and "
        "permission sets.",
        ORGANIZATION_CAPABILITIES,
    ),
    (
        "full-access",
        "Full access",
        "A full user of the organization. Manages only the groups they hold rights on.",
        ["view_organization"],
    ),
    (
        "read-only",
        "Read only",
        "Sees every group and its members; changes nothing.",
        ["view_organization", "view_groups"],
    ),
]


def ensure_default_permission_sets(apps=global_apps, using="default") -> None:
    """Create or repair the default permission sets (idempotent)."""
    if apps is not global_apps:
        # Inside a migration the Permission rows are not made yet: make them now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
            app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    PermissionSet = apps.get_model("groups", "PermissionSet")
    for key, name, description, codenames in DEFAULT_PERMISSION_SETS:
        permission_set, _ = PermissionSet.objects.using(using).update_or_create(
            key=key,
            defaults={"name": name, "description": description, "protected": True},
        )
        permission_set.permissions.set(
            Permission.objects.using(using).filter(
                content_type__app_label="accounts",
                content_type__model="organization",
                codename__in=codenames,
            )
        )


def post_migrate_handler(sender, using="default", **kwargs) -> None:
    ensure_default_permission_sets(using=using)
