"""The Restore form of the Deleted groups page."""

from django import forms

from groups.models import NAME_MAX_LENGTH


class RestoreForm(forms.Form):
    display_name = forms.CharField(
        label="Restore under another name (optional)",
        required=False,
        max_length=NAME_MAX_LENGTH,
        help_text="Leave empty to keep its name; if another group has taken it meanwhile, the "
        "group comes back as “Name (restored)”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
