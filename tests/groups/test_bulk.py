"""Bulk membership: reading lists and CSV files, the preview, and membership_add_batch."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services as account_services
from audit.recording import Channel
from groups import bulk, services, spreadsheet
from groups.models import Group, Membership
from groups.services import memberships
from tests.conftest import make_member
from tests.helpers import audit_mark, changes_nothing, events_since, members


@pytest.fixture
def crowd(organization, other_organization, org_admin):
    """Five Acme people, one deactivated Acme person, and a Globex person."""
    acme = [
        make_member(organization, first_name=f"P{i}", last_name="Acme", email=f"p{i}@acme.example")
        for i in range(5)
    ]
    sleeper = make_member(organization, first_name="Sleepy", email="sleepy@acme.example")
    account_services.user_set_active(user=sleeper, active=False, actor=None)
    globex = make_member(other_organization, first_name="Gil", email="gil@globex.example")
    return {"acme": acme, "sleeper": sleeper, "globex": globex}


# --- reading ---------------------------------------------------------------------------------


def test_parse_text_splits_lines_commas_semicolons_and_reports_duplicates_once():
    emails = bulk.EmailList.from_text(
        "a@x.example\nB@X.example, c@x.example;a@x.example\n\n A@x.example \n"
        "Dee Doe <d@x.example>\tnot-an-email\nnot-an-email"
    )
    assert emails.emails == ["a@x.example", "b@x.example", "c@x.example", "d@x.example"]
    assert emails.duplicates == ["a@x.example"]
    assert emails.invalid == ["not-an-email"]
    assert len(emails.entries) == 8


def test_parse_text_refuses_more_than_the_limit():
    with pytest.raises(ValidationError, match="more than 10,000 entries"):
        bulk.EmailList.from_text("\n".join(f"p{i}@x.example" for i in range(10_001)))


def test_parse_csv_reads_the_email_column_with_a_bom_and_semicolons():
    data = "\ufeffName;E-mail;Team\nAnn;ann@x.example;A\nBo;bo@x.example, cy@x.example;B\n"
    emails = bulk.EmailList.from_csv(data.encode())
    assert emails.emails == ["ann@x.example", "bo@x.example", "cy@x.example"]


def test_parse_csv_without_email_column_reads_a_plain_list_and_reports_the_rest():
    emails = bulk.EmailList.from_csv(b"ann@x.example\nbo@x.example\nBo Chen\n")
    assert emails.emails == ["ann@x.example", "bo@x.example"]
    assert emails.invalid == ["Bo Chen"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00a", "not UTF-8"),
        (b"email\n" + b"a" * (bulk.MAX_FILE_BYTES + 1), "larger than 2 MB"),
        (("email\n" + "".join(f"p{i}@x.example\n" for i in range(10_001))).encode(), "10,000"),
    ],
)
def test_parse_csv_refuses_bad_files_with_a_clear_message(data, message):
    with pytest.raises(ValidationError, match=message):
        bulk.EmailList.from_csv(data)


# --- preview -------------------------------------------------------------------------------


def test_preview_sorts_everyone_without_changing_anything(group, org_admin, crowd):
    services.membership_add(group=group, users=[crowd["acme"][0]], actor=org_admin)
    text = "\n".join(
        [
            "p0@acme.example",
            "p1@acme.example",
            "P1@acme.example",
            "p2@acme.example",
            "sleepy@acme.example",
            "gil@globex.example",
            "nobody@acme.example",
            "oops",
        ]
    )
    with changes_nothing():
        preview = bulk.preview(group, bulk.EmailList.from_text(text))
    assert [u.email for u in preview.to_add] == ["p1@acme.example", "p2@acme.example"]
    assert [u.email for u in preview.already] == ["p0@acme.example"]
    assert [u.email for u in preview.inactive] == ["sleepy@acme.example"]
    # Gil has an account in Globex, nobody has none: one answer for both (issue 15, item 13).
    assert preview.unknown == ["gil@globex.example", "nobody@acme.example"]
    assert preview.emails.duplicates == ["p1@acme.example"]
    assert preview.skipped == 4


def test_preview_runs_three_queries_per_thousand_emails(group, crowd, django_assert_num_queries):
    unknown = [f"nobody{i}@acme.example" for i in range(1498)]
    emails = bulk.EmailList.from_text("\n".join(["p0@acme.example", *unknown, "p1@acme.example"]))
    # Per thousand: the users, who of them is in the organization, who is in the group; and
    # the Users group's id is a subquery.
    with django_assert_num_queries(6):
        bulk.preview(group, emails)


# --- membership_add_batch ----------------------------------------------------------------------


def test_membership_add_batch_adds_everyone_it_can_with_one_event_each_and_one_for_the_batch(
    group, org_admin, crowd
):
    services.membership_add(group=group, users=[crowd["acme"][0]], actor=org_admin)
    emails = bulk.EmailList.from_text(
        "p0@acme.example\np1@acme.example\np1@acme.example\np2@acme.example\n"
        "gil@globex.example\nnobody@acme.example\nsleepy@acme.example"
    )
    mark = audit_mark()
    result = services.membership_add_batch(
        group=group, emails=emails, source="pasted list", channel=Channel.UI, actor=org_admin
    )
    assert {u.email for u in result.to_add} == {"p1@acme.example", "p2@acme.example"}
    assert {u.email for u in members(group)} == {
        "p0@acme.example",
        "p1@acme.example",
        "p2@acme.example",
    }
    events = events_since(mark)
    assert [e.action for e in events] == [
        "membership.added",
        "membership.added",
        "membership.batch_added",
    ]
    assert {e.after["email"] for e in events[:2]} == {"p1@acme.example", "p2@acme.example"}
    assert all(e.channel == Channel.UI and e.actor == org_admin for e in events)
    assert events[2].after == {
        "source": "pasted list",
        "entries": 7,
        "added": 2,
        "already_members": 1,
        "deactivated": 1,
        "unknown": 2,
        "duplicates": 1,
        "invalid": 0,
    }


def test_membership_add_batch_with_nobody_to_add_changes_nothing(group, org_admin, crowd):
    emails = bulk.EmailList.from_text("gil@globex.example, nobody@acme.example")
    with changes_nothing():
        result = services.membership_add_batch(group=group, emails=emails, actor=org_admin)
    assert result.to_add == []


def test_membership_add_batch_refuses_a_stale_preview_and_adds_nobody(group, org_admin, crowd):
    emails = bulk.EmailList.from_text("p0@acme.example\np1@acme.example\np2@acme.example")
    seen = bulk.preview(group, emails)
    # Between the preview and the confirmation, p1 is added by someone else.
    services.membership_add(group=group, users=[crowd["acme"][1]], actor=org_admin)
    with changes_nothing(), pytest.raises(services.StalePreview) as refused:
        services.membership_add_batch(
            group=group, emails=emails, expected=seen.fingerprint, actor=org_admin
        )
    fresh = refused.value.preview
    assert [u.email for u in fresh.already] == ["p1@acme.example"]
    assert fresh.fingerprint != seen.fingerprint
    result = services.membership_add_batch(
        group=group, emails=emails, expected=fresh.fingerprint, actor=org_admin
    )
    assert len(result.to_add) == 2


def test_membership_add_batch_is_all_or_nothing_when_a_write_fails(
    group, org_admin, crowd, monkeypatch
):
    """A failure after the first rows are written (here: the batch event) rolls back every
    membership and every event of the batch."""
    emails = bulk.EmailList.from_text("p0@acme.example\np1@acme.example")
    real = memberships.audit_record

    def failing(**kwargs):
        if kwargs["action"] == "membership.batch_added":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(memberships, "audit_record", failing)
    with changes_nothing(), pytest.raises(RuntimeError):
        services.membership_add_batch(group=group, emails=emails, actor=org_admin)


def test_membership_add_batch_promotes_inherited_members_to_direct(
    organization, group, org_admin, crowd
):
    child = services.group_create(organization=organization, display_name="Kids", actor=org_admin)
    services.membership_add(group=child, users=[crowd["acme"][0]], actor=org_admin)
    services.member_group_add(parent=group, child=child, actor=org_admin)
    emails = bulk.EmailList.from_text("p0@acme.example")
    result = services.membership_add_batch(group=group, emails=emails, actor=org_admin)
    assert result.to_add == [crowd["acme"][0]]
    assert Membership.objects.get(group_id=group.pk, user=crowd["acme"][0]).direct


def test_membership_add_batch_checks_the_actors_rights(group, org_member, outsider, crowd):
    emails = bulk.EmailList.from_text("p0@acme.example")
    with changes_nothing():
        with pytest.raises(PermissionDenied):
            services.membership_add_batch(group=group, emails=emails, actor=org_member)
        with pytest.raises(PermissionDenied):
            services.membership_add_batch(group=group, emails=emails, actor=outsider)


def test_membership_add_batch_refuses_the_users_group(organization, org_admin, crowd):
    users = services.default_group(organization, Group.Kind.USERS)
    emails = bulk.EmailList.from_text("p0@acme.example")
    with changes_nothing(), pytest.raises(ValidationError, match="Everyone in Acme"):
        services.membership_add_batch(group=users, emails=emails, actor=org_admin)


# --- export --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell_defuses_formulas(value, safe):
    assert spreadsheet.safe_cell(value) == safe
