"""Every action the code records has an entry in ``audit.sentences.ACTIONS`` (its filter label)
and reads as a sentence of its own, from what the event carries."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import sentences
from audit.forms import AuditLogFilterForm
from audit.models import AuditEvent
from audit.recording import Channel, audit_record
from groups import bulk, services
from groups.models import DeletedGroup
from groups.services import trash
from tests.conftest import make_member

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "groups", "audit", "bench")
ACTION_NAME = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")


def _strings(node) -> set[str]:
    return {
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
    }


def recorded_actions() -> dict[str, str]:
    """Every action name the application code can pass to the audit helpers, with a file that
    writes it: the values given for a parameter named ``action`` (as a keyword, as a default,
    or positionally to a function of the apps whose parameter it is). Argparse's ``action=``
    values ("store_true") have no dot, so the action pattern leaves them out."""
    trees = {
        path: ast.parse(path.read_text())
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }
    position = {}  # function name -> index of its ``action`` parameter
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [arg.arg for arg in node.args.posonlyargs + node.args.args]
                if "action" in names:
                    position[node.name] = names.index("action")
    found = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            values = []
            if isinstance(node, ast.Call):
                values += [kw.value for kw in node.keywords if kw.arg == "action"]
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in position and len(node.args) > position[name]:
                    values.append(node.args[position[name]])
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                positional = [a.arg for a in args.posonlyargs + args.args]
                with_default = positional[len(positional) - len(args.defaults) :]
                defaults = dict(zip(with_default, args.defaults, strict=True))
                kw_defaults = zip(args.kwonlyargs, args.kw_defaults, strict=True)
                defaults |= {a.arg: d for a, d in kw_defaults if d is not None}
                if "action" in defaults:
                    values.append(defaults["action"])
            for value in values:
                for text in _strings(value):
                    if ACTION_NAME.match(text):
                        found.setdefault(text, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_actions_written_in_each_way():
    """The scan itself: a keyword (services), a conditional (user.activated/deactivated), a
    positional argument (membership.added), a default (membership.removed)."""
    found = recorded_actions()
    assert {
        "group.created",
        "user.activated",
        "user.deactivated",
        "membership.added",
        "membership.removed",
        "membership.expired",
        "group.restored",
        "group.purged",
        "membership.batch_added",
        "organization.seeded",
    } <= set(found)
    assert "store_true" not in found


def test_every_recorded_action_has_a_label_and_a_filter_choice():
    found = recorded_actions()
    missing = {action: path for action, path in found.items() if action not in sentences.ACTIONS}
    assert not missing, f"Add these to audit/sentences.py ACTIONS: {missing}"
    choices = {value for value, _ in AuditLogFilterForm().fields["action"].choices}
    assert set(found) <= choices


@pytest.mark.parametrize("action", sorted(sentences.ACTIONS))
def test_every_action_has_a_sentence_of_its_own(action):
    """No listed action falls to the generic "Ann Lee <label>: target" sentence."""
    event = AuditEvent(
        action=action,
        actor_name="Ann Lee <ann@example.com>",
        target_type="group",
        target_id="0f0e",
        target_name="Editors",
        before={},
        after={},
        channel=Channel.UI,
        created_at=timezone.now(),
    )
    text = sentences.sentence(event).text
    assert f" {sentences.ACTIONS[action].lower()}: " not in text  # the generic fallback
    assert text.startswith(("Ann Lee ", "The membership of "))


def full(event) -> str:
    return sentences.full_text(event)


# --- the sentences of the actions added with recoverable deletion and bulk membership --------


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme.
    return make_member(organization, first_name="Dee", last_name="Park", email="dee@example.com")


@pytest.fixture
def editors_full(organization, group, org_admin, org_member, dee):
    """Editors with Bo and Dee, the member group Writers, and a grant on the organization."""
    from groups.services import grants

    services.membership_add(group=group, users=[org_member, dee], actor=None)
    writers = services.group_create(organization=organization, display_name="Writers", actor=None)
    services.member_group_add(parent=group, child=writers, actor=None)
    grants.grant_add(
        organization=organization,
        subject=group,
        target=organization,
        access_types=["READ"],
        actor=None,
    )
    return group


def test_group_restored_reads_what_came_back_under_which_name(
    organization, editors_full, org_admin, dee
):
    services.group_delete(group=editors_full, actor=org_admin)
    services.group_create(organization=organization, display_name="Editors", actor=None)
    account_deactivate(dee)
    deleted = DeletedGroup.objects.get(public_id=editors_full.public_id)

    trash.group_restore(deleted=deleted, channel=Channel.UI, actor=org_admin)

    event = AuditEvent.objects.get(action="group.restored")
    assert full(event) == (
        "Ann Lee restored the group Editors as Editors (restored), bringing back 1 member, "
        "1 member group and 1 grant (1 thing could not come back), in the Admin Center, "
        f"{event.created_at.astimezone(dt.UTC):%H:%M} UTC"
    )


def account_deactivate(user):
    from accounts import services as account_services

    account_services.user_set_active(user=user, active=False, actor=None)


def test_group_restored_under_its_own_name_says_so_plainly(organization, group, org_admin):
    services.group_delete(group=group, actor=None)
    deleted = DeletedGroup.objects.get(public_id=group.public_id)

    trash.group_restore(deleted=deleted, channel=Channel.COMMAND, actor=None)

    event = AuditEvent.objects.get(action="group.restored")
    assert sentences.sentence(event).text == "The system restored the group Editors"


def test_group_purged_reads_as_removed_for_good(organization, group):
    services.group_delete(group=group, actor=None)
    DeletedGroup.objects.update(deleted_at=timezone.now() - dt.timedelta(days=31))
    day = (timezone.now() - dt.timedelta(days=31)).astimezone(dt.UTC).date()

    trash.deleted_groups_purge(channel=Channel.COMMAND)

    event = AuditEvent.objects.get(action="group.purged")
    assert sentences.sentence(event).text == (
        f"The system removed the deleted group Editors for good (deleted {day:%Y-%m-%d})"
    )


def test_membership_batch_added_reads_how_many_from_where(
    organization, group, org_admin, org_member, dee
):
    services.membership_add(group=group, users=[dee], actor=None)
    emails = bulk.EmailList.from_text(
        f"{org_member.email}\n{dee.email}\nnobody@example.com\n{org_member.email}\nnot-an-email"
    )

    services.membership_add_batch(
        group=group, emails=emails, source="pasted list", channel=Channel.UI, actor=org_admin
    )

    event = AuditEvent.objects.get(action="membership.batch_added")
    assert sentences.sentence(event).text == (
        "Ann Lee added 1 member to Editors from a pasted list of 5 entries (left out: 1 "
        "already a member, 1 unknown, 1 given twice and 1 not an email)"
    )


@pytest.mark.parametrize(
    ("source", "phrase"),
    [
        ("file members.csv", "from the file members.csv"),
        ("command file /tmp/new.csv", "from the file /tmp/new.csv"),
        ("api", "from a list"),
    ],
)
def test_membership_batch_added_names_its_source(organization, group, org_member, source, phrase):
    emails = bulk.EmailList.from_text(org_member.email)

    services.membership_add_batch(group=group, emails=emails, source=source, actor=None)

    event = AuditEvent.objects.get(action="membership.batch_added")
    assert sentences.sentence(event).text == (
        f"The system added 1 member to Editors {phrase} of 1 entry"
    )


def test_organization_seeded_reads_what_was_made(organization):
    audit_record(
        action="organization.seeded",
        organization=organization,
        target=organization,
        after={"users": 50000, "groups": 2002, "memberships": 1, "resources": 0},
        channel=Channel.COMMAND,
        actor=None,
    )

    event = AuditEvent.objects.get(action="organization.seeded")
    assert sentences.sentence(event).text == (
        "The system filled the organization Acme with generated data (50,000 users, "
        "2,002 groups, 1 membership and 0 resources)"
    )


@pytest.mark.parametrize(
    "action", ["group.restored", "group.purged", "membership.batch_added", "organization.seeded"]
)
def test_audit_log_filters_by_the_new_actions(client, organization, group, org_admin, action):
    audit_record(
        action=action,
        organization=organization,
        target=group,
        after={},
        channel=Channel.SYSTEM,
        actor=None,
    )
    client.force_login(org_admin)

    response = client.get(reverse("audit:audit_log", args=[organization.slug]), {"action": action})

    assert response.status_code == 200
    assert "Select a valid choice" not in response.content.decode()
    assert [entry.event.action for entry in response.context["log_page"].entries] == [action]
