"""import_members: the bulk add from the shell, through membership_add_batch."""

from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections

from audit.models import AuditEvent
from audit.recording import Channel
from groups.models import Membership
from tests.conftest import make_member
from tests.helpers import audit_mark, changes_nothing, events_since


@pytest.fixture
def crowd(organization, other_organization):
    acme = [
        make_member(organization, first_name=f"P{i}", last_name="Acme", email=f"p{i}@acme.example")
        for i in range(3)
    ]
    make_member(other_organization, first_name="Gil", email="gil@globex.example")
    return acme


def call(*args):
    out, err = StringIO(), StringIO()
    call_command("import_members", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def member_emails(group):
    return set(Membership.objects.filter(group_id=group.pk).values_list("user__email", flat=True))


@pytest.fixture
def people_csv(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email\nP0,p0@acme.example\nP1,P1@acme.example\nP1 again,p1@acme.example\n"
        "Gil,gil@globex.example\nNo One,nobody@acme.example\n"
    )
    return path


def test_import_members_adds_and_prints_the_summary(group, crowd, people_csv):
    mark = audit_mark()
    out, _ = call("acme", "Editors", str(people_csv))
    assert member_emails(group) == {"p0@acme.example", "p1@acme.example"}
    assert "Added 2 members to “Editors” (5 entries read)." in out
    assert "Given more than once (counted once): p1@acme.example" in out
    # One answer whether an account elsewhere uses the email or none does (issue 15, item 13).
    assert "Left out, Not in Acme: gil@globex.example, nobody@acme.example." in out
    events = events_since(mark)
    assert [e.action for e in events] == ["membership.added"] * 2 + ["membership.batch_added"]
    assert {e.channel for e in events} == {Channel.COMMAND}
    assert events[-1].after["source"] == f"command file {people_csv}"


def test_import_members_dry_run_changes_nothing(group, crowd, people_csv):
    with changes_nothing():
        out, _ = call("acme", "editors", str(people_csv), "--dry-run")
    assert "Would add 2 members to “Editors”" in out
    assert out.rstrip().endswith("Dry run: nothing was changed.")


def test_import_members_strict_refuses_the_whole_file(group, crowd, people_csv):
    with changes_nothing(), pytest.raises(CommandError, match="2 entries would be left out"):
        call("acme", "Editors", str(people_csv), "--strict")


def test_import_members_refuses_the_users_group_and_missing_files(
    group, crowd, people_csv, tmp_path
):
    with changes_nothing():
        with pytest.raises(CommandError, match="Everyone in Acme is in “Acme Users”"):
            call("acme", "Acme Users", str(people_csv))
        with pytest.raises(CommandError, match="Cannot read"):
            call("acme", "Editors", str(tmp_path / "missing.csv"))
        empty = tmp_path / "empty.csv"
        empty.write_text("email\n")
        with pytest.raises(CommandError, match="holds no email"):
            call("acme", "Editors", str(empty))


def test_import_members_shows_progress_on_long_files(group, crowd, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("\n".join(["p2@acme.example"] + [f"x{i}@nowhere.example" for i in range(2100)]))
    out, err = call("acme", "Editors", str(path))
    assert err.splitlines() == [
        "Checked 1,000 of 2,101 emails…",
        "Checked 2,000 of 2,101 emails…",
        "Checked 2,101 of 2,101 emails…",
    ]
    assert "Added 1 member to “Editors”" in out
    assert AuditEvent.objects.get(action="membership.batch_added").after["unknown"] == 2100


def test_import_members_exits_non_zero_on_refusal(group, crowd, tmp_path, capsys, monkeypatch):
    """From the command line a refusal is a message on stderr and exit status 1."""
    # run_from_argv closes the connections when it ends; the test still needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = tmp_path / "one.txt"
    path.write_text("p0@acme.example\n")
    with changes_nothing(), pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_members", "acme", "Acme Users", str(path)])
    assert exited.value.code == 1
    assert "Everyone in Acme is in “Acme Users”" in capsys.readouterr().err
