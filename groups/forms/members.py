"""The forms of a group's members: a member group to add, how long new memberships last, and
bulk membership (a pasted list or a CSV file, then the confirmation of its preview)."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups import bulk


class MemberGroupForm(forms.Form):
    child = forms.ModelChoiceField(
        label="Add a group as a member", queryset=None, to_field_name="public_id"
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = queryset
        self.fields["child"].label_from_instance = lambda group: group.display_name


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
