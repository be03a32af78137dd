"""The access commands: grant, revoke, check_access and resources."""

from contextlib import contextmanager
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from accounts.models import OrganizationUserObjectPermission
from audit.models import AuditEvent
from groups import explain, resource_types, services
from groups.models import (
    Grant,
    Resource,
    ResourceGroupObjectPermission,
    ResourceUserObjectPermission,
)
from groups.services import grants
from tests.conftest import make_member
from tests.helpers import changes_nothing, run

User = get_user_model()
COMMANDS = ["grant", "revoke", "check_access", "resources"]
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


# --- helpers ------------------------------------------------------------------------------


def answer(*args) -> tuple[str, int]:
    """check_access's output and exit code."""
    out = StringIO()
    try:
        call_command("check_access", *args, stdout=out, stderr=StringIO(), no_color=True)
    except SystemExit as exit_:
        return out.getvalue(), exit_.code
    return out.getvalue(), 0


def resource(organization, ref, *, folder=None, name="") -> Resource:
    kind, key = ref.split(":", 1)
    return grants.resource_create(
        organization=organization, type=kind, key=key, name=name, folder=folder, actor=None
    )


def state() -> dict:
    """What a refused command must leave exactly as it was."""
    return {
        "resources": set(Resource.objects.values_list("pk", "type", "key", "folder_id")),
        "grants": {
            (
                g.subject_user_id,
                g.subject_group_id,
                g.resource_id,
                g.permission_set_id,
                *g.access_types,
            )
            for g in Grant.objects.all()
        },
        "rows": (
            ResourceUserObjectPermission.objects.count(),
            ResourceGroupObjectPermission.objects.count(),
            OrganizationUserObjectPermission.objects.count(),
        ),
        "audit_events": AuditEvent.objects.count(),
    }


@contextmanager
def refused(match: str):
    with changes_nothing(state), pytest.raises(CommandError, match=match):
        yield


def may(user, access_type, target) -> bool:
    return explain.can(User.objects.get(pk=user.pk), access_type, target)


@pytest.fixture
def checkout(organization):
    """WORKFLOW_DEF:checkout, a resource of Acme."""
    return resource(organization, "WORKFLOW_DEF:checkout")


@pytest.fixture
def marketing(organization):
    """folder:marketing, a folder of Acme."""
    return resource(organization, "folder:marketing", name="Marketing")


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, dee@example.com.
    return make_member(organization, first_name="Dee", last_name="Park", email="dee@example.com")


@pytest.fixture
def read_only_type():
    """report: a resource type that supports READ only; unregistered afterwards."""
    resource_types.register("report", "Report", ["READ"])
    yield
    resource_types.REGISTRY.pop("report", None)


# --- grant --------------------------------------------------------------------------------


def test_grant_gives_a_group_access_types_on_a_resource(organization, group, dee, checkout):
    services.membership_add(group=group, users=[dee], actor=None)

    output = run(
        "grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "read,EXECUTE"
    )

    assert output == "group “Editors” now has READ, EXECUTE on WORKFLOW_DEF:checkout.\n"
    assert Grant.objects.get().access_types == ["READ", "EXECUTE"]
    assert User.objects.get(pk=dee.pk).has_perm("groups.access_read", checkout)
    assert may(dee, "EXECUTE", checkout)
    event = AuditEvent.objects.get(action="grant.added")
    assert (event.channel, event.actor) == ("command", None)


