"""Django admin for the audit trail: read-only, as the trail is append-only."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only for the application."""

    list_display = [
        "created_at",
        "organization",
        "actor_name",
        "action",
        "target_type",
        "target_name",
        "channel",
    ]
    list_filter = ["channel", "action", "organization"]
    search_fields = ["actor_name", "target_name", "target_id", "action"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
