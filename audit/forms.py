"""The audit log's filters: who, what, on what, through which channel, between which days."""

import datetime as dt

from django import forms

from .history import Filters
from .models import AuditEvent
from .sentences import ACTIONS

TEXT_MAX_LENGTH = 100


# The dates the Audit log's filters take: the product's lifetime, with room on each side.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


class AuditLogFilterForm(forms.Form):
    actor = forms.CharField(
        label="Actor",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="Name or email, as it is now or was then.",
    )
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action"), *sorted(ACTIONS.items(), key=lambda item: item[1])],
    )
    target = forms.CharField(
        label="Target",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="A group, person, resource or permission set: name or id.",
    )
    channel = forms.ChoiceField(
        label="Channel", required=False, choices=[("", "Any channel"), *AuditEvent.Channel.choices]
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        for name in ("actor", "target"):
            data[name] = " ".join((data.get(name) or "").split())
        since, until = data.get("since"), data.get("until")
        for name, day in (("since", since), ("until", until)):
            if day is not None and not EARLIEST <= day <= LATEST:
                # 9999-12-31 and the like were a 500 (a day past it overflows).
                self.add_error(
                    name,
                    f"Choose a date between {EARLIEST.day} {EARLIEST:%B %Y} "
                    f"and {LATEST.day} {LATEST:%B %Y}.",
                )
                data[name] = None
        if since and until and since > until:
            self.add_error("until", "The end date must not be before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            actor=data["actor"],
            action=data["action"],
            target=data["target"],
            channel=data["channel"],
            since=data["since"],
            until=data["until"],
        )
