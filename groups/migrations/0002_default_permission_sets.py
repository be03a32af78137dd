"""The three default permission sets every organization shares; protected."""

from django.db import migrations

from groups.defaults import DEFAULT_PERMISSION_SETS, ensure_default_permission_sets


def create_default_sets(apps, schema_editor):
    ensure_default_permission_sets(apps, using=schema_editor.connection.alias)


def remove_default_sets(apps, schema_editor):
    PermissionSet = apps.get_model("groups", "PermissionSet")
    PermissionSet.objects.filter(key__in=[key for key, *_ in DEFAULT_PERMISSION_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0001_initial"),
        ("accounts", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_default_sets, remove_default_sets)]
