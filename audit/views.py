"""The organization's audit log: every change, newest first, filtered, paged by keyset, and
exported as CSV. Readable by holders of ``view_audit_log`` on the organization."""

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from adminsite.htmx import login_required_htmx, wants_partial
from groups import access, queries, spreadsheet

from . import export, history
from .forms import AuditLogFilterForm

TEMPLATE = "audit/audit_log.html"


def _organization(request, org_slug):
    organization = access.organization_for_user(request, org_slug)
    access.require(request, "view_audit_log", organization)
    return organization


def _filter_query(request) -> str:
    """The filters of this request as a query string (for page and export links)."""
    query = request.GET.copy()
    for key in ("older", "newer"):
        query.pop(key, None)
    return query.urlencode()


@login_required_htmx
@vary_on_headers("HX-Request")
@require_GET
def audit_log(request, org_slug):
    organization = _organization(request, org_slug)
    form = AuditLogFilterForm(request.GET)
    events, log_page = history.events_of_organization(organization), None
    if form.is_valid():
        events = history.filtered(events, form.filters())
        try:
            log_page = history.page(
                events,
                older_than=request.GET.get("older", ""),
                newer_than=request.GET.get("newer", ""),
            )
        except history.BadCursor:
            messages.info(request, "That page of the log no longer exists: here are the newest.")
            log_page = history.page(events)
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "audit_log",
        "form": form,
        "log_page": log_page,
        "filter_query": _filter_query(request),
        "filtered": form.is_valid() and form.filters().active,
    }
    if wants_partial(request):
        return render(request, f"{TEMPLATE}#audit-results", {**context, "partial": True})
    return render(request, TEMPLATE, context)


@login_required_htmx
@require_GET
def audit_log_export(request, org_slug):
    """The filtered log as CSV, streamed (every matching event, not only one page)."""
    organization = _organization(request, org_slug)
    form = AuditLogFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Fix the filters before exporting.")
        return audit_log(request, org_slug)
    events = history.filtered(history.events_of_organization(organization), form.filters())
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    filename = f"audit-log-{organization.slug}-{stamp}.csv"
    return spreadsheet.response(export.csv_rows(events), filename)
