"""The default permission sets gain the resource capabilities (Administrator: all of them;
Read only: READ on every resource)."""

from django.db import migrations

from groups.defaults import ensure_default_permission_sets


def update_default_sets(apps, schema_editor):
    ensure_default_permission_sets(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0004_resources_and_grants"),
        ("accounts", "0004_resources_and_grants"),
    ]

    operations = [migrations.RunPython(update_default_sets, migrations.RunPython.noop)]
