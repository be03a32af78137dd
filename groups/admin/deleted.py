"""Deleted groups in the Django admin: read-only, with a Restore action (through the same
service as the Admin Center). Removing them for good is the purge command's job (audited)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from audit.recording import Channel
from groups.models import DeletedGroup
from groups.services import trash


@admin.register(DeletedGroup)
class DeletedGroupAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "organization",
        "deleted_at",
        "deleted_by_name",
        "member_count",
        "days_left",
    )
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("display_name", "slug", "public_id")
    ordering = ("-deleted_at",)
    readonly_fields = (
        "public_id",
        "organization",
        "display_name",
        "slug",
        "description",
        "member_count",
        "deleted_at",
        "deleted_by",
        "deleted_by_name",
        "snapshot",
    )
    actions = ["restore"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Restore the selected deleted groups")
    def restore(self, request, queryset):
        for deleted in queryset.select_related("organization"):
            try:
                result = trash.group_restore(
                    deleted=deleted, channel=Channel.ADMIN, actor=request.user
                )
            except (ValidationError, PermissionDenied) as problem:
                text = (
                    " ".join(problem.messages)
                    if isinstance(problem, ValidationError)
                    else str(problem)
                )
                self.message_user(request, f"{deleted}: {text}", messages.ERROR)
                continue
            skipped = result.plan.skipped
            note = f" Not restored: {' '.join(skipped)}" if skipped else ""
            self.message_user(
                request,
                f"Restored {result.group} in {deleted.organization}.{note}",
                messages.WARNING if skipped else messages.SUCCESS,
            )
