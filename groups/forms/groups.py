"""Input for the Admin Center's group pages. Forms validate with the services' own rules; the
views hand ``cleaned_data`` to a service."""

import uuid
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from groups import bulk, services
from groups.models import ACCESS_TYPES, DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, Resource


class GroupForm(forms.Form):
    display_name = forms.CharField(
        label="Name",
        max_length=NAME_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label="Description",
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, organization, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.group = group
        if group is not None and group.is_default:
            field = self.fields["display_name"]
            field.disabled = True
            # A disabled field ignores what is posted and cleans its initial value: without
            # this a bound form (no ``initial``) would clean "" and refuse every save.
            field.initial = group.display_name
            field.help_text = "A default group is named after its organization."

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.group_validate(
                organization=self.organization,
                display_name=data.get("display_name", ""),
                description=data.get("description", ""),
                group=self.group,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return data


class DeleteGroupForm(forms.Form):
    confirm_name = forms.CharField(label="Type the group's name to confirm", strip=True)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"]
        if typed != self.group.display_name:
            raise ValidationError(
                f"Type “{self.group.display_name}” exactly to confirm the deletion."
            )
        return typed


class PermissionSetChoiceForm(forms.Form):
    permission_set = forms.ModelChoiceField(
        label="Permission set", queryset=None, to_field_name="public_id", empty_label=None
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permission_set"].queryset = queryset


class MemberGroupForm(forms.Form):
    child = forms.ModelChoiceField(
        label="Add a group as a member", queryset=None, to_field_name="public_id"
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = queryset
        self.fields["child"].label_from_instance = lambda group: group.display_name


ORGANIZATION_TARGET = "organization"


# The “On” field offers every resource in a select while there are at most this many; above,
# a search by name or key (the first ``TARGET_MATCHES`` matches).
TARGET_SELECT_UP_TO = 50
TARGET_MATCHES = 20


def target_label(resource: Resource) -> str:
    return f"{resource} ({resource.ref})" if resource.name else resource.ref


def target_picker(organization, search: str = "") -> dict:
    """What the “On” field offers: ``choices`` (the organization, then every resource) while
    they are few; else ``matches`` for ``search`` (None before a search) and ``more``."""
    everything = (ORGANIZATION_TARGET, f"All of {organization} (every resource)")
    resources = Resource.objects.filter(organization=organization).order_by("type", "key")
    first = list(resources[: TARGET_SELECT_UP_TO + 1])
    if len(first) <= TARGET_SELECT_UP_TO:
        choices = [everything] + [(str(r.public_id), target_label(r)) for r in first]
        return {"choices": choices, "search": None}
    search = " ".join(search.split())
    matches, more = None, False
    if search and "\x00" not in search:
        found = list(
            resources.filter(Q(name__icontains=search) | Q(key__icontains=search))[
                : TARGET_MATCHES + 1
            ]
        )
        matches = [(str(r.public_id), target_label(r)) for r in found[:TARGET_MATCHES]]
        more = len(found) > TARGET_MATCHES
    return {
        "choices": None,
        "everything": everything,
        "search": search,
        "matches": matches,
        "more": more,
    }


class TargetField(forms.CharField):
    """The whole organization or one of its resources, by public id (any resource: the page
    offers only the first ones or the matches of a search)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_length=60, **kwargs)
        self.organization = None

    def clean(self, value):
        value = super().clean(value)
        if value == ORGANIZATION_TARGET:
            return self.organization
        try:
            public_id = uuid.UUID(value)
        except ValueError:
            public_id = None
        resource = (
            Resource.objects.filter(organization=self.organization, public_id=public_id)
            .select_related("folder", "organization")
            .first()
            if public_id
            else None
        )
        if resource is None:
            raise ValidationError("Choose the organization or one of its resources.")
        return resource


class GrantForm(forms.Form):
    target = TargetField(label="On")
    access = forms.MultipleChoiceField(
        label="Access",
        required=False,
        choices=[(t, t.capitalize()) for t in ACCESS_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    permission_set = forms.ModelChoiceField(
        label="or a permission set",
        required=False,
        queryset=None,
        to_field_name="public_id",
        empty_label="—",
    )

    def __init__(self, *args, organization, permission_sets, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["target"].organization = organization
        self.fields["permission_set"].queryset = permission_sets

    def clean(self):
        data = super().clean()
        if bool(data.get("access")) == bool(data.get("permission_set")):
            raise ValidationError("Choose access types or a permission set (one of the two).")
        return data

    def target_object(self):
        return self.cleaned_data["target"]


class CheckAccessForm(forms.Form):
    access = forms.ChoiceField(label="Can they", choices=[(t, t) for t in ACCESS_TYPES])
    target = TargetField(label="on")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["target"].organization = organization

    def target_object(self):
        return self.cleaned_data["target"]


class ExpiryForm(forms.Form):
    """How long new memberships last: for good, or a duration (access ends by itself)."""

    DURATIONS = [
        ("", "No end"),
        ("1", "1 day"),
        ("7", "7 days"),
        ("30", "30 days"),
        ("90", "90 days"),
    ]
    duration = forms.ChoiceField(
        label="Membership ends",
        choices=DURATIONS,
        required=False,
        help_text="Temporary access ends by itself: the members are removed when it expires.",
    )

    def expires_at(self):
        days = self.cleaned_data.get("duration")
        return timezone.now() + timedelta(days=int(days)) if days else None


# --- bulk membership -----------------------------------------------------------------------


class MembersImportForm(forms.Form):
    """A pasted list of emails or a CSV file with an email column (one or the other)."""

    emails = forms.CharField(
        label="Emails",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "spellcheck": "false",
                "autocomplete": "off",
                "placeholder": "ann.lee@acme.example\nbo.chen@acme.example, cy.diaz@acme.example",
            }
        ),
        help_text="One per line, or separated by commas or semicolons. Up to 10,000.",
    )
    file = forms.FileField(
        label="Or upload a CSV file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        help_text="UTF-8, with a column headed “email” (a file of one column needs no header).",
    )

    def clean(self):
        data = super().clean()
        text, upload = data.get("emails") or "", data.get("file")
        try:
            if upload is not None:
                if text.strip():
                    raise ValidationError("Paste a list or upload a file, not both.")
                if upload.size > bulk.MAX_FILE_BYTES:
                    raise ValidationError(
                        f"The file is larger than {bulk.MAX_FILE_BYTES // (1024 * 1024)} MB: "
                        "split it."
                    )
                data["list"] = bulk.EmailList.from_csv(upload.read())
                data["source"] = f"file {upload.name}"[:200]
            else:
                data["list"] = bulk.EmailList.from_text(text)
                data["source"] = "pasted list"
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        if not data["list"].entries:
            raise ValidationError("Paste at least one email, or upload a CSV file.")
        return data


class MembersImportConfirmForm(forms.Form):
    """The confirmation of a preview: the list as it was read, and the preview's fingerprint."""

    entries = forms.CharField(widget=forms.HiddenInput, strip=False)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    source = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if "entries" in data:
            try:
                tokens = [line for line in data["entries"].splitlines() if line.strip()]
                if len(tokens) > bulk.MAX_ENTRIES:
                    raise bulk.limit_error()
                data["list"] = bulk.EmailList.from_tokens(tokens)
            except ValidationError as error:
                raise ValidationError(error.messages) from error
        return data
