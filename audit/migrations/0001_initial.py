"""The audit trail moves from ``accounts`` to this app without touching its data.

The table keeps its name (``accounts_auditevent``) and everything the database holds for it:
its indexes (the two named below, the ``db_index`` ones, and the PostgreSQL partial expression
indexes and statistics of ``accounts/0008_audit_about_indexes``) and its append-only trigger
(``accounts/0005_audit_append_only``). So this migration creates the model in the migration
state only, and ``accounts/0009_auditevent_moved_to_audit`` deletes it from ``accounts``'
state only: no SQL runs for the model, on any database.

The content type is renamed rather than recreated, so that permissions given on audit events
(``view_auditevent``) and the Django admin's log entries follow the model to its new app.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _rename_content_type(old_label, new_label):
    def run(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(
            schema_editor.connection.alias
        )
        if not content_types.filter(app_label=new_label, model="auditevent").exists():
            content_types.filter(app_label=old_label, model="auditevent").update(
                app_label=new_label
            )

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0008_audit_about_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor_name", models.CharField(blank=True, max_length=300)),
                        ("action", models.CharField(db_index=True, max_length=60)),
                        ("target_type", models.CharField(max_length=60)),
                        ("target_id", models.CharField(blank=True, max_length=64)),
                        ("target_name", models.CharField(blank=True, max_length=300)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        (
                            "channel",
                            models.CharField(
                                choices=[
                                    ("ui", "Admin Center"),
                                    ("api", "API"),
                                    ("admin", "Django admin"),
                                    ("command", "command"),
                                    ("system", "system"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="audit_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="audit_events",
                                to="accounts.organization",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_auditevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["organization", "-created_at", "-id"],
                                name="accounts_audit_org_time_idx",
                            ),
                            models.Index(
                                fields=["target_type", "target_id"],
                                name="accounts_audit_target_idx",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            _rename_content_type("accounts", "audit"),
            _rename_content_type("audit", "accounts"),
            elidable=False,
        ),
    ]
