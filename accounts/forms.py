from django import forms


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the key is for, e.g. “Provisioning script”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    user = forms.ModelChoiceField(
        label="Acts as",
        queryset=None,
        to_field_name="public_id",
        empty_label=None,
        help_text="The key can do exactly what this person can do, no more.",
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda user: f"{user.display_name} <{user.email}>"
