"""The History tab of the Group Details panel: every change to the group, newest first."""

from django.contrib import messages
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from adminsite.htmx import login_required_htmx
from audit import history
from groups import access

from .panel import details, render_page


@login_required_htmx
@vary_on_headers("HX-Request", "HX-Target")
@require_GET
def group_history(request, org_slug, group_id):
    """The History tab: every change to the group, newest first, as sentences. Whoever may
    see the group may read its history."""
    organization = access.organization_for_user(request, org_slug)
    group = access.group_for_user(request, organization, group_id)
    try:
        history_page = history.page(
            history.events_of_group(group),
            older_than=request.GET.get("older", ""),
            newer_than=request.GET.get("newer", ""),
        )
    except history.BadCursor:
        messages.info(request, "That page of the history no longer exists: here are the newest.")
        history_page = history.page(history.events_of_group(group))
    context = details(request, organization, group, "history", history_page=history_page)
    return render_page(request, organization, context, partials=("group-panel", "history-list"))
