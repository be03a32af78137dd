"""What a grant or an access check is on: the organization or one of its resources (the “On”
field, a select while the resources are few, a search when they are many), the Access tab's
grant form and the person page's access check."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from groups.models import ACCESS_TYPES, Resource

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
