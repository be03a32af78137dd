"""The group commands: list_groups, create_group, delete_group, add_members, remove_members."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from audit.models import AuditEvent
from groups import services
from groups.models import Group, Membership
from tests.helpers import run

from ..conftest import make_member
from ..factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "list_groups",
    "create_group",
    "delete_group",
    "add_members",
    "remove_members",
    "create_organization",
    "add_user",
    "remove_user",
    "demo",
]


def members_of(group) -> set[str]:
    return set(group.user_set.values_list("email", flat=True))


def command_events(**filters):
    return AuditEvent.objects.filter(channel=AuditEvent.Channel.COMMAND, **filters)


# --- list_groups --------------------------------------------------------------------------


def test_list_groups_prints_aligned_table_default_groups_first(
    organization, org_admin, org_member, group
):
    services.membership_add(group=group, users=[org_member], actor=org_admin)
    services.group_create(organization=organization, display_name="alpha team", actor=None)

    lines = run("list_groups", "acme").splitlines()

    assert lines[0].split() == ["NAME", "KIND", "MEMBERS", "PROTECTED"]
    rows = [line.split("  ") for line in lines[1:]]
    rows = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert rows == [
        ["Acme Administrators", "administrators", "1", "yes"],
        ["Acme Users", "users", "2", "yes"],
        ["alpha team", "custom", "0"],
        ["Editors", "custom", "1"],
    ]
    # Aligned: every column starts at the same offset on every line.
    for header in ("KIND", "MEMBERS"):
        start = lines[0].index(header)
        assert all(line[start - 2 : start] == "  " for line in lines)
    members_end = lines[0].index("MEMBERS") + len("MEMBERS")
    assert {line[members_end - 1] for line in lines[1:]} <= set("0123456789")


def test_list_groups_finds_organization_by_name_case_insensitively(organization):
    assert "Acme Users" in run("list_groups", "ACME")


def test_list_groups_runs_the_same_queries_for_1_and_20_groups(organization):
    services.group_create(organization=organization, display_name="Group 0", actor=None)
    with CaptureQueriesContext(connection) as few:
        run("list_groups", "acme")
    for n in range(1, 20):
        group = services.group_create(
            organization=organization, display_name=f"Group {n}", actor=None
        )
        services.membership_add(group=group, users=[make_member(organization)], actor=None)
    with CaptureQueriesContext(connection) as many:
        output = run("list_groups", "acme")

    assert len(output.splitlines()) == 1 + 2 + 20
    assert len(many) == len(few) == 2


def test_list_groups_refuses_unknown_organization(organization):
    with pytest.raises(CommandError, match="No organization with the slug or name “nope”"):
        run("list_groups", "nope")


def test_list_groups_refuses_ambiguous_organization_name(db):
    account_services.organization_create(name="Twin", slug="twin-one", actor=None)
    account_services.organization_create(name="Twin", slug="twin-two", actor=None)

    with pytest.raises(CommandError, match="twin-one, twin-two"):
        run("list_groups", "twin")
    assert "Twin Users" in run("list_groups", "twin-two")


# --- create_group -------------------------------------------------------------------------


def test_create_group_creates_group_and_audits_it_as_command(organization):
    output = run("create_group", "acme", "Night Shift", "--description", "After hours")

    group = Group.objects.get(organization=organization, display_name="Night Shift")
    assert (group.slug, group.description, group.kind) == ("night-shift", "After hours", "custom")
    assert "Created group “Night Shift” (slug: night-shift) in Acme." in output
    event = command_events(action="group.created").get()
    assert (event.organization, event.actor) == (organization, None)
    assert event.target_name == "Night Shift"


def test_create_group_uses_the_slug_given(organization):
    run("create_group", "acme", "Sales EMEA", "--slug", "sales-emea-2026")

    assert Group.objects.get(organization=organization, slug="sales-emea-2026").display_name == (
        "Sales EMEA"
    )


def test_create_group_refuses_duplicate_name_and_changes_nothing(organization, group):
    count = Group.objects.count()

    with pytest.raises(CommandError, match="A group named “editors” already exists"):
        run("create_group", "acme", "editors")
    assert Group.objects.count() == count
    assert not command_events().exists()


def test_create_group_refuses_invalid_slug(organization):
    with pytest.raises(CommandError, match="Use only letters, numbers, hyphens"):
        run("create_group", "acme", "Night Shift", "--slug", "Night Shift!")
    assert not Group.objects.filter(display_name="Night Shift").exists()


def test_create_group_refuses_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization"):
        run("create_group", "nope", "Editors")
    assert not Group.objects.exists()


# --- delete_group -------------------------------------------------------------------------


def test_delete_group_by_name_deletes_and_reports_members(organization, org_member, group):
    services.membership_add(group=group, users=[org_member], actor=None)

    output = run("delete_group", "acme", "EDITORS")

    assert not Group.objects.filter(pk=group.pk).exists()
    assert "Deleted group “Editors” of Acme (1 member)." in output
    event = command_events(action="group.deleted").get()
    assert event.before["members"] == 1


def test_delete_group_by_slug(organization, group):
    run("delete_group", "acme", group.slug)

    assert not Group.objects.filter(pk=group.pk).exists()


def test_delete_group_dry_run_changes_nothing(organization, org_member, group):
    services.membership_add(group=group, users=[org_member], actor=None)

    output = run("delete_group", "acme", "Editors", "--dry-run")

    assert "Would delete group “Editors” of Acme (1 member)" in output
    assert "nothing was changed" in output
    assert Group.objects.filter(pk=group.pk).exists()
    assert members_of(group) == {org_member.email}
    assert not command_events().exists()


@pytest.mark.parametrize("name", ["Acme Administrators", "users"])
@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_delete_group_refuses_default_group(organization, org_admin, name, dry_run):
    count = Group.objects.count()

    with pytest.raises(CommandError, match="is a protected group"):
        run("delete_group", "acme", name, *dry_run)
    assert Group.objects.count() == count
    assert not command_events().exists()


def test_delete_group_refuses_unknown_group(organization, group):
    with pytest.raises(CommandError, match=r"No group named “Writers” .* in Acme"):
        run("delete_group", "acme", "Writers")
    assert Group.objects.filter(pk=group.pk).exists()


def test_delete_group_refuses_group_of_other_organization(organization, other_organization):
    services.group_create(organization=other_organization, display_name="Globex Only", actor=None)

    with pytest.raises(CommandError, match="No group named “Globex Only”"):
        run("delete_group", "acme", "Globex Only")
    assert Group.objects.filter(display_name="Globex Only").exists()


def test_delete_group_prefers_the_name_over_another_groups_slug(organization):
    by_slug = services.group_create(
        organization=organization, display_name="Front Desk", slug="help", actor=None
    )
    by_name = services.group_create(organization=organization, display_name="Help", actor=None)

    run("delete_group", "acme", "Help")

    assert Group.objects.filter(pk=by_slug.pk).exists()
    assert not Group.objects.filter(pk=by_name.pk).exists()


# --- add_members --------------------------------------------------------------------------


def test_add_members_adds_and_lists_existing_members(
    organization, org_admin, org_member, group_manager, group
):
    services.membership_add(group=group, users=[org_member], actor=None)

    output = run(
        "add_members", "acme", "Editors", org_admin.email.upper(), org_member.email,
        group_manager.email,
    )  # fmt: skip

    assert members_of(group) == {org_admin.email, org_member.email, group_manager.email}
    assert f"Added 2 members to “Editors”: {org_admin.email}, {group_manager.email}." in output
    assert f"Already members, left as they were: {org_member.email}." in output
    events = command_events(action="membership.added")
    assert sorted(events.values_list("after__email", flat=True)) == sorted(
        [org_admin.email, group_manager.email]
    )
    assert not events.filter(actor__isnull=False).exists()


def test_add_members_with_unknown_emails_names_them_all_and_adds_nobody(
    organization, org_member, group
):
    with pytest.raises(CommandError) as error:
        run("add_members", "acme", "Editors", org_member.email, "ghost@example.com", "x@y.z")

    assert "ghost@example.com, x@y.z" in str(error.value)
    assert "nothing was changed" in str(error.value)
    assert members_of(group) == set()
    assert not command_events().exists()


def test_add_members_refuses_user_of_other_organization_and_adds_nobody(
    organization, org_member, outsider, group
):
    with pytest.raises(
        CommandError, match=rf"Not in Acme, so nothing was added: .*{outsider.email}"
    ):
        run("add_members", "acme", "Editors", org_member.email, outsider.email)
    assert members_of(group) == set()
    assert not command_events().exists()


def test_add_members_refuses_the_users_group(organization, org_member, users_group):
    stranger = UserFactory()

    with pytest.raises(CommandError, match="add people in the organization instead"):
        run("add_members", "acme", "Acme Users", stranger.email)
    assert stranger.email not in members_of(users_group)


def test_add_members_dry_run_changes_nothing(organization, org_admin, org_member, group):
    services.membership_add(group=group, users=[org_member], actor=None)

    output = run("add_members", "acme", "editors", org_admin.email, org_member.email, "--dry-run")

    assert f"Would add 1 member to “Editors”: {org_admin.email}." in output
    assert f"Already members, left as they were: {org_member.email}." in output
    assert "Dry run: nothing was changed." in output
    assert members_of(group) == {org_member.email}
    assert not command_events().exists()


def test_add_members_dry_run_refuses_like_the_real_run(organization, outsider, group):
    with pytest.raises(CommandError, match="Not in Acme"):
        run("add_members", "acme", "Editors", outsider.email, "--dry-run")


def test_add_members_refuses_unknown_group(organization, org_member):
    with pytest.raises(CommandError, match="No group named “Writers”"):
        run("add_members", "acme", "Writers", org_member.email)


# --- remove_members -----------------------------------------------------------------------


def test_remove_members_removes_and_lists_non_members(
    organization, org_admin, org_member, group_manager, group
):
    services.membership_add(group=group, users=[org_member, group_manager], actor=None)

    output = run("remove_members", "acme", "Editors", org_member.email, org_admin.email)

    assert members_of(group) == {group_manager.email}
    assert f"Removed 1 member from “Editors”: {org_member.email}." in output
    assert f"Not members, left as they were: {org_admin.email}." in output
    event = command_events(action="membership.removed").get()
    assert (event.before["email"], event.actor) == (org_member.email, None)


def test_remove_members_with_unknown_email_removes_nobody(organization, org_member, group):
    services.membership_add(group=group, users=[org_member], actor=None)

    with pytest.raises(CommandError, match=r"No user with the email ghost@example\.com"):
        run("remove_members", "acme", "Editors", org_member.email, "ghost@example.com")
    assert members_of(group) == {org_member.email}
    assert not command_events().exists()


def test_remove_members_refuses_the_last_administrator(organization, org_admin, administrators):
    with pytest.raises(CommandError, match="would remove the last administrator"):
        run("remove_members", "acme", "Acme Administrators", org_admin.email)
    assert members_of(administrators) == {org_admin.email}
    assert not command_events().exists()


def test_remove_members_refuses_the_users_group(organization, org_member, users_group):
    with pytest.raises(CommandError, match="remove people in the organization instead"):
        run("remove_members", "acme", "users", org_member.email)
    assert org_member.email in members_of(users_group)


def test_remove_members_dry_run_changes_nothing(organization, org_member, group):
    services.membership_add(group=group, users=[org_member], actor=None)

    output = run("remove_members", "acme", "Editors", org_member.email, "--dry-run")

    assert f"Would remove 1 member from “Editors”: {org_member.email}." in output
    assert "Dry run: nothing was changed." in output
    assert members_of(group) == {org_member.email}
    assert Membership.objects.filter(group=group).count() == 1


# --- every command ------------------------------------------------------------------------


def test_commands_are_all_installed():
    assert {name: get_commands()[name] for name in COMMANDS} == {
        name: "accounts" if name in {"create_organization", "add_user", "remove_user", "demo"}
        else "groups"
        for name in COMMANDS
    }  # fmt: skip


BASE_OPTIONS = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_describes_command_and_arguments(name, capsys):
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)

    with pytest.raises(SystemExit) as exit_:
        call_command(name, "--help")

    assert exit_.value.code == 0
    output = " ".join(capsys.readouterr().out.split())
    assert f"usage: {name} [-h]" in output
    assert " ".join(command.help.split()[:6]) in output
    assert len(command.help) > 40
    own = [action for action in parser._actions if action.dest not in BASE_OPTIONS]
    assert all(action.help for action in own), [a.dest for a in own if not a.help]


def test_add_members_help_runs_from_the_shell(tmp_path):
    environment = {
        **os.environ,
        "DEBUG": "1",
        # --help never opens the database; a throwaway file keeps the dev database out of reach.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "add_members", "--help"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    output = " ".join(result.stdout.split())
    assert "usage: manage.py add_members" in output
    assert "--dry-run" in output
    assert "all or nothing" in output
