"""Django admin for organizations and users. Writes go through the services."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import Count, Q

from audit.recording import Channel
from groups.admin.formsets import MembershipForm, MembershipFormSet, ServiceFormSetMixin
from groups.models import Group, Membership

from . import services
from .models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user_count", "group_count", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["public_id", "created_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                user_count=Count("groups__user", filter=Q(groups__kind="users"), distinct=True),
                group_count=Count("groups", distinct=True),
            )
        )

    @admin.display(description="users", ordering="user_count")
    def user_count(self, obj):
        return obj.user_count

    @admin.display(description="groups", ordering="group_count")
    def group_count(self, obj):
        return obj.group_count

    def get_readonly_fields(self, request, obj=None):
        # The slug is the {tenantSlug} of every URL: fixed once the organization exists.
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.organization_update(
                organization=obj,
                name=form.cleaned_data["name"],
                channel=Channel.ADMIN,
                actor=request.user,
            )
        else:
            created = services.organization_create(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                channel=Channel.ADMIN,
                actor=request.user,
            )
            obj.pk = created.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        # An organization owns its default groups, which can never be deleted.
        return False


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    form = MembershipForm
    formset = MembershipFormSet
    fields = ["group", "expires_at", "added_at", "added_by"]
    readonly_fields = ["added_at", "added_by"]
    extra = 1
    verbose_name = "group membership"
    verbose_name_plural = "group memberships"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group__group__organization")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            field = forms.ModelChoiceField(
                queryset=Group.objects.select_related("organization"),
                required=kwargs.get("required", True),
                label="Group",
                help_text="People join an organization's Users group by being added to it.",
            )
            field.label_from_instance = lambda group: f"{group.organization} · {group}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def validate_unique(self):
        # user_create checks the email case-insensitively.
        pass

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(f"A user with the email {email} already exists.")
        return email


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "is_active", "is_staff", "is_superuser"]
        field_classes = {}

    def validate_unique(self):
        # clean_email checks the email case-insensitively.
        pass

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"A user with the email {email} already exists.")
        return email

    def clean_is_active(self):
        active = self.cleaned_data["is_active"]
        if self.instance.pk and self.instance.is_active and not active:
            try:
                services.user_deactivation_validate(self.instance)
            except forms.ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return active


@admin.register(User)
class UserAdmin(ServiceFormSetMixin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["last_name", "first_name", "email"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    filter_horizontal = []
    inlines = [UserMembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Status", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            password = data.get("password1") if data.get("usable_password", True) else None
            created = services.user_create(
                email=data["email"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                password=password or None,
                channel=Channel.ADMIN,
                actor=request.user,
            )
            obj.pk = created.pk
            obj._state.adding = False
            obj.refresh_from_db()
            return
        services.user_update(
            user=obj,
            **{
                field: data[field]
                for field in ("email", "first_name", "last_name", "is_staff", "is_superuser")
                if field in form.changed_data
            },
            channel=Channel.ADMIN,
            actor=request.user,
        )
        if "is_active" in form.changed_data:
            services.user_set_active(
                user=obj, active=data["is_active"], channel=Channel.ADMIN, actor=request.user
            )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        # People leave organizations (and are deactivated); their history stays readable.
        return False
