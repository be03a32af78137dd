"""Reading the audit trail: the History tab of Group Details, the history on a person's page,
and the organization's Audit log page (filters, keyset pages, CSV export)."""

import csv
import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from audit import history
from audit.models import AuditEvent
from audit.recording import Channel
from audit.sentences import ACTIONS, full_text, sentence
from groups import services as group_services
from groups import spreadsheet
from groups.services import grants as grant_services
from tests.conftest import make_member

HTMX = {"HX-Request": "true"}


def history_url(group):
    return reverse("groups:group_history", args=[group.organization.slug, group.public_id])


def log_url(organization):
    return reverse("audit:audit_log", args=[organization.slug])


def export_url(organization):
    return reverse("audit:audit_log_export", args=[organization.slug])


def user_url(organization, person):
    return reverse("groups:user_detail", args=[organization.slug, person.public_id])


def sentences(response) -> list[str]:
    """The sentences of the entries shown, as text, in order."""
    body = response.content.decode()
    found = re.findall(r'<p class="audit-sentence">(.*?)<span class="audit-how">', body, re.S)
    return [re.sub(r"<[^>]+>", "", item).replace("&#x27;", "'") for item in found]


def export_rows(response) -> list[dict]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


@pytest.fixture
def read_only(organization):
    # Ro Reed: holds Acme's "Read only" set through a group: sees every group, no audit log.
    user = make_member(organization, first_name="Ro", last_name="Reed")
    readers = group_services.group_create(
        organization=organization, display_name="Readers", actor=None
    )
    group_services.membership_add(group=readers, users=[user], actor=None)
    group_services.group_permission_set_add(
        group=readers, permission_set=group_services.permission_set_by_key("read-only"), actor=None
    )
    return user


# --- the History tab --------------------------------------------------------------------------


def test_group_history_sends_anonymous_visitors_to_sign_in(client, group):
    response = client.get(history_url(group))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_group_history_is_404_for_an_outsider_and_for_a_member_who_cannot_see_it(
    client, group, outsider, org_member
):
    for person in (outsider, org_member):
        client.force_login(person)
        assert client.get(history_url(group)).status_code == 404
        assert client.get(history_url(group), headers=HTMX).status_code == 404


def test_group_history_is_readable_by_whoever_may_view_the_group(
    client, group, group_manager, org_admin, org_member
):
    group_services.membership_add(
        group=group, users=[org_member], channel=Channel.API, actor=org_admin
    )
    client.force_login(group_manager)
    response = client.get(history_url(group))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="tab-history"' in body and 'aria-selected="true"' in body
    assert sentences(response)[0] == "Ann Lee added Bo Chen to Editors"
    assert "via the API" in body
    assert sentences(response)[-1] == "Ann Lee created the group Editors"


def test_group_history_htmx_renders_the_panel_or_the_list(client, group, org_admin):
    client.force_login(org_admin)
    panel = client.get(history_url(group), headers=HTMX)
    body = panel.content.decode()
    assert 'id="group-panel"' in body and "<html" not in body
    assert panel["Vary"].count("HX-Request") == 1
    listing = client.get(history_url(group), headers={**HTMX, "HX-Target": "history-list"})
    body = listing.content.decode()
    assert body.lstrip().startswith('<div id="history-list">') and "<html" not in body


def test_group_history_keeps_the_names_of_the_time(client, group, org_admin, org_member):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    group_services.group_update(group=group, display_name="Writers", actor=org_admin)
    account_services.user_update(user=org_member, first_name="Bob", actor=org_admin)
    account_services.user_update(user=org_admin, last_name="Long", actor=None)
    org_admin.refresh_from_db()
    org_member.refresh_from_db()
    group_services.membership_remove(group=group, users=[org_member], actor=org_admin)
    client.force_login(org_admin)
    shown = sentences(client.get(history_url(group)))
    assert shown == [
        "Ann Long removed Bob Chen from Writers",
        "Ann Lee renamed the group Editors to Writers",
        "Ann Lee added Bo Chen to Editors",
        "Ann Lee created the group Editors",
    ]