def test_grant_finds_the_group_by_slug_and_merges_access_types(group, checkout):
    run("grant", "acme", "group:editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    output = run("grant", "Acme", "group:editors", "WORKFLOW_DEF:checkout", "--access", "UPDATE")

    assert output == "group “Editors” now has READ, UPDATE on WORKFLOW_DEF:checkout.\n"
    assert Grant.objects.get().access_types == ["READ", "UPDATE"]


def test_grant_of_access_already_held_says_nothing_changed(group, checkout):
    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ,UPDATE")
    events = AuditEvent.objects.count()

    output = run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    assert output == (
        "group “Editors” already had READ, UPDATE on WORKFLOW_DEF:checkout: nothing changed.\n"
    )
    assert AuditEvent.objects.count() == events


def test_grant_gives_a_user_a_permission_set_on_the_organization(organization, dee, checkout):
    output = run("grant", "acme", "user:DEE@example.com", "org", "--permission-set", "read only")

    assert output == "Dee Park <dee@example.com> now has permission set “Read only” on Acme.\n"
    grant = Grant.objects.get()
    assert (grant.subject_user, grant.resource, grant.permission_set.key) == (
        dee,
        None,
        "read-only",
    )
    assert may(dee, "READ", checkout)
    assert not may(dee, "UPDATE", checkout)

    again = run("grant", "acme", "user:dee@example.com", "org", "--permission-set", "read-only")
    assert again.endswith("already had permission set “Read only” on Acme: nothing changed.\n")


def test_grant_with_an_organizations_own_permission_set(organization, group, checkout):
    services.permission_set_create(
        organization=organization, name="Runner", permissions=["access_execute"], actor=None
    )

    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--permission-set", "runner")

    assert Grant.objects.get().permission_set.name == "Runner"


def test_grant_create_registers_the_resource_and_grants_in_one_go(organization, group, dee):
    services.membership_add(group=group, users=[dee], actor=None)

    output = run(
        "grant", "acme", "group:Editors", "WORKFLOW_DEF:refund", "--access", "READ", "--create"
    )

    assert output.splitlines() == [
        "Registered resource WORKFLOW_DEF:refund.",
        "group “Editors” now has READ on WORKFLOW_DEF:refund.",
    ]
    refund = Resource.objects.get(organization=organization, type="WORKFLOW_DEF", key="refund")
    assert may(dee, "READ", refund)
    assert list(
        AuditEvent.objects.filter(channel="command").order_by("pk").values_list("action", flat=True)
    ) == ["resource.created", "grant.added"]


def test_grant_create_puts_the_resource_in_a_folder(organization, group, dee, marketing):
    services.membership_add(group=group, users=[dee], actor=None)
    run("grant", "acme", "group:Editors", "folder:marketing", "--access", "UPDATE")

    output = run(
        "grant",
        "acme",
        "user:dee@example.com",
        "TASK_DEF:banner",
        "--access",
        "READ",
        "--create",
        "--folder",
        "folder:marketing",
    )

    assert (
        output.splitlines()[0] == "Registered resource TASK_DEF:banner in folder folder:marketing."
    )
    banner = Resource.objects.get(key="banner")
    assert banner.folder == marketing
    assert may(dee, "UPDATE", banner)  # through Editors' grant on the folder
    assert may(dee, "READ", banner)  # through the new grant


def test_grant_create_of_an_existing_resource_just_grants(group, checkout):
    output = run(
        "grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ", "--create"
    )

    assert output == "group “Editors” now has READ on WORKFLOW_DEF:checkout.\n"
    assert Resource.objects.count() == 1


# --- grant: refusals ----------------------------------------------------------------------


def test_grant_refuses_a_subject_that_is_not_user_or_group(group, checkout):
    with refused("not a subject"):
        run("grant", "acme", "team:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")
    with refused("not a subject"):
        run("grant", "acme", "Editors", "WORKFLOW_DEF:checkout", "--access", "READ")


def test_grant_refuses_unknown_user_and_group(group, checkout):
    with refused("No user with the email nobody@example.com"):
        run("grant", "acme", "user:nobody@example.com", "org", "--access", "READ")
    with refused("No group named “Ghosts”"):
        run("grant", "acme", "group:Ghosts", "org", "--access", "READ")


def test_grant_refuses_subjects_of_another_organization(other_organization, outsider, checkout):
    services.group_create(organization=other_organization, display_name="Spies", actor=None)

    with refused("not in Acme"):
        run("grant", "acme", f"user:{outsider.email}", "WORKFLOW_DEF:checkout", "--access", "READ")
    with refused("No group named “Spies”"):
        run("grant", "acme", "group:Spies", "WORKFLOW_DEF:checkout", "--access", "READ")


def test_grant_refuses_a_resource_of_another_organization(other_organization, group):
    resource(other_organization, "WORKFLOW_DEF:secret")

    with refused("No resource WORKFLOW_DEF:secret in Acme: add --create"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:secret", "--access", "READ")


def test_grant_refuses_an_unknown_target(group):
    with refused("No resource WORKFLOW_DEF:nope in Acme: add --create to register it"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:nope", "--access", "READ")
    with refused("not a target"):
        run("grant", "acme", "group:Editors", "checkout", "--access", "READ")
    with refused("not a target"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:", "--access", "READ")


def test_grant_create_refuses_an_unknown_resource_type_and_creates_nothing(group):
    with refused("Unknown resource type “SPACESHIP”"):
        run("grant", "acme", "group:Editors", "SPACESHIP:x", "--access", "READ", "--create")


def test_grant_create_refusing_the_grant_creates_no_resource(group):
    with refused("got FLY"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:new", "--access", "FLY", "--create")


def test_grant_refuses_unknown_permission_set_and_access_type(
    organization, other_organization, group, checkout
):
    services.permission_set_create(
        organization=other_organization, name="Theirs", permissions=["access_read"], actor=None
    )

    with refused("No permission set named “Theirs” in Acme"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--permission-set", "Theirs")
    with refused("got FLY"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ,FLY")
    with refused("got none"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", ",")


def test_grant_refuses_access_types_the_resource_type_does_not_support(
    organization, group, read_only_type
):
    resource(organization, "report:sales")

    with refused("report does not support UPDATE"):
        run("grant", "acme", "group:Editors", "report:sales", "--access", "READ,UPDATE")


def test_grant_refuses_both_or_neither_of_permission_set_and_access(group, checkout):
    with refused("one of the arguments --permission-set --access is required"):
        run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout")
    with refused("not allowed with argument"):
        run(
            "grant",
            "acme",
            "group:Editors",
            "WORKFLOW_DEF:checkout",
            "--access",
            "READ",
            "--permission-set",
            "Read only",
        )


def test_grant_refuses_folder_misuse(organization, group, checkout, marketing):
    with refused("--folder only applies with --create"):
        run(
            "grant",
            "acme",
            "group:Editors",
            "TASK_DEF:x",
            "--access",
            "READ",
            "--folder",
            "folder:marketing",
        )
    with refused("No folder folder:nope in Acme"):
        run(
            "grant",
            "acme",
            "group:Editors",
            "TASK_DEF:x",
            "--access",
            "READ",
            "--create",
            "--folder",
            "folder:nope",
        )
    with refused("not a folder"):
        run(
            "grant",
            "acme",
            "group:Editors",
            "TASK_DEF:x",
            "--access",
            "READ",
            "--create",
            "--folder",
            "WORKFLOW_DEF:checkout",
        )
    with refused("WORKFLOW_DEF:checkout already exists, in no folder"):
        run(
            "grant",
            "acme",
            "group:Editors",
            "WORKFLOW_DEF:checkout",
            "--access",
            "READ",
            "--create",
            "--folder",
            "folder:marketing",
        )
    with refused("--create applies to a resource"):
        run("grant", "acme", "group:Editors", "org", "--access", "READ", "--create")


def test_grant_refuses_an_unknown_organization(group):
    with refused("No organization with the slug or name “Initech”"):
        run("grant", "Initech", "group:Editors", "org", "--access", "READ")


# --- revoke -------------------------------------------------------------------------------


def test_revoke_takes_away_some_access_types(group, dee, checkout):
    services.membership_add(group=group, users=[dee], actor=None)
    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ,EXECUTE")

    output = run("revoke", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "execute")

    assert output == "Revoked EXECUTE from group “Editors” on WORKFLOW_DEF:checkout.\n"
    assert Grant.objects.get().access_types == ["READ"]
    assert may(dee, "READ", checkout)
    assert not may(dee, "EXECUTE", checkout)
    event = AuditEvent.objects.get(action="grant.removed")
    assert (event.channel, event.actor) == ("command", None)


def test_revoke_of_the_last_access_type_deletes_the_grant(group, dee, checkout):
    services.membership_add(group=group, users=[dee], actor=None)
    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    run("revoke", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    assert not Grant.objects.exists()
    assert not may(dee, "READ", checkout)


def test_revoke_a_permission_set_on_the_organization(organization, dee, checkout):
    run("grant", "acme", "user:dee@example.com", "org", "--permission-set", "Read only")

    output = run("revoke", "acme", "user:dee@example.com", "org", "--permission-set", "Read only")

    assert output == "Revoked permission set “Read only” from Dee Park <dee@example.com> on Acme.\n"
    assert not Grant.objects.exists()
    assert not may(dee, "READ", checkout)


def test_revoke_of_a_grant_not_held_says_nothing_changed(group, checkout):
    with changes_nothing(state):
        output = run("revoke", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    assert output == (
        "group “Editors” had no grant of READ on WORKFLOW_DEF:checkout: nothing changed.\n"
    )


def test_revoke_refuses_unknown_subject_target_and_permission_set(group, checkout):
    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    with refused("No group named “Ghosts”"):
        run("revoke", "acme", "group:Ghosts", "WORKFLOW_DEF:checkout", "--access", "READ")
    with refused("No resource WORKFLOW_DEF:nope in Acme"):
        run("revoke", "acme", "group:Editors", "WORKFLOW_DEF:nope", "--access", "READ")
    with refused("No permission set named “Nope”"):
        run("revoke", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--permission-set", "Nope")
    with refused("got FLY"):
        run("revoke", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "FLY")


def test_revoke_refuses_a_user_of_another_organization(outsider, group, checkout):
    with refused("not in Acme"):
        run("revoke", "acme", f"user:{outsider.email}", "WORKFLOW_DEF:checkout", "--access", "READ")


# --- check_access -------------------------------------------------------------------------


def test_check_access_says_yes_and_exits_0(group, dee, checkout):
    services.membership_add(group=group, users=[dee], actor=None)
    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    assert answer("acme", "dee@example.com", "read", "WORKFLOW_DEF:checkout") == ("yes\n", 0)


def test_check_access_says_no_and_exits_1(group, dee, checkout):
    run("grant", "acme", "group:Editors", "WORKFLOW_DEF:checkout", "--access", "READ")

    assert answer("acme", "dee@example.com", "READ", "WORKFLOW_DEF:checkout") == ("no\n", 1)


def test_check_access_explain_prints_each_path_and_what_would_cut_it(
    organization, group, dee, marketing
):
    emea = services.group_create(organization=organization, display_name="EMEA", actor=None)
    services.member_group_add(parent=group, child=emea, actor=None)
    services.membership_add(group=emea, users=[dee], actor=None)
    video = resource(organization, "WORKFLOW_DEF:video", name="Training video", folder=marketing)
    grants.grant_add(
        organization=organization,
        subject=group,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )
    grants.grant_add(
        organization=organization, subject=dee, target=video, access_types=["READ"], actor=None
    )

    output, code = answer("acme", "dee@example.com", "READ", "WORKFLOW_DEF:video", "--explain")

    assert code == 0
    assert output.splitlines()[0] == "yes"
    assert (
        "Dee Park → EMEA → Editors → grant READ on folder Marketing → contains Training video"
        in output
    )
    assert "Dee Park → grant READ on Training video" in output
    for cut in (
        "   cut by: remove Dee Park from EMEA",
        "   cut by: take EMEA out of Editors",
        "   cut by: revoke the grant “Editors may READ on Marketing”",
        "   cut by: revoke the grant “Dee Park may READ on Training video”",
    ):
        assert cut in output.splitlines()


def test_check_access_explain_for_someone_without_access(dee, checkout):
    output, code = answer("acme", "dee@example.com", "UPDATE", "WORKFLOW_DEF:checkout", "--explain")

    assert (output, code) == ("no\nNo path gives Dee Park UPDATE on WORKFLOW_DEF:checkout.\n", 1)


def test_check_access_on_the_organization_for_an_admin(org_admin):
    output, code = answer("acme", org_admin.email, "DELETE", "org", "--explain")

    assert code == 0
    assert output.splitlines() == [
        "yes",
        "1. Ann Lee → Acme Administrators → role Administrator on Acme",
        "   cut by: remove Ann Lee from Acme Administrators",
    ]


def test_check_access_refuses_unknown_access_type_user_and_target(dee, checkout):
    with refused("“FLY” is not an access type"):
        answer("acme", "dee@example.com", "FLY", "WORKFLOW_DEF:checkout")
    with refused("No user with the email ghost@example.com"):
        answer("acme", "ghost@example.com", "READ", "WORKFLOW_DEF:checkout")
    with refused("No resource WORKFLOW_DEF:nope in Acme"):
        answer("acme", "dee@example.com", "READ", "WORKFLOW_DEF:nope")


# --- resources ----------------------------------------------------------------------------


def test_resources_lists_each_resource_with_its_folder_and_grants(
    organization, other_organization, group, checkout, marketing
):
    resource(organization, "TASK_DEF:banner", name="Banner", folder=marketing)
    resource(other_organization, "WORKFLOW_DEF:theirs")
    run("grant", "acme", "group:Editors", "folder:marketing", "--access", "READ")

    lines = run("resources", "acme").splitlines()

    assert [line.split() for line in lines] == [
        ["RESOURCE", "NAME", "FOLDER", "GRANTS"],
        ["TASK_DEF:banner", "Banner", "folder:marketing", "0"],
        ["WORKFLOW_DEF:checkout", "0"],
        ["folder:marketing", "Marketing", "1"],
    ]
    assert len({len(line) for line in lines}) == 1  # GRANTS is right-aligned


def test_resources_of_an_organization_without_any(organization):
    assert run("resources", "acme") == "Acme has no resources.\n"


# --- every command ------------------------------------------------------------------------


def test_access_commands_are_installed_with_help():
    for name in COMMANDS:
        assert get_commands()[name] == "groups"
        command = load_command_class("groups", name)
        parser = command.create_parser("manage.py", name)
        assert len(command.help) > 40
        own = [action for action in parser._actions if action.dest not in BASE_OPTIONS]
        assert all(action.help for action in own), [a.dest for a in own if not a.help]


def test_grant_prefers_a_permission_sets_name_over_a_default_sets_key(organization, group):
    own = services.permission_set_create(
        organization=organization, name="read-only", permissions=["access_execute"], actor=None
    )

    run("grant", "acme", "group:Editors", "org", "--permission-set", "READ-ONLY")

    assert Grant.objects.get().permission_set == own
