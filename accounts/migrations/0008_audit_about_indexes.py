"""Indexes for the History tab and a person's history (``groups.history``): events *about* a
group or a person name it in their ``before``/``after`` (``user_id``, ``member_group_id``,
``subject_id``, ``holder_id``). One partial expression index per key and side, holding only the
events that have the key: the OR of them is a bitmap of the events about one group or person,
instead of a scan of the organization's whole trail. Statistics on each expression (PostgreSQL
14+) tell the planner that few events have the key: without them it estimates thousands of
matches and walks the whole trail in time order instead. PostgreSQL only."""

from django.db import migrations

KEYS = ("user_id", "member_group_id", "subject_id", "holder_id")
SIDES = ("before", "after")


def _name(side, key):
    return f"accounts_audit_{side}_{key}_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for side in SIDES:
        for key in KEYS:
            expression = f"({side} -> '{key}')"
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {_name(side, key)} ON accounts_auditevent "
                f"({expression}) WHERE {expression} IS NOT NULL"
            )
            if schema_editor.connection.pg_version >= 140000:
                schema_editor.execute(
                    f"CREATE STATISTICS IF NOT EXISTS {_name(side, key)}_stats "
                    f"ON ({expression}) FROM accounts_auditevent"
                )
    schema_editor.execute("ANALYZE accounts_auditevent")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for side in SIDES:
        for key in KEYS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {_name(side, key)}")
            schema_editor.execute(f"DROP STATISTICS IF EXISTS {_name(side, key)}_stats")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_person_names")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