def test_group_history_lists_changes_naming_the_group_elsewhere(
    client, organization, group, org_admin
):
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", actor=org_admin
    )
    group_services.member_group_add(parent=marketing, child=group, actor=org_admin)
    folder = grant_services.resource_create(
        organization=organization, type="folder", key="docs", actor=org_admin
    )
    grant_services.grant_add(
        organization=organization,
        subject=group,
        target=folder,
        access_types=["READ"],
        actor=org_admin,
    )
    client.force_login(org_admin)
    shown = sentences(client.get(history_url(group)))
    assert shown[:2] == [
        "Ann Lee granted Editors READ on folder:docs",
        "Ann Lee made Editors a member group of Marketing",
    ]
    assert sentences(client.get(history_url(marketing)))[0] == shown[1]


def test_group_history_pages_by_keyset(client, organization, group, org_admin):
    people = [make_member(organization, first_name=f"P{i:02}", last_name="X") for i in range(55)]
    for person in people:
        group_services.membership_add(group=group, users=[person], actor=org_admin)
    client.force_login(org_admin)
    first = client.get(history_url(group))
    shown = sentences(first)
    assert len(shown) == history.PAGE_SIZE
    assert shown[0] == "Ann Lee added P54 X to Editors"
    older = re.search(r'href="[^"]*\?older=([\w-]+)"', first.content.decode()).group(1)
    second = client.get(
        history_url(group), {"older": older}, headers={**HTMX, "HX-Target": "history-list"}
    )
    rest = sentences(second)
    assert rest[0] == "Ann Lee added P04 X to Editors"
    assert rest[-1] == "Ann Lee created the group Editors"
    assert len(shown) + len(rest) == 56
    assert "?newer=" in second.content.decode() and "?older=" not in second.content.decode()


def test_group_history_with_a_broken_page_link_shows_the_newest(client, group, org_admin):
    client.force_login(org_admin)
    response = client.get(history_url(group), {"older": "not-a-cursor"})
    assert response.status_code == 200
    assert sentences(response) == ["Ann Lee created the group Editors"]


def test_group_history_queries_do_not_grow_with_the_entries(
    client, organization, group, org_admin, django_assert_num_queries
):
    client.force_login(org_admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(history_url(group), headers={**HTMX, "HX-Target": "history-list"})
    for i in range(20):
        person = make_member(organization, first_name=f"Q{i}", last_name="Y")
        group_services.membership_add(group=group, users=[person], actor=org_admin)
    with django_assert_num_queries(len(one)):
        client.get(history_url(group), headers={**HTMX, "HX-Target": "history-list"})


# --- the person's page --------------------------------------------------------------------------


def test_user_page_shows_the_history_of_the_person(
    client, organization, group, org_admin, org_member
):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    grant_services.grant_add(
        organization=organization,
        subject=org_member,
        target=organization,
        access_types=["READ"],
        channel=Channel.COMMAND,
        actor=None,
    )
    client.force_login(org_admin)
    response = client.get(user_url(organization, org_member))
    assert response.status_code == 200
    shown = sentences(response)
    assert shown[:2] == [
        "The system granted Bo Chen READ on Acme",
        "Ann Lee added Bo Chen to Editors",
    ]
    assert "from the command line" in response.content.decode()
    assert f"?target={org_member.public_id}" in response.content.decode()


def test_user_page_history_is_for_those_who_see_every_group(client, organization, org_member):
    client.force_login(org_member)
    response = client.get(user_url(organization, org_member))
    assert response.status_code == 200
    assert 'id="user-history"' not in response.content.decode()


# --- the Audit log page -----------------------------------------------------------------------


def test_audit_log_is_404_for_an_outsider(client, organization, outsider):
    client.force_login(outsider)
    assert client.get(log_url(organization)).status_code == 404
    assert client.get(export_url(organization)).status_code == 404


def test_audit_log_is_403_without_view_audit_log(client, organization, org_member, read_only):
    for person in (org_member, read_only):
        client.force_login(person)
        assert client.get(log_url(organization)).status_code == 403
        assert client.get(log_url(organization), headers=HTMX).status_code == 403
        assert client.get(export_url(organization)).status_code == 403
        # Nor is it offered in the side navigation.
        page = client.get(reverse("groups:group_list", args=[organization.slug]))
        assert "Audit log" not in page.content.decode()


def test_audit_log_shows_every_change_of_the_organization_only(
    client, organization, other_organization, group, org_admin, org_member, outsider
):
    group_services.group_create(
        organization=other_organization, display_name="Secret Globex plans", actor=outsider
    )
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    client.force_login(org_admin)
    response = client.get(log_url(organization))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-current="page">Audit log</a>' in body
    assert "Secret Globex" not in body
    assert sentences(response)[0] == "Ann Lee added Bo Chen to Editors"
    htmx = client.get(log_url(organization), headers=HTMX)
    assert 'id="audit-results"' in htmx.content.decode() and "<html" not in htmx.content.decode()


@pytest.fixture
def varied(organization, group, org_admin, org_member, group_manager):
    """A few changes by different people, through different channels."""
    group_services.membership_add(
        group=group, users=[org_member], channel=Channel.API, actor=group_manager
    )
    group_services.group_update(
        group=group, description="New words", channel=Channel.UI, actor=org_admin
    )
    group_services.group_create(
        organization=organization, display_name="Sales", channel=Channel.COMMAND, actor=None
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "cy diaz"}, ["Cy Diaz added Bo Chen to Editors"]),
        ({"channel": "command"}, ["The system created the group Sales"]),
        ({"action": "group.updated"}, ["Ann Lee changed the group Editors (description)"]),
        (
            {"target": "bo chen"},
            ["Cy Diaz added Bo Chen to Editors", "The system added Bo Chen to Acme Users"],
        ),
        ({"target": "sales", "channel": "command"}, ["The system created the group Sales"]),
        ({"actor": "ann", "channel": "api"}, []),
    ],
)
def test_audit_log_filters(client, organization, org_admin, varied, query, expected):
    client.force_login(org_admin)
    response = client.get(log_url(organization), query)
    assert response.status_code == 200
    assert sentences(response) == expected
    if not expected:
        assert "No change matches these filters" in response.content.decode()


