"""Deleted groups in the Django admin: read-only, restored by an action through the service."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from groups import services
from groups.models import DeletedGroup, Group
from tests.factories import UserFactory


@pytest.fixture
def operator(db):
    # Otto Op: a superuser who runs the installation from the Django admin.
    return UserFactory(first_name="Otto", last_name="Op", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def deleted(group, org_member):
    services.membership_add(group=group, users=[org_member], actor=None)
    services.group_delete(group=group, actor=None)
    return DeletedGroup.objects.get()


def test_deleted_groups_are_listed_and_cannot_be_added_changed_or_deleted(admin_client, deleted):
    changelist = reverse("admin:groups_deletedgroup_changelist")
    change = reverse("admin:groups_deletedgroup_change", args=[deleted.pk])

    assert "Editors" in admin_client.get(changelist).content.decode()
    assert admin_client.get(reverse("admin:groups_deletedgroup_add")).status_code == 403
    assert admin_client.post(change, {"display_name": "Hacked"}).status_code == 403
    delete = reverse("admin:groups_deletedgroup_delete", args=[deleted.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert DeletedGroup.objects.get().display_name == "Editors"


def test_the_restore_action_restores_through_the_service(
    admin_client, deleted, org_member, operator
):
    response = admin_client.post(
        reverse("admin:groups_deletedgroup_changelist"),
        {"action": "restore", "_selected_action": [deleted.pk]},
        follow=True,
    )

    assert "Restored Editors in Acme." in response.content.decode()
    assert Group.objects.filter(public_id=deleted.public_id, user=org_member).exists()
    event = AuditEvent.objects.get(action="group.restored")
    assert (event.channel, event.actor) == ("admin", operator)


def test_the_restore_action_refuses_a_group_past_its_purge_date(admin_client, deleted):
    DeletedGroup.objects.update(deleted_at=timezone.now() - timedelta(days=31))

    response = admin_client.post(
        reverse("admin:groups_deletedgroup_changelist"),
        {"action": "restore", "_selected_action": [deleted.pk]},
        follow=True,
    )

    assert "Editors: “Editors” was deleted on" in html.unescape(response.content.decode())
    assert not Group.objects.filter(public_id=deleted.public_id).exists()
    assert not AuditEvent.objects.filter(action="group.restored").exists()
