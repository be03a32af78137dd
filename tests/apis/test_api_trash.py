"""The API's deleted groups: list, read (with what a restore would do), restore."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from groups import services
from groups.models import DeletedGroup, Group

from .api_helpers import JSON, api_url, error_of, group_url, query_count


def deleted_url(public_id, suffix="", organization_slug="acme"):
    return api_url(f"deleted-groups/{public_id}{suffix}", organization_slug)


@pytest.fixture
def deleted(organization, org_admin, group, org_member):
    """Editors, with Bo in it, deleted by Ann."""
    services.membership_add(group=group, users=[org_member], actor=org_admin)
    services.group_delete(group=group, actor=org_admin)
    return DeletedGroup.objects.get(public_id=group.public_id)


def test_deleted_groups_list(admin_api, deleted, org_admin):
    response = admin_api.get(api_url("deleted-groups"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meta"]["total"] == 1
    [item] = body["data"]
    assert item["id"] == str(deleted.public_id)
    assert (item["name"], item["memberCount"], item["daysLeft"]) == ("Editors", 1, 30)
    assert item["deletedBy"]["id"] == str(org_admin.public_id)


def test_deleted_groups_list_queries_do_not_grow_with_rows(admin_api, organization, deleted):
    one, _ = query_count(admin_api, api_url("deleted-groups"))
    for n in range(19):
        team = services.group_create(organization=organization, display_name=f"T{n}", actor=None)
        services.group_delete(group=team, actor=None)

    twenty, body = query_count(admin_api, api_url("deleted-groups"))

    assert len(body["data"]) == 20
    assert twenty == one


def test_deleted_groups_list_is_403_without_delete_groups(member_api, manager_api, deleted):
    error_of(member_api.get(api_url("deleted-groups")), 403)
    error_of(manager_api.get(api_url("deleted-groups")), 403)


def test_deleted_groups_of_another_organization_are_404(outsider_api, deleted):
    error_of(outsider_api.get(api_url("deleted-groups")), 404)
    error_of(outsider_api.post(deleted_url(deleted.public_id, "/restore")), 404)
    assert DeletedGroup.objects.exists()


def test_deleted_groups_get_says_what_a_restore_would_do(admin_api, organization, deleted):
    services.group_create(organization=organization, display_name="Editors", actor=None)

    body = admin_api.get(deleted_url(deleted.public_id)).json()

    assert body["restoreAs"] == "Editors (restored)"
    assert body["wouldRestore"]["members"] == 1
    assert body["notRestorable"] == []


def test_deleted_groups_get_of_an_unknown_id_is_404(admin_api, deleted):
    error_of(admin_api.get(deleted_url(uuid.uuid4())), 404)
    error_of(admin_api.get(deleted_url("not-a-uuid")), 404)


def test_deleted_groups_restore(admin_api, org_admin, org_member, deleted):
    response = admin_api.post(deleted_url(deleted.public_id, "/restore"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["group"]["id"] == str(deleted.public_id)
    assert body["group"]["memberCount"] == 1
    assert body["restored"]["members"] == 1
    assert body["notRestored"] == []
    assert Group.objects.filter(public_id=deleted.public_id, user=org_member).exists()
    event = AuditEvent.objects.get(action="group.restored")
    assert (event.channel, event.actor) == ("api", org_admin)
    assert (
        admin_api.get(group_url(Group.objects.get(public_id=deleted.public_id))).status_code == 200
    )
    error_of(admin_api.post(deleted_url(deleted.public_id, "/restore")), 404)


def test_deleted_groups_restore_under_a_new_name(admin_api, organization, deleted):
    services.group_create(organization=organization, display_name="Editors", actor=None)

    response = admin_api.post(
        deleted_url(deleted.public_id, "/restore"), {"name": "Editors 2"}, content_type=JSON
    )

    assert response.status_code == 201, response.content
    assert response.json()["group"]["name"] == "Editors 2"


def test_deleted_groups_restore_refuses_a_taken_name(admin_api, organization, deleted):
    services.group_create(organization=organization, display_name="Writers", actor=None)

    body = error_of(
        admin_api.post(
            deleted_url(deleted.public_id, "/restore"), {"name": "Writers"}, content_type=JSON
        ),
        400,
    )

    assert "name" in body["details"]
    assert DeletedGroup.objects.exists()


def test_deleted_groups_restore_refuses_a_group_past_its_purge_date(admin_api, deleted):
    DeletedGroup.objects.update(deleted_at=timezone.now() - timedelta(days=31))

    body = error_of(admin_api.post(deleted_url(deleted.public_id, "/restore")), 409)

    assert "can no longer be restored" in body["message"]
    assert DeletedGroup.objects.exists()
    assert not Group.objects.filter(public_id=deleted.public_id).exists()


def test_deleted_groups_restore_refuses_unknown_fields(admin_api, deleted):
    error_of(
        admin_api.post(
            deleted_url(deleted.public_id, "/restore"), {"nmae": "x"}, content_type=JSON
        ),
        400,
    )
    assert DeletedGroup.objects.exists()


def test_deleted_groups_restore_is_403_without_delete_groups(member_api, deleted):
    error_of(member_api.post(deleted_url(deleted.public_id, "/restore")), 403)
    assert DeletedGroup.objects.exists()
