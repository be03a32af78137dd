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
    "manage_access",
    "access_create",
    "access_read",
    "access_update",
    "access_delete",
    "access_execute",
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
        "Sees every group and its members, and reads every resource; changes nothing.",
        ["view_organization", "view_groups", "access_read"],
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
        permissions = list(
            Permission.objects.using(using).filter(
                content_type__app_label="accounts",
                content_type__model="organization",
                codename__in=codenames,
            )
        )
        permission_set.permissions.set(permissions)
        _grant_to_holders(apps, using, permission_set, permissions)


def _grant_to_holders(apps, using, permission_set, permissions) -> None:
    """Groups holding a default set get the capabilities it gained (sets only ever gain them;
    guardian's rows are otherwise kept by the services)."""
    links = apps.get_model("groups", "GroupPermissionSet").objects.using(using)
    rows = apps.get_model("accounts", "OrganizationGroupObjectPermission").objects.using(using)
    holders = links.filter(permission_set_id=permission_set.pk).values_list(
        "group_id", "group__organization_id"
    )
    for group_id, organization_id in holders:
        present = set(
            rows.filter(group_id=group_id, content_object_id=organization_id).values_list(
                "permission_id", flat=True
            )
        )
        rows.bulk_create(
            [
                rows.model(group_id=group_id, content_object_id=organization_id, permission_id=p.pk)
                for p in permissions
                if p.pk not in present
            ]
        )


def post_migrate_handler(sender, using="default", **kwargs) -> None:
    ensure_default_permission_sets(using=using)
