"""What the group pages share: the groups page rendered whole or as the partial htmx targets,
the Group Details panel's context on each tab, the tabs' URLs, and the answers of the panel's
mutations (the re-rendered tab plus the ``…-changed`` events other panels listen to)."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import push_url, trigger_client_event

from adminsite.htmx import wants_partial
from groups import access, explain, queries
from groups.forms.groups import DeleteGroupForm, GroupForm, PermissionSetChoiceForm
from groups.forms.targets import GrantForm, target_picker
from groups.models import Group

GROUPS_PER_PAGE = 25
MEMBERS_PER_PAGE = 25
TEMPLATE = "groups/groups.html"
TABS = ("members", "permissions", "access", "settings", "history")


def messages_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def list_context(request, organization, *, search="", page=1):
    groups = queries.groups_for_list(request, organization, search, exact_counts=False)
    page_obj = queries.DeferredJoinPaginator(groups, GROUPS_PER_PAGE, key="group_ptr_id").get_page(
        page
    )
    return {
        "groups_page": page_obj,
        "group_search": search,
        "count_exact_up_to": queries.groups.COUNT_EXACT_UP_TO,
    }


def render_page(request, organization, context, *, partials=("group-panel",), status=200):
    """The whole page, or for htmx the partial the request targets (first of ``partials``
    by default)."""
    checker = context.get("access") or access.for_request(request)
    context = {
        "organization": organization,
        "organizations": queries.organizations_of(request.user),
        "can_create_group": checker.can("create_group", organization),
        "can_restore_groups": checker.can("restore_groups", organization),
        "nav": "groups",
        **context,
    }
    if wants_partial(request):
        target = request.htmx.target
        partial = target if target in partials else partials[0]
        response = render(
            request, f"{TEMPLATE}#{partial}", {**context, "partial": True}, status=status
        )
    else:
        if "groups_page" not in context:
            context.update(list_context(request, organization))
        response = render(request, TEMPLATE, context, status=status)
    return response


def tab_url(group, tab="members"):
    names = {
        "members": "groups:group_detail",
        "permissions": "groups:group_permissions",
        "access": "groups:group_access",
        "settings": "groups:group_settings",
        "history": "groups:group_history",
    }
    return reverse(names[tab], args=[group.organization.slug, group.public_id])


MEMBER_GROUP_SELECT_UP_TO = 50  # more groups to choose from: a search instead of a select
MEMBER_GROUP_MATCHES = 20


def _member_group_picker(request, group) -> dict:
    """“Add a group as a member”: a select while the groups to choose from are few, a search
    by name (the first matches in list order) when the organization has many."""
    candidates = queries.groups_addable_as_members(group, request).values_list(
        "public_id", "display_name"
    )
    first = list(candidates[: MEMBER_GROUP_SELECT_UP_TO + 1])
    if len(first) <= MEMBER_GROUP_SELECT_UP_TO:
        return {"member_group_choices": first, "member_group_search": None}
    search = " ".join(request.GET.get("group_q", "").split()) if request.method == "GET" else ""
    matches = None
    if search and queries.NUL not in search:
        matches = list(
            candidates.filter(display_name__icontains=search)[: MEMBER_GROUP_MATCHES + 1]
        )
    return {
        "member_group_choices": None,
        "member_group_search": search,
        "member_group_matches": matches and matches[:MEMBER_GROUP_MATCHES],
        "member_group_more": matches is not None and len(matches) > MEMBER_GROUP_MATCHES,
    }


def grant_form(organization, data=None):
    """The Access tab's form: the organization or one of its resources, and access types or a
    permission set (the organization's own or a default one)."""
    return GrantForm(
        data,
        organization=organization,
        permission_sets=queries.permission_sets_usable(organization),
    )


def details(request, organization, group, tab, **extra):
    """Context of the Group Details panel on ``tab``."""
    checker = extra.pop("access", None) or access.for_request(request)
    if request.method == "POST":
        # The change just made may have changed the user's own rights: draw the panel from
        # what holds now, not from what was read before it.
        checker.forget()
    rights = {
        "change": checker.can("change", group),
        "delete": checker.can("delete", group) and not group.is_default,
        "manage_members": checker.can("manage_members", group) and group.kind != Group.Kind.USERS,
        "manage_permission_sets": checker.can("manage_permission_sets", organization)
        and not group.is_default,
    }
    context = {
        "panel": "details",
        "group": group,
        "tab": tab,
        "rights": rights,
        "access": checker,
        "sees_everyone": checker.sees_every_group(organization),
        "tab_urls": {name: tab_url(group, name) for name in TABS},
    }
    context["member_count"], context["member_count_about"] = queries.member_count_estimate(group)
    if tab == "members":
        search = request.GET.get("q", "") if request.method == "GET" else ""
        members = queries.group_members(group, search)
        where = request.GET if request.method == "GET" else {}
        context["members_page"] = queries.KeysetPage(
            members,
            queries.MEMBER_ORDER,
            MEMBERS_PER_PAGE,
            after=where.get("after", ""),
            before=where.get("before", ""),
        )
        context["member_search"] = search
        context["via"] = queries.inherited_via(group, context["members_page"].object_list)
        context["member_groups"] = queries.member_groups(group)
        if rights["manage_members"]:
            context.update(_member_group_picker(request, group))
    elif tab == "access":
        context["access_items"] = explain.group_access(group)
        context["can_manage_access"] = checker.can("manage_access", organization)
        if context["can_manage_access"]:
            context["grant_form"] = extra.pop("grant_form", None) or grant_form(organization)
            context["target_picker"] = target_picker(
                organization, request.GET.get("resource_q", "") if request.method == "GET" else ""
            )
    elif tab == "permissions":
        context["permission_links"] = queries.group_permission_sets(group)
        if rights["manage_permission_sets"]:
            available = queries.permission_sets_available(group)
            context["permission_set_form"] = extra.pop(
                "permission_set_form", PermissionSetChoiceForm(queryset=available)
            )
    elif tab == "settings":
        context["form"] = extra.pop(
            "form",
            GroupForm(
                organization=organization,
                group=group,
                initial={"display_name": group.display_name, "description": group.description},
            ),
        )
        context["delete_form"] = extra.pop("delete_form", DeleteGroupForm(group=group))
    elif tab == "history":
        context["history_page"] = extra.pop("history_page")
    context.update(extra)
    return context


def changed(response, *events):
    """``response`` with an ``HX-Trigger`` for each of ``events`` (``membership-changed``…):
    the other panels refresh themselves."""
    for event in events:
        trigger_client_event(response, event)
    return response


def members_tab(request, organization, group, *, changed_members=False):
    """After a change of members: the Members tab (a redirect to it without htmx), telling the
    other panels when the members did change."""
    if not wants_partial(request):
        return redirect(tab_url(group))
    response = render_page(request, organization, details(request, organization, group, "members"))
    push_url(response, tab_url(group))
    return changed(response, "membership-changed") if changed_members else response
