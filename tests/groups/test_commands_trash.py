"""purge_deleted_groups and restore_group."""

from datetime import timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import AuditEvent
from groups import services
from groups.models import DeletedGroup, Group
from tests.helpers import run


@pytest.fixture
def deleted(organization, org_member, group):
    """Editors, with Bo in it, deleted by the system."""
    services.membership_add(group=group, users=[org_member], actor=None)
    services.group_delete(group=group, actor=None)
    return DeletedGroup.objects.get(public_id=group.public_id)


def age(deleted, days):
    DeletedGroup.objects.filter(pk=deleted.pk).update(
        deleted_at=timezone.now() - timedelta(days=days)
    )


# --- purge_deleted_groups ---------------------------------------------------------------------


def test_purge_deleted_groups_removes_those_older_than_30_days(organization, deleted):
    young = services.group_create(organization=organization, display_name="Young", actor=None)
    services.group_delete(group=young, actor=None)
    age(deleted, 31)

    output = run("purge_deleted_groups")

    assert "acme: Editors (deleted" in output
    assert "Removed 1 deleted group for good." in output
    assert list(DeletedGroup.objects.values_list("display_name", flat=True)) == ["Young"]
    event = AuditEvent.objects.get(action="group.purged")
    assert (event.channel, event.actor, event.target_id) == (
        "command",
        None,
        str(deleted.public_id),
    )


def test_purge_deleted_groups_keeps_the_30th_day(deleted):
    age(deleted, 29)

    assert "Removed 0 deleted groups for good." in run("purge_deleted_groups")
    assert DeletedGroup.objects.exists()


def test_purge_deleted_groups_with_days(deleted):
    age(deleted, 8)

    run("purge_deleted_groups", "--days", "7")

    assert not DeletedGroup.objects.exists()


def test_purge_deleted_groups_dry_run_changes_nothing(deleted):
    age(deleted, 40)

    output = run("purge_deleted_groups", "--dry-run")

    assert "Would remove 1 deleted group for good. Dry run: nothing was changed." in output
    assert DeletedGroup.objects.exists()
    assert not AuditEvent.objects.filter(action="group.purged").exists()


def test_purge_deleted_groups_of_one_organization(organization, other_organization, deleted):
    globex = services.group_create(
        organization=other_organization, display_name="Globex team", actor=None
    )
    services.group_delete(group=globex, actor=None)
    DeletedGroup.objects.update(deleted_at=timezone.now() - timedelta(days=40))

    run("purge_deleted_groups", "--organization", "globex")

    assert list(DeletedGroup.objects.values_list("display_name", flat=True)) == ["Editors"]


def test_purge_deleted_groups_refuses_negative_days(db):
    with pytest.raises(CommandError, match="negative"):
        run("purge_deleted_groups", "--days", "-1")


# --- restore_group ----------------------------------------------------------------------------


def test_restore_group_by_name(organization, org_member, deleted):
    output = run("restore_group", "acme", "editors")

    group = Group.objects.get(public_id=deleted.public_id)
    assert Group.objects.filter(pk=group.pk, user=org_member).exists()
    assert "Restored “Editors” of Acme (1 member, 0 member groups" in output
    event = AuditEvent.objects.get(action="group.restored")
    assert event.channel == "command"


def test_restore_group_by_id_under_a_new_name(organization, deleted):
    services.group_create(organization=organization, display_name="Editors", actor=None)

    output = run("restore_group", "acme", str(deleted.public_id), "--name", "Old Editors")

    assert "Restored “Old Editors”" in output
    assert Group.objects.get(public_id=deleted.public_id).display_name == "Old Editors"


def test_restore_group_dry_run_says_what_would_not_come_back(
    organization, org_admin, org_member, deleted
):
    from accounts import services as account_services

    account_services.organization_user_remove(
        organization=organization, user=org_member, actor=None
    )

    output = run("restore_group", "acme", "Editors", "--dry-run")

    assert "not restored: Member Bo Chen" in output
    assert "Would restore “Editors” of Acme (0 members" in output
    assert not Group.objects.filter(public_id=deleted.public_id).exists()
    assert DeletedGroup.objects.exists()


def test_restore_group_refuses_a_group_past_its_purge_date(deleted):
    age(deleted, 31)

    for extra in ([], ["--dry-run"]):
        with pytest.raises(CommandError, match="can no longer be restored"):
            run("restore_group", "acme", "Editors", *extra)
    assert DeletedGroup.objects.exists()
    assert not AuditEvent.objects.filter(action="group.restored").exists()


def test_restore_group_refuses_an_unknown_name(deleted):
    with pytest.raises(CommandError, match="No deleted group named “Nope”"):
        run("restore_group", "acme", "Nope")


def test_restore_group_refuses_a_taken_new_name(organization, deleted):
    services.group_create(organization=organization, display_name="Writers", actor=None)

    with pytest.raises(CommandError, match="already exists"):
        run("restore_group", "acme", "Editors", "--name", "Writers")
    assert DeletedGroup.objects.exists()


def test_restore_group_asks_for_an_id_when_the_name_is_ambiguous(organization, deleted):
    again = services.group_create(organization=organization, display_name="Editors", actor=None)
    services.group_delete(group=again, actor=None)

    with pytest.raises(CommandError, match="matches several deleted groups"):
        run("restore_group", "acme", "Editors")