def test_audit_log_filters_by_target_id(client, organization, group, org_admin, varied):
    client.force_login(org_admin)
    response = client.get(log_url(organization), {"target": str(group.public_id)})
    assert len(sentences(response)) == 4  # created, rights to Cy, Bo added, description


def test_audit_log_filters_by_date_range(client, organization, org_admin, varied):
    client.force_login(org_admin)
    today = timezone.now().date()
    yesterday = today - dt.timedelta(days=1)
    assert sentences(client.get(log_url(organization), {"since": today, "until": today}))
    assert not sentences(client.get(log_url(organization), {"until": yesterday}))
    assert not sentences(client.get(log_url(organization), {"since": today + dt.timedelta(days=1)}))


def test_audit_log_refuses_a_backwards_date_range_with_a_message(client, organization, org_admin):
    client.force_login(org_admin)
    response = client.get(log_url(organization), {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 200
    assert "The end date must not be before the start date." in response.content.decode()
    assert sentences(response) == []
    bad = client.get(log_url(organization), {"since": "soon"})
    assert "Enter a valid date." in bad.content.decode()


def test_audit_log_pages_are_stable_for_equal_times_and_new_events(
    client, organization, group, org_admin
):
    moment = timezone.now()
    people = [make_member(organization, first_name=f"E{i:03}", last_name="Q") for i in range(120)]
    with mock.patch("django.utils.timezone.now", return_value=moment):
        for person in people:
            group_services.membership_add(group=group, users=[person], actor=org_admin)
    client.force_login(org_admin)
    seen, cursor, pages = [], "", 0
    while True:
        response = client.get(log_url(organization), {"older": cursor} if cursor else {})
        seen += sentences(response)
        pages += 1
        if pages == 1:
            # Written after the first page was read: it must not shift the pages that follow.
            group_services.group_update(group=group, description="later", actor=org_admin)
        found = re.search(r'\?(?:[^"]*&amp;)?older=([\w-]+)"', response.content.decode())
        if not found:
            break
        cursor = found.group(1)
    total = AuditEvent.objects.filter(organization=organization).count()
    assert len(seen) == total - 1 == len(set(seen))
    tied = [text for text in seen if text.endswith("to Editors")]
    assert tied == [f"Ann Lee added E{i:03} Q to Editors" for i in reversed(range(120))]


def test_audit_log_newer_link_goes_back(client, organization, group, org_admin):
    for i in range(60):
        group_services.group_update(group=group, description=f"v{i}", actor=org_admin)
    client.force_login(org_admin)
    first = client.get(log_url(organization))
    older = re.search(r'older=([\w-]+)"', first.content.decode()).group(1)
    second = client.get(log_url(organization), {"older": older})
    newer = re.search(r'newer=([\w-]+)"', second.content.decode()).group(1)
    again = client.get(log_url(organization), {"newer": newer})
    assert sentences(again) == sentences(first)


def test_audit_log_query_count_does_not_grow(
    client, organization, group, org_admin, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org_admin)
    with CaptureQueriesContext(connection) as one:
        client.get(log_url(organization), headers=HTMX)
    for i in range(20):
        group_services.group_update(group=group, description=f"v{i}", actor=org_admin)
    with django_assert_num_queries(len(one)):
        client.get(log_url(organization), headers=HTMX)


# --- CSV export -------------------------------------------------------------------------------


def test_audit_log_export_streams_the_filtered_set_as_csv(
    client, organization, group, org_admin, varied
):
    client.force_login(org_admin)
    response = client.get(export_url(organization), {"channel": "api"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-acme-')
    rows = export_rows(response)
    assert len(rows) == 1
    (only,) = rows
    assert only["actor"] == "Cy Diaz"
    assert only["action"] == "membership.added"
    assert only["target id"] == str(group.public_id)
    assert only["target name"] == "Editors"
    assert only["channel"] == "api"
    assert only["sentence"] == "Cy Diaz added Bo Chen to Editors"
    assert '"user": "Bo Chen"' in only["after"]


def test_audit_log_export_has_every_matching_event_not_one_page(
    client, organization, group, org_admin
):
    for i in range(history.PAGE_SIZE + 5):
        group_services.group_update(group=group, description=f"v{i}", actor=org_admin)
    client.force_login(org_admin)
    rows = export_rows(client.get(export_url(organization)))
    assert len(rows) == AuditEvent.objects.filter(organization=organization).count()
    assert len({row["event id"] for row in rows}) == len(rows)


def test_audit_log_export_defuses_formula_cells(client, organization, org_admin):
    group_services.group_create(
        organization=organization, display_name="=HYPERLINK(1)", actor=org_admin
    )
    group_services.group_create(organization=organization, display_name="+SUM(A1)", actor=org_admin)
    group_services.group_create(organization=organization, display_name="@cmd", actor=org_admin)
    client.force_login(org_admin)
    rows = export_rows(client.get(export_url(organization), {"action": "group.created"}))
    names = {row["target name"] for row in rows}
    assert names == {"'=HYPERLINK(1)", "'+SUM(A1)", "'@cmd"}
    assert all(not row["sentence"].startswith(("=", "+", "-", "@")) for row in rows)


def test_safe_cell_prefixes_only_formula_starts():
    assert spreadsheet.safe_cell("=1+1") == "'=1+1"
    assert spreadsheet.safe_cell("-2") == "'-2"
    assert spreadsheet.safe_cell("\tx") == "'\tx"
    assert spreadsheet.safe_cell("Ann Lee") == "Ann Lee"
    assert spreadsheet.safe_cell(None) == ""


# --- sentences --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_reads_as_a_sentence_even_without_names(action):
    """Events written before names were recorded (empty payloads) still read as sentences."""
    event = AuditEvent(
        action=action,
        actor_name="",
        target_type="group",
        target_id="0f0e",
        target_name="",
        channel=Channel.SYSTEM,
        created_at=timezone.now(),
    )
    text = sentence(event).text
    assert text.startswith(("The system ", "The membership of "))
    assert ": " not in text  # not the generic fallback
    assert "None" not in text


def test_an_old_event_without_names_falls_back_to_ids(organization, group):
    event = AuditEvent.objects.create(
        organization=organization,
        actor_name="Ann Lee <ann@example.com>",
        action="membership.added",
        target_type="group",
        target_id=str(group.public_id),
        target_name="Editors",
        after={"user_id": "1234"},
        channel=Channel.ADMIN,
    )
    assert sentence(event).text == "Ann Lee added user 1234 to Editors"
    assert full_text(event).startswith("Ann Lee added user 1234 to Editors, in the Django admin, ")


def test_sentence_names_are_escaped_in_html(organization, org_admin):
    group_services.group_create(
        organization=organization, display_name="<b>Bold</b>", actor=org_admin
    )
    event = AuditEvent.objects.get(action="group.created", target_name="<b>Bold</b>")
    assert "&lt;b&gt;Bold&lt;/b&gt;" in sentence(event).html
    assert "<b>" not in sentence(event).html
