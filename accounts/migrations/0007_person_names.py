"""The table of distinct first and last names that member search walks on PostgreSQL, kept by
a trigger (``accounts.person_names``). Nothing on SQLite, where the search scans."""

from django.db import migrations, models

from accounts import person_names


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(person_names.CREATE, params=None)
    with schema_editor.connection.cursor() as cursor:
        person_names.refresh(cursor)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(person_names.DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_name_trigram")]
    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                fields=["first_name", "last_name"], name="accounts_user_first_name_idx"
            ),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
