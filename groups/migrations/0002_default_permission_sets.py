"""The three default permission sets every organization shares; protected."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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

DEFAULT_SETS = [
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


def create_default_sets(apps, schema_editor):
    # Permission rows are normally made after migrate; the sets need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Permission = apps.get_model("auth", "Permission")
    PermissionSet = apps.get_model("groups", "PermissionSet")
    for key, name, description, codenames in DEFAULT_SETS:
        permission_set, _ = PermissionSet.objects.update_or_create(
            key=key,
            defaults={"name": name, "description": description, "protected": True},
        )
        permission_set.permissions.set(
            Permission.objects.filter(
                content_type__app_label="accounts",
                content_type__model="organization",
                codename__in=codenames,
            )
        )


def remove_default_sets(apps, schema_editor):
    PermissionSet = apps.get_model("groups", "PermissionSet")
    PermissionSet.objects.filter(key__in=[key for key, *_ in DEFAULT_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0001_initial"),
        ("accounts", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_default_sets, remove_default_sets)]
