"""The organization and user commands: create_organization, add_user, remove_user, demo."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import services as account_services
from accounts.models import Organization
from audit.models import AuditEvent
from groups import services as group_services
from groups.models import Group, GroupUserObjectPermission, Membership, Resource
from tests.helpers import group_names

from ..factories import UserFactory

User = get_user_model()


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def command_events(**filters):
    return AuditEvent.objects.filter(channel=AuditEvent.Channel.COMMAND, **filters)


# --- create_organization ------------------------------------------------------------------


def test_create_organization_creates_it_with_default_groups(db):
    out, _ = run("create_organization", "Initech")

    organization = Organization.objects.get(slug="initech")
    assert organization.name == "Initech"
    assert set(organization.groups.values_list("display_name", "kind")) == {
        ("Initech Administrators", "administrators"),
        ("Initech Users", "users"),
    }
    assert "Created organization “Initech” (slug: initech)" in out
    assert "“Initech Administrators” and “Initech Users”" in out
    assert "It has no administrator yet" in out
    event = command_events(action="organization.created").get()
    assert (event.organization, event.actor) == (organization, None)


def test_create_organization_uses_the_slug_given(db):
    out, _ = run("create_organization", "Initech Corp", "--slug", "initech")

    assert Organization.objects.get(slug="initech").name == "Initech Corp"
    assert "(slug: initech)" in out


def test_create_organization_makes_existing_user_its_admin(db):
    bill = UserFactory(email="bill@initech.example")

    out, _ = run("create_organization", "Initech", "--admin", "BILL@initech.example")

    organization = Organization.objects.get(slug="initech")
    assert group_names(bill, organization) == {"Initech Administrators", "Initech Users"}
    assert "bill@initech.example is an administrator of Initech." in out
    assert "Created user" not in out
    assert command_events(action="membership.added").count() == 2


def test_create_organization_creates_missing_admin_without_usable_password(db):
    out, _ = run("create_organization", "Initech", "--admin", "bill@initech.example")

    bill = User.objects.get(email="bill@initech.example")
    assert not bill.has_usable_password()
    assert group_names(bill, Organization.objects.get(slug="initech")) == {
        "Initech Administrators",
        "Initech Users",
    }
    assert "Created user bill@initech.example without a usable password" in out
    assert command_events(action="user.created", target_name="bill@initech.example").exists()


def test_create_organization_refuses_taken_slug_and_changes_nothing(organization):
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError, match="An organization with the slug “acme” already exists"):
        run("create_organization", "ACME")
    assert Organization.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_create_organization_with_invalid_admin_email_creates_nothing(db):
    with pytest.raises(CommandError, match="“not an email” is not a valid email address"):
        run("create_organization", "Initech", "--admin", "not an email")
    assert not Organization.objects.exists()
    assert not Group.objects.exists()
    assert not AuditEvent.objects.exists()


def test_create_organization_refuses_blank_name(db):
    with pytest.raises(CommandError, match="Name is required"):
        run("create_organization", "   ")
    assert not Organization.objects.exists()


# --- add_user -----------------------------------------------------------------------------


def test_add_user_creates_user_and_adds_them_to_users_group(organization):
    out, _ = run(
        "add_user", "acme", "Dee.Park@Example.com", "--first-name", "Dee", "--last-name", "Park",
        "--password", "a-long-enough-passphrase",
    )  # fmt: skip

    dee = User.objects.get(email="dee.park@example.com")
    assert (dee.first_name, dee.last_name) == ("Dee", "Park")
    assert dee.check_password("a-long-enough-passphrase")
    assert group_names(dee, organization) == {"Acme Users"}
    assert "Created user Dee Park <dee.park@example.com> (with the password given)." in out
    assert "Joined Acme: “Acme Users”." in out
    assert set(command_events().values_list("action", flat=True)) == {
        "user.created",
        "membership.added",
    }
    assert not command_events(actor__isnull=False).exists()


def test_add_user_with_admin_joins_both_default_groups(organization):
    out, _ = run("add_user", "acme", "dee@example.com", "--admin")

    dee = User.objects.get(email="dee@example.com")
    assert not dee.has_usable_password()
    assert group_names(dee, organization) == {"Acme Administrators", "Acme Users"}
    assert "(no usable password)" in out
    assert "Joined Acme: “Acme Users”, “Acme Administrators”." in out


def test_add_user_adds_existing_user_of_other_organization(organization, outsider):
    out, _ = run("add_user", "Acme", outsider.email)

    assert group_names(outsider, organization) == {"Acme Users"}
    assert f"Existing user Olga Ode <{outsider.email}>." in out


def test_add_user_already_member_changes_nothing(organization, org_member):
    events = AuditEvent.objects.count()

    out, err = run("add_user", "acme", org_member.email, "--first-name", "Robert")

    assert "Already a member of Acme: nothing changed." in out
    assert "Ignored --first-name" in err
    org_member.refresh_from_db()
    assert org_member.first_name == "Bo"
    assert AuditEvent.objects.count() == events


def test_add_user_promotes_existing_member_to_admin(organization, org_member):
    out, _ = run("add_user", "acme", org_member.email, "--admin")

    assert group_names(org_member, organization) == {"Acme Administrators", "Acme Users"}
    assert "Joined Acme: “Acme Administrators”." in out


def test_add_user_refuses_weak_password_and_creates_nobody(organization):
    with pytest.raises(CommandError, match="too short"):
        run("add_user", "acme", "dee@example.com", "--password", "abc")
    assert not User.objects.filter(email="dee@example.com").exists()
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_add_user_refuses_invalid_email(organization):
    users = User.objects.count()

    with pytest.raises(CommandError, match="“dee at example” is not a valid email address"):
        run("add_user", "acme", "dee at example")
    assert User.objects.count() == users


def test_add_user_refuses_deactivated_user(organization):
    dee = UserFactory(first_name="Dee", last_name="Park")
    account_services.user_set_active(user=dee, active=False, actor=None)

    with pytest.raises(CommandError, match="Dee Park is deactivated"):
        run("add_user", "acme", dee.email)
    assert group_names(dee, organization) == set()


def test_add_user_refuses_unknown_organization_and_creates_nobody(db):
    with pytest.raises(CommandError, match="No organization with the slug or name “nope”"):
        run("add_user", "nope", "dee@example.com")
    assert not User.objects.exists()


# --- remove_user --------------------------------------------------------------------------


def test_remove_user_leaves_every_group_and_right(organization, org_admin, group, group_manager):
    group_services.membership_add(group=group, users=[group_manager], actor=None)

    out, _ = run("remove_user", "acme", group_manager.email)

    assert group_names(group_manager, organization) == set()
    assert not GroupUserObjectPermission.objects.filter(user=group_manager).exists()
    assert f"Removed {group_manager.email} from Acme; they left “Editors”, “Acme Users”." in out
    assert command_events(action="membership.removed").count() == 2
    assert User.objects.filter(pk=group_manager.pk).exists()


def test_remove_user_refuses_last_admin_and_changes_nothing(organization, org_admin):
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError, match="would remove the last administrator"):
        run("remove_user", "acme", org_admin.email)
    assert group_names(org_admin, organization) == {"Acme Administrators", "Acme Users"}
    assert AuditEvent.objects.count() == events


def test_remove_user_removes_an_admin_who_is_not_the_last(organization, org_admin):
    second = UserFactory()
    run("add_user", "acme", second.email, "--admin")

    out, _ = run("remove_user", "acme", org_admin.email)

    assert group_names(org_admin, organization) == set()
    assert "they left “Acme Administrators”, “Acme Users”." in out


def test_remove_user_of_non_member_changes_nothing(organization, org_admin, outsider):
    out, _ = run("remove_user", "acme", outsider.email)

    assert f"{outsider.email} was not a member of Acme: nothing changed." in out
    assert not command_events().exists()


def test_remove_user_refuses_unknown_email(organization, org_admin):
    with pytest.raises(CommandError, match="No user with the email ghost@example"):
        run("remove_user", "acme", "ghost@example.com")


# --- demo ---------------------------------------------------------------------------------


def counts() -> dict:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "memberships": Membership.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "rights": GroupUserObjectPermission.objects.count(),
    }


def test_demo_creates_acme_and_globex(db):
    out, _ = run("demo")

    acme = Organization.objects.get(slug="acme")
    ann = User.objects.get(email="ann.lee@acme.example")
    assert ann.display_name == "Ann Lee"
    assert ann.check_password("demo-password-2026")
    assert not ann.is_staff and not ann.is_superuser
    operator = User.objects.get(email="operator@example.com")
    assert operator.is_staff and operator.is_superuser
    assert operator.check_password("demo-password-2026")
    assert group_names(ann, acme) == {"Acme Administrators", "Acme Users"}
    acme_users = User.objects.filter(groups__group__organization=acme, groups__group__kind="users")
    assert 35 <= acme_users.count() <= 45
    assert all(user.check_password("demo-password-2026") for user in acme_users)
    assert acme_users.filter(email__icontains="joh").count() >= 3
    assert User.objects.get(email="zoe.muller@acme.example").get_full_name() == "Zoë Müller"
    assert User.objects.get(email="jose.alvarez@acme.example").get_full_name() == "José Álvarez"
    custom = Group.objects.filter(organization=acme, kind="custom")
    assert set(custom.values_list("display_name", flat=True)) == {
        "Editors",
        "Sales EMEA",
        "Support",
        "Engineering",
        "Marketing",
    }
    for group in custom:
        assert group.description
        assert group.created_by == ann
        assert 2 <= group.user_set.count() <= 8
    globex = Organization.objects.get(slug="globex")
    assert User.objects.filter(groups__group__organization=globex).distinct().count() == 3
    assert not AuditEvent.objects.exclude(channel="system").exists()
    assert "Log in at http://127.0.0.1:8000/\n" in out
    assert "email:    ann.lee@acme.example" in out
    assert "password: demo-password-2026" in out


def test_demo_sets_up_access_to_a_marketing_folder(db):
    run("demo")
    acme = Organization.objects.get(slug="acme")
    newsletter = Resource.objects.get(organization=acme, type="WORKFLOW_DEF", key="newsletter")
    assert newsletter.folder.ref == "folder:marketing"
    editor = next(iter(Group.objects.get(organization=acme, display_name="Editors").user_set.all()))
    editor = User.objects.get(pk=editor.pk)
    assert editor.has_perm("groups.access_update", newsletter)
    assert editor.has_perm("groups.access_execute", newsletter)  # through Marketing


def test_demo_run_twice_changes_nothing(db):
    run("demo")
    before = counts()

    out, _ = run("demo")

    assert counts() == before
    assert "Demo data already there: nothing changed." in out
    assert "password: demo-password-2026" in out


def test_demo_keeps_a_password_changed_since(db):
    run("demo")
    ann = User.objects.get(email="ann.lee@acme.example")
    ann.set_password("another-passphrase-2026")
    ann.save()

    run("demo")

    ann.refresh_from_db()
    assert ann.check_password("another-passphrase-2026")


def test_demo_completes_what_is_missing(db):
    run("demo")
    before = counts()
    acme = Organization.objects.get(slug="acme")
    group_services.group_delete(group=Group.objects.get(slug="support"), actor=None)
    john = User.objects.get(email="john.smith@acme.example")
    account_services.organization_user_remove(organization=acme, user=john, actor=None)

    out, _ = run("demo")

    assert Group.objects.filter(organization=acme, display_name="Support").exists()
    # Editors is nested in Marketing in the demo, so John is in Marketing through Editors.
    assert group_names(john, acme) == {"Acme Users", "Editors", "Marketing"}
    assert "Demo data created: 1 group, 6 memberships." in out
    assert {k: v for k, v in counts().items() if k != "audit events"} == {
        k: v for k, v in before.items() if k != "audit events"
    }
