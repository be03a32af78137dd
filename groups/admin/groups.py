"""Groups in the Django admin, with their members and permission sets inline. Every write goes
through the services: no deleting default groups, no removing the last administrator,
all-or-nothing member adds, one audit event per change."""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.db.models import Count
from guardian.admin import GuardedModelAdmin

from audit.recording import Channel
from groups import services
from groups.models import Group, GroupPermissionSet, Membership, PermissionSet

from .formsets import MembershipForm, MembershipFormSet, ServiceFormSetMixin

admin.site.unregister(AuthGroup)


class GroupMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "group"
    form = MembershipForm
    formset = MembershipFormSet
    fields = ["user", "expires_at", "added_at", "added_by"]
    readonly_fields = ["added_at", "added_by"]
    autocomplete_fields = ["user"]
    extra = 1
    verbose_name = "member"
    verbose_name_plural = "members"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "added_by", "group__group")


class GroupPermissionSetForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["permission_set"].disabled = True


class GroupPermissionSetFormSet(forms.models.BaseInlineFormSet):
    def changes(self):
        adds, removes = [], []
        for form in self.forms:
            if not getattr(form, "cleaned_data", None):
                continue
            deleting = self.can_delete and self._should_delete_form(form)
            if form.instance.pk and deleting:
                removes.append(form.instance.permission_set)
            elif not form.instance.pk and not deleting:
                adds.append(form.cleaned_data["permission_set"])
        return adds, removes

    def clean(self):
        super().clean()
        group = self.instance
        adds, _ = self.changes()
        for permission_set in adds:
            if permission_set.organization_id not in (None, group.organization_id):
                raise forms.ValidationError(f"“{permission_set}” belongs to another organization.")

    def save_through_services(self, *, actor, channel):
        adds, removes = self.changes()
        for permission_set in removes:
            services.group_permission_set_remove(
                group=self.instance, permission_set=permission_set, channel=channel, actor=actor
            )
        for permission_set in adds:
            services.group_permission_set_add(
                group=self.instance, permission_set=permission_set, channel=channel, actor=actor
            )


class GroupPermissionSetInline(admin.TabularInline):
    model = GroupPermissionSet
    form = GroupPermissionSetForm
    formset = GroupPermissionSetFormSet
    fields = ["permission_set", "assigned_at", "assigned_by"]
    readonly_fields = ["assigned_at", "assigned_by"]
    extra = 0
    verbose_name = "permission set"
    verbose_name_plural = "permission sets (on the organization)"

    def _editable(self, obj):
        return obj is not None and not obj.is_default

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission_set":
            group = getattr(request, "_admin_group", None)
            queryset = PermissionSet.objects.all()
            if group is not None:
                queryset = queryset.filter(organization__in=[group.organization_id]) | (
                    queryset.filter(organization=None)
                )
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class GroupAdminForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["organization", "display_name", "slug", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Generated from the name when left empty."

    def validate_unique(self):
        # clean() applies the services' rules, uniqueness case-insensitively included.
        pass

    def clean(self):
        data = super().clean()
        group = self.instance if self.instance.pk else None
        organization = group.organization if group else data.get("organization")
        if organization is None:
            return data
        try:
            services.group_validate(
                organization=organization,
                display_name=data.get("display_name", group.display_name if group else ""),
                description=data.get("description", ""),
                slug=data.get("slug") or None,
                group=group,
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
        return data


@admin.register(Group)
class GroupAdmin(ServiceFormSetMixin, GuardedModelAdmin):
    form = GroupAdminForm
    list_display = ["display_name", "organization", "kind", "member_count", "protected"]
    list_filter = ["kind", "organization"]
    search_fields = ["display_name", "slug", "description", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = ["public_id", "kind", "created_at", "created_by", "updated_at", "updated_by"]
    inlines = [GroupPermissionSetInline, GroupMembershipInline]
    ordering = ["organization__name", "kind", "display_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("user", distinct=True))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description="protected", boolean=True)
    def protected(self, obj):
        return obj.is_protected

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("organization")
            if obj.is_default:
                fields += ["display_name", "slug"]
        return fields

    def get_inline_instances(self, request, obj=None):
        # Members and permission sets are added once the group exists.
        request._admin_group = obj
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.group_update(
                group=obj,
                **{
                    field: data[field]
                    for field in ("display_name", "slug", "description")
                    if field in data and field in form.changed_data
                },
                channel=Channel.ADMIN,
                actor=request.user,
            )
            obj.refresh_from_db()
            return
        group = services.group_create(
            organization=data["organization"],
            display_name=data["display_name"],
            description=data.get("description", ""),
            slug=data.get("slug") or None,
            channel=Channel.ADMIN,
            actor=request.user,
        )
        obj.pk = obj.group_ptr_id = group.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        defaults = [
            f"{obj} is a default group of {obj.organization}: default groups cannot be deleted"
            for obj in objs
            if obj.is_default
        ]
        if defaults:
            # has_delete_permission() refuses default groups; say why instead of "no permission".
            perms_needed = set(perms_needed) - {Group._meta.verbose_name}
        return deleted, counts, perms_needed, list(protected) + defaults

    def delete_model(self, request, obj):
        services.group_delete(group=obj, channel=Channel.ADMIN, actor=request.user)

    def delete_queryset(self, request, queryset):
        for group in queryset.select_related("organization"):
            services.group_delete(group=group, channel=Channel.ADMIN, actor=request.user)
