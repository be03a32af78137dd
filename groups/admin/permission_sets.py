"""Permission sets in the Django admin: the services create, change and delete them (default
sets are read-only), so every change is audited and re-derives the grants that use the set."""

from django import forms
from django.contrib import admin
from django.db.models import Count

from audit.recording import Channel
from groups import services
from groups.models import PermissionSet


class PermissionSetAdminForm(forms.ModelForm):
    class Meta:
        model = PermissionSet
        fields = ["organization", "name", "description", "permissions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "organization" in self.fields:
            self.fields["organization"].required = True
        if "permissions" in self.fields:
            self.fields["permissions"].queryset = services.capabilities()

    def validate_unique(self):
        # clean() applies the services' rules, uniqueness case-insensitively included.
        pass

    def clean(self):
        data = super().clean()
        organization = self.instance.organization if self.instance.pk else data.get("organization")
        try:
            services.permission_set_validate(
                organization=organization,
                name=data.get("name", ""),
                description=data.get("description", ""),
                permission_set=self.instance if self.instance.pk else None,
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
        return data


@admin.register(PermissionSet)
class PermissionSetAdmin(admin.ModelAdmin):
    form = PermissionSetAdminForm
    list_display = ["name", "organization", "protected", "capability_count", "holder_count"]
    list_filter = ["protected", "organization"]
    search_fields = ["name", "description"]
    list_select_related = ["organization"]
    filter_horizontal = ["permissions"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                capability_count=Count("permissions", distinct=True),
                holder_count=Count("group_links", distinct=True),
            )
        )

    @admin.display(description="capabilities", ordering="capability_count")
    def capability_count(self, obj):
        return obj.capability_count

    @admin.display(description="held by groups", ordering="holder_count")
    def holder_count(self, obj):
        return obj.holder_count

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.protected:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.protected:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected) + [
            f"{obj} is a default permission set and cannot be deleted"
            for obj in objs
            if obj.protected
        ]
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.permission_set_update(
                permission_set=obj,
                name=data["name"],
                description=data.get("description", ""),
                permissions=list(data.get("permissions", [])),
                channel=Channel.ADMIN,
                actor=request.user,
            )
        else:
            created = services.permission_set_create(
                organization=data["organization"],
                name=data["name"],
                description=data.get("description", ""),
                permissions=list(data.get("permissions", [])),
                channel=Channel.ADMIN,
                actor=request.user,
            )
            obj.pk = created.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The service has set the capabilities already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.permission_set_delete(
            permission_set=obj, channel=Channel.ADMIN, actor=request.user
        )

    def delete_queryset(self, request, queryset):
        for permission_set in queryset:
            services.permission_set_delete(
                permission_set=permission_set, channel=Channel.ADMIN, actor=request.user
            )
