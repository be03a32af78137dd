"""Django admin formsets whose writes go through the services.

Membership rows are edited inline (on a group and on a user). The formset validates with the
same rules the services enforce, so a refusal shows as a form error, and saving calls
``membership_add`` / ``membership_remove`` so the admin writes audit events like every channel.
"""

from collections import defaultdict

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from audit.recording import Channel
from groups import services
from groups.models import Group

User = get_user_model()


def _group_of(membership) -> Group:
    return Group.objects.select_related("organization").get(pk=membership.group_id)


class MembershipForm(forms.ModelForm):
    """An existing membership can be removed, not rewritten: its user, group and expiry are
    fixed once it exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("user", "group", "expires_at"):
                if name in self.fields:
                    self.fields[name].disabled = True


class MembershipFormSet(BaseInlineFormSet):
    def changes(self):
        """``(adds, removes)``: ``{(group, expires_at): [users]}`` and ``{group: [users]}``."""
        adds, removes = defaultdict(list), defaultdict(list)
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            membership = form.instance
            if membership.pk:
                if self.can_delete and self._should_delete_form(form):
                    removes[_group_of(membership)].append(membership.user)
                continue
            if self._should_delete_form(form):
                continue
            group = form.cleaned_data.get("group") or self.instance
            if not isinstance(group, Group):
                group = _group_of(membership)
            user = form.cleaned_data.get("user") or self.instance
            adds[(group, form.cleaned_data.get("expires_at"))].append(user)
        return adds, removes

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        adds, removes = self.changes()
        problems = []
        for group in {group for group, _ in adds} | set(removes):
            try:
                services.check_members_editable(group)
            except ValidationError as error:
                problems.extend(error.messages)
        for (group, _), users in adds.items():
            try:
                services.validate_addable(group, users)
            except ValidationError as error:
                problems.extend(error.messages)
        for group, users in removes.items():
            try:
                services.validate_removable(group, users)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError(problems)
        self._try_the_save()

    def _try_the_save(self) -> None:
        """What saving will do, done and rolled back: a refusal the checks above cannot foresee
        (both of the last administrator's memberships removed in one save, an expiring
        Administrators membership) becomes a form error instead of a 500 (issue 15, item 14)."""
        if self.instance.pk is None or not isinstance(self.instance, (Group, User)):
            return
        try:
            with transaction.atomic():
                self.save_through_services(actor=None, channel=Channel.ADMIN)
                transaction.set_rollback(True)
        except ValidationError as error:
            raise ValidationError(error.messages) from error

    def save_through_services(self, *, actor, channel):
        adds, removes = self.changes()
        for group, users in removes.items():
            services.membership_remove(group=group, users=users, channel=channel, actor=actor)
        for (group, expires_at), users in adds.items():
            services.membership_add(
                group=group, users=users, expires_at=expires_at, channel=channel, actor=actor
            )


class ServiceFormSetMixin:
    """Inline formsets that know how to save themselves through the services."""

    def save_formset(self, request, form, formset, change):
        if hasattr(formset, "save_through_services"):
            formset.save_through_services(actor=request.user, channel=Channel.ADMIN)
            # The admin's change message reads these; the audit trail has the details.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        else:
            super().save_formset(request, form, formset, change)
