"""The Deleted groups page: custom groups deleted in the last 30 days, and Restore.

Who may: whoever holds ``delete_groups`` on the organization (administrators); others of the
organization get 403, people of other organizations 404. Restore is a GET (a review page: what
comes back, what cannot, the name it will have; it works without JavaScript) and a POST on the
same URL (the list's Restore button posts there through htmx after a confirmation dialog).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from audit.recording import Channel
from groups import access, queries
from groups.forms.deleted import RestoreForm
from groups.models import RETENTION_DAYS
from groups.services import trash

PER_PAGE = 25
LIST_TEMPLATE = "groups/deleted_groups.html"
RESTORE_TEMPLATE = "groups/deleted_group_restore.html"


def _page(request, organization, template, context, partial):
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "nav": "groups",
        "retention_days": RETENTION_DAYS,
        **context,
    }
    if wants_partial(request):
        return render(request, f"{template}#{partial}", {**context, "partial": True})
    return render(request, template, context)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


@login_required_htmx
@vary_on_headers("HX-Request")
@require_GET
def deleted_group_list(request, org_slug):
    organization = access.organization_for_user(request, org_slug)
    access.require(request, "restore_groups", organization)
    page = Paginator(trash.deleted_groups_of(organization), PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Which of these names another group has taken meanwhile (one query for the page).
    names = {deleted.display_name.lower() for deleted in page.object_list}
    taken = queries.group_names_taken(organization, names)
    rows = [
        {
            "deleted": deleted,
            "restore_as": (
                trash.free_name(organization, deleted.display_name)
                if deleted.display_name.lower() in taken
                else None
            ),
        }
        for deleted in page.object_list
    ]
    context = {"deleted_page": page, "rows": rows}
    return _page(request, organization, LIST_TEMPLATE, context, "deleted-groups")


@login_required_htmx
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@takes(RestoreForm)
def deleted_group_restore(request, org_slug, deleted_id):
    """GET: what restoring would bring back and what not; POST: restore."""
    organization = access.organization_for_user(request, org_slug)
    deleted = access.deleted_group_for_user(request, organization, deleted_id)
    form = RestoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = trash.group_restore(
                deleted=deleted,
                display_name=form.cleaned_data["display_name"] or None,
                channel=Channel.UI,
                actor=request.user,
            )
        except ValidationError as problem:
            if hasattr(problem, "error_dict"):
                for field_errors in problem.message_dict.values():
                    for message in field_errors:
                        form.add_error("display_name", message)
            else:
                messages.error(request, " ".join(problem.messages))
                url = reverse("groups:deleted_group_list", args=[organization.slug])
                return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
        else:
            _report(request, deleted, result)
            url = reverse("groups:group_detail", args=[organization.slug, result.group.public_id])
            return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
    try:
        plan = trash.restore_plan(deleted=deleted, actor=request.user)
    except ValidationError:
        plan = None
    context = {"deleted": deleted, "plan": plan, "form": form}
    return _page(request, organization, RESTORE_TEMPLATE, context, "restore-review")


def _report(request, deleted, result) -> None:
    """Say what came back, and (apart, as a warning that stays) what could not."""
    group, counts = result.group, result.plan.counts
    parts = [_plural(counts["members"], "member")]
    if counts["member_groups"]:
        parts.append(_plural(counts["member_groups"], "member group"))
    if counts["parent_groups"]:
        parts.append(f"in {_plural(counts['parent_groups'], 'group')}")
    if counts["permission_sets"]:
        parts.append(_plural(counts["permission_sets"], "permission set"))
    if counts["grants"]:
        parts.append(_plural(counts["grants"], "grant"))
    renamed = (
        f" as “{group.display_name}” (another group is named “{deleted.display_name}” now)"
        if group.display_name != deleted.display_name
        else ""
    )
    messages.success(
        request,
        f"Restored {deleted.display_name}{renamed}: {', '.join(parts)}. "
        "Its members have their access back.",
    )
    if result.plan.skipped:
        messages.warning(
            request,
            f"Could not restore {_plural(len(result.plan.skipped), 'thing')}: "
            + " ".join(result.plan.skipped),
        )
