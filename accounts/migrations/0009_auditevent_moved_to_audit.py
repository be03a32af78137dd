"""``AuditEvent`` now lives in the ``audit`` app (``audit/0001_initial``, which this migration
follows): it leaves ``accounts``' migration state here, and its table, indexes and trigger stay
as they are (no SQL runs)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_audit_about_indexes"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
