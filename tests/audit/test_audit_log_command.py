"""``audit_log ORG [--since] [--actor] [--format csv|json]``."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.sentences import sentence
from groups import services as group_services
from tests.helpers import run


def history_text(event) -> str:
    return sentence(event).text


@pytest.fixture
def changes(organization, other_organization, group, org_admin, org_member, outsider):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    group_services.group_create(
        organization=organization, display_name="=cmd|' /C calc'!A0", actor=None
    )
    group_services.group_create(organization=other_organization, display_name="Hidden", actor=None)


def test_audit_log_prints_a_table_newest_first(changes):
    lines = run("audit_log", "acme").splitlines()
    assert lines[0].split() == ["TIME", "(UTC)", "ACTOR", "CHANNEL", "WHAT"]
    assert lines[1].endswith("The system created the group =cmd|' /C calc'!A0")
    assert lines[2].endswith("Ann Lee added Bo Chen to Editors")
    assert "Ann Lee" in lines[2] and "system" in lines[2]
    total = AuditEvent.objects.filter(organization__slug="acme").count()
    assert lines[-1] == f"{total} events in Acme."
    assert not any("Hidden" in line for line in lines)


def test_audit_log_filters_by_actor_and_since(changes):
    lines = run("audit_log", "acme", "--actor", "ann lee").splitlines()
    assert [line for line in lines[1:-1] if "Bo Chen" in line]
    assert all("Ann Lee" in line for line in lines[1:-1])
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date().isoformat()
    assert run("audit_log", "acme", "--since", tomorrow).splitlines()[-1] == "0 events in Acme."
    latest = AuditEvent.objects.filter(organization__slug="acme").latest("created_at", "pk")
    moment = latest.created_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    lines = run("audit_log", "acme", "--since", moment).splitlines()
    assert lines[-1] == "1 event in Acme."
    assert lines[1].endswith(history_text(latest))


def test_audit_log_exports_csv_with_formulas_defused(changes):
    rows = list(csv.DictReader(io.StringIO(run("audit_log", "acme", "--format", "csv"))))
    assert len(rows) == AuditEvent.objects.filter(organization__slug="acme").count()
    assert rows[0]["target name"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["sentence"] == "Ann Lee added Bo Chen to Editors"


def test_audit_log_exports_json_lines(changes, org_member):
    lines = run("audit_log", "acme", "--format", "json", "--actor", "ann").splitlines()
    records = [json.loads(line) for line in lines]
    added = next(r for r in records if r["action"] == "membership.added")
    assert added["after"]["user_id"] == str(org_member.public_id)
    assert added["actor"] == "Ann Lee"
    assert added["sentence"] == "Ann Lee added Bo Chen to Editors"


def test_audit_log_limit_and_bad_input(changes):
    assert len(run("audit_log", "acme", "--limit", "1").splitlines()) == 3
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit_log", "acme", "--since", "yesterday")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("audit_log", "acme", "--limit", "0")
    with pytest.raises(CommandError):
        call_command("audit_log", "nowhere")
