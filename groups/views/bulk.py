"""Bulk membership in the Group Details panel: add the people of a pasted list or a CSV file
(preview, then confirm), remove several members at once (confirmed by name), and export a
group's members as CSV."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx
from audit.recording import Channel
from groups import access, bulk, queries, services, spreadsheet
from groups.forms.members import MembersImportConfirmForm, MembersImportForm
from groups.models import Group

from .panel import members_tab, messages_text, render_page, tab_url


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _import_url(group):
    return reverse("groups:members_import", args=[group.organization.slug, group.public_id])


def _import_panel(request, organization, group, *, form=None, preview=None, source=""):
    """The "paste a list" panel: the form, or (with ``preview``) what confirming would do."""
    context = {
        "panel": "import-members",
        "group": group,
        "form": form or MembersImportForm(),
        "member_count": queries.member_count(group),
        "tab_urls": {"members": tab_url(group)},
        "import_url": _import_url(group),
        "max_entries": f"{bulk.MAX_ENTRIES:,}",
    }
    if preview is not None:
        context["preview"] = preview
        context["confirm_form"] = MembersImportConfirmForm(
            initial={
                "entries": preview.emails.as_text(),
                "fingerprint": preview.fingerprint,
                "source": source,
            }
        )
    return render_page(request, organization, context)


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes(MembersImportForm, MembersImportConfirmForm)
def members_import(request, org_slug, group_id):
    """Add Members from a pasted list of emails or a CSV file. A first POST shows the preview
    (nothing changes); the confirmation applies it all or nothing, and shows a fresh preview
    instead if memberships changed in between."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "manage_members")
    if group.kind == Group.Kind.USERS:
        messages.info(request, f"Everyone in {organization} is in {group}: there is nobody to add.")
        return members_tab(request, organization, group)
    if request.method == "GET":
        return _import_panel(request, organization, group)
    if "fingerprint" not in request.POST:
        form = MembersImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return _import_panel(request, organization, group, form=form)
        preview = bulk.preview(group, form.cleaned_data["list"])
        source = form.cleaned_data["source"]
        return _import_panel(request, organization, group, preview=preview, source=source)
    confirm = MembersImportConfirmForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, "The preview was incomplete: paste the list again.")
        return _import_panel(request, organization, group)
    data = confirm.cleaned_data
    try:
        result = services.membership_add_batch(
            group=group,
            emails=data["list"],
            expected=data["fingerprint"],
            source=data["source"] or "pasted list",
            channel=Channel.UI,
            actor=request.user,
        )
    except services.StalePreview as stale:
        messages.warning(request, messages_text(stale))
        return _import_panel(
            request, organization, group, preview=stale.preview, source=data["source"]
        )
    except ValidationError as problem:
        messages.error(request, messages_text(problem))
        preview = bulk.preview(group, data["list"])
        return _import_panel(request, organization, group, preview=preview, source=data["source"])
    notes = []
    if result.already:
        notes.append(_plural(len(result.already), "already a member", "already members"))
    if result.skipped:
        notes.append(f"{result.skipped} left out")
    note = f" ({', '.join(notes)})" if notes else ""
    messages.success(request, f"Added {_plural(len(result.to_add), 'member')} to {group}{note}.")
    return members_tab(request, organization, group, changed_members=bool(result.to_add))


def _picked_members(group, values):
    """The direct memberships of ``group`` among the posted public ids, and how many of the
    ids named nobody who is (still) a direct member."""
    wanted = set()
    for value in values:
        try:
            wanted.add(uuid.UUID(str(value).strip()))
        except ValueError:
            continue
    memberships = list(queries.group_members(group).filter(user__public_id__in=wanted, direct=True))
    return memberships, len(set(values)) - len(memberships)


@login_required_htmx
@vary_on_headers("HX-Request")
@require_POST
@takes("users", "step")
def members_remove(request, org_slug, group_id):
    """Remove several members at once. With ``step=apply`` (sent by the confirmation dialog,
    or by the confirmation page browsers without JavaScript get first) they are removed, all
    or nothing; otherwise the confirmation page names who will lose access."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id, "manage_members")
    memberships, gone = _picked_members(group, request.POST.getlist("users"))
    if not memberships:
        if gone:
            messages.info(request, "The people picked are not direct members (any more).")
        else:
            messages.error(request, "Pick at least one member to remove.")
        return members_tab(request, organization, group)
    people = [membership.user for membership in memberships]
    if request.POST.get("step") != "apply":
        context = {"panel": "remove-members", "group": group, "people": people, "gone": gone}
        return render_page(request, organization, context)
    try:
        removed = services.membership_remove(
            group=group, users=people, channel=Channel.UI, actor=request.user
        )
    except ValidationError as problem:
        messages.error(request, f"Nobody was removed: {messages_text(problem)}")
        return members_tab(request, organization, group)
    names = ", ".join(person.display_name for person in removed)
    text = f"Removed {_plural(len(removed), 'member')} from {group}: {names}."
    if gone:
        text += f" {_plural(gone, 'other person was', 'others were')} no longer members."
    messages.success(request, text)
    return members_tab(request, organization, group, changed_members=True)


@login_required_htmx
@require_GET
def members_export(request, org_slug, group_id):
    """The group's members, direct and inherited, as a CSV file streamed row by row: anyone who
    may see the group may see its members."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    return spreadsheet.response(bulk.export_rows(group), f"{group.slug}-members.csv")
