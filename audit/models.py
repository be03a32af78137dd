"""The audit trail: one event per change, append-only."""

from django.conf import settings
from django.db import models

from accounts.models import Organization


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    """The audit trail is append-only for the application: no bulk update or delete path."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit events cannot be changed.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")


class AuditEvent(models.Model):
    """One change, recorded in the same transaction as the change (append-only).

    Names are copied at the time of the change so that the history reads as it was, and so
    that it still reads when the actor or the organization no longer exists: the two foreign
    keys have no database constraint and ``DO_NOTHING`` on delete. ``CASCADE`` would delete the
    history with the user, and ``SET_NULL`` would be an UPDATE, which the PostgreSQL trigger
    of migration ``accounts/0005_audit_append_only`` refuses. The ids stay as they were
    (primary keys are never reused: PostgreSQL sequences, SQLite AUTOINCREMENT), and a join to
    a row that no longer exists yields ``None``.
    """

    class Channel(models.TextChoices):
        UI = "ui", "Admin Center"
        API = "api", "API"
        ADMIN = "admin", "Django admin"
        COMMAND = "command", "command"
        SYSTEM = "system", "system"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    actor_name = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64, blank=True)
    target_name = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # The table, its indexes (named below and in ``accounts/0008_audit_about_indexes``)
        # and its PostgreSQL trigger were made while the model lived in ``accounts``; the move
        # to this app changed no database object (``audit/0001_initial``).
        db_table = "accounts_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "-created_at", "-id"], name="accounts_audit_org_time_idx"
            ),
            models.Index(fields=["target_type", "target_id"], name="accounts_audit_target_idx"),
        ]

    def __str__(self):
        who = self.actor_name or "system"
        return f"{who}: {self.action} {self.target_name}"

    def save(self, *args, **kwargs):
        # A guard, not business logic: an event is written once, by ``audit_record``.
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")
