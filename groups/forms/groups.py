"""The forms of a group's panel: New group and Settings, Delete (confirmed by the group's name),
and the Permissions tab's choice of a permission set. They validate with the services' own
rules; the views hand ``cleaned_data`` to a service."""

from django import forms
from django.core.exceptions import ValidationError

from groups import services
from groups.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH


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
        label="Permission set",
        queryset=None,
        to_field_name="public_id",
        # Nothing chosen in advance: one click must not assign Administrator (issue 15, item 4).
        empty_label="Choose a permission set…",
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permission_set"].queryset = queryset
