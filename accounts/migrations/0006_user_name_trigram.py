"""Trigram indexes on people's first and last names, so "contains" searches (member search,
the users API) stay fast with a million users. PostgreSQL only (pg_trgm, a trusted extension);
a no-op on SQLite, where the search scans, as before."""

from django.db import migrations

INDEXES = {
    "accounts_user_first_name_trgm": "first_name",
    "accounts_user_last_name_trgm": "last_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        # UPPER(): what Django's icontains compares on PostgreSQL.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON accounts_user "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_append_only")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
