"""The Deleted groups page and Restore (groups/views/deleted.py)."""

import html
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from groups import services
from groups.models import DeletedGroup, Group
from tests.conftest import make_member
from tests.helpers import messages_of

HTMX = {"HX-Request": "true"}


def list_url(organization):
    return reverse("groups:deleted_group_list", args=[organization.slug])


def restore_url(deleted):
    return reverse(
        "groups:deleted_group_restore", args=[deleted.organization.slug, deleted.public_id]
    )


@pytest.fixture
def deleted(organization, org_admin, group, org_member):
    """Editors, with Bo in it, deleted by Ann."""
    services.membership_add(group=group, users=[org_member], actor=org_admin)
    services.group_delete(group=group, actor=org_admin)
    return DeletedGroup.objects.get(public_id=group.public_id)


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("org_member", 403), ("group_manager", 403)]
)
def test_deleted_group_list_refuses_who_may_not_restore(
    client, request, organization, group_manager, deleted, persona, status
):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(list_url(organization)).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("org_member", 403), ("group_manager", 403)]
)
def test_deleted_group_restore_refuses_who_may_not_restore(
    client, request, group_manager, deleted, persona, status
):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(restore_url(deleted)).status_code == status
    assert client.post(restore_url(deleted)).status_code == status
    assert DeletedGroup.objects.filter(pk=deleted.pk).exists()


def test_deleted_group_list_needs_a_login(client, organization):
    response = client.get(list_url(organization))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deleted_group_restore_of_an_unknown_or_foreign_id_is_a_404(
    admin_client, organization, other_organization, deleted
):
    unknown = reverse("groups:deleted_group_restore", args=[organization.slug, uuid.uuid4()])
    globex = services.group_create(
        organization=other_organization, display_name="Globex team", actor=None
    )
    services.group_delete(group=globex, actor=None)
    foreign = reverse("groups:deleted_group_restore", args=[organization.slug, globex.public_id])

    assert admin_client.get(unknown).status_code == 404
    assert admin_client.get(foreign).status_code == 404
    assert admin_client.post(foreign).status_code == 404
    assert DeletedGroup.objects.filter(public_id=globex.public_id).exists()


# --- the list -------------------------------------------------------------------------------


def test_deleted_group_list_shows_name_when_by_members_and_days_left(
    admin_client, organization, deleted
):
    response = admin_client.get(list_url(organization))

    body = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="deleted-heading">Deleted groups</h1>' in body
    assert "Editors" in body and "by Ann Lee" in body
    assert '<td class="num">1</td>' in body  # members
    assert '<td class="num">30</td>' in body  # days left
    assert f'hx-post="{restore_url(deleted)}"' in body
    assert 'data-confirm-action="Restore"' in body


def test_deleted_group_list_htmx_answers_the_partial(admin_client, organization, deleted):
    response = admin_client.get(list_url(organization), headers=HTMX)

    body = response.content.decode()
    assert 'id="deleted-groups"' in body
    assert "<html" not in body


def test_deleted_group_list_says_when_the_name_is_taken(admin_client, organization, deleted):
    services.group_create(organization=organization, display_name="Editors", actor=None)

    body = admin_client.get(list_url(organization)).content.decode()

    assert "comes back as “Editors (restored)”" in body


def test_deleted_group_list_when_empty(admin_client, organization):
    body = admin_client.get(list_url(organization)).content.decode()

    assert "No deleted groups" in body


def test_deleted_group_list_runs_as_many_queries_for_1_and_20_rows(
    admin_client, organization, deleted
):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(list_url(organization)).status_code == 200
        return len(captured.captured_queries)

    one = count()
    for n in range(19):
        team = services.group_create(organization=organization, display_name=f"T{n}", actor=None)
        services.group_delete(group=team, actor=None)

    assert count() == one


def test_groups_list_links_to_deleted_groups_for_who_may_restore(
    client, organization, org_admin, group_manager
):
    url = reverse("groups:group_list", args=[organization.slug])
    client.force_login(org_admin)
    assert list_url(organization) in client.get(url).content.decode()

    client.force_login(group_manager)
    assert list_url(organization) not in client.get(url).content.decode()


# --- restore --------------------------------------------------------------------------------


def test_deleted_group_restore_review_says_what_comes_back(admin_client, organization, deleted):
    services.group_create(organization=organization, display_name="Editors", actor=None)

    response = admin_client.get(restore_url(deleted))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Restore Editors?" in body
    assert "1</strong> member: Bo Chen" in body
    assert "comes back as “Editors (restored)”" in body
    assert 'method="post"' in body  # works without JavaScript


def test_deleted_group_restore_review_lists_what_cannot_come_back(
    admin_client, organization, org_admin, org_member, deleted
):
    from accounts import services as account_services

    account_services.organization_user_remove(
        organization=organization, user=org_member, actor=org_admin
    )

    body = admin_client.get(restore_url(deleted)).content.decode()

    assert "What cannot come back" in body
    assert "Member Bo Chen" in body and "no longer in Acme" in body


def test_deleted_group_restore_without_javascript(admin_client, organization, deleted, org_member):
    response = admin_client.post(restore_url(deleted))

    group = Group.objects.get(public_id=deleted.public_id)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "groups:group_detail", args=[organization.slug, group.public_id]
    )
    assert Group.objects.filter(user=org_member, pk=group.pk).exists()
    assert messages_of(response) == [
        "Restored Editors: 1 member. Its members have their access back."
    ]
    event = AuditEvent.objects.get(action="group.restored")
    assert event.channel == "ui"
    assert not DeletedGroup.objects.exists()


def test_deleted_group_restore_refuses_a_group_past_its_purge_date(admin_client, deleted):
    DeletedGroup.objects.update(deleted_at=timezone.now() - timedelta(days=31))

    response = admin_client.post(restore_url(deleted))

    assert response.status_code == 302
    assert response["Location"] == list_url(deleted.organization)
    [message] = messages_of(response)
    assert message.startswith("“Editors” was deleted on ")
    assert message.endswith("can no longer be restored.")
    assert not Group.objects.filter(public_id=deleted.public_id).exists()
    assert not AuditEvent.objects.filter(action="group.restored").exists()


def test_a_group_past_its_purge_date_offers_no_restore(admin_client, organization, deleted):
    DeletedGroup.objects.update(deleted_at=timezone.now() - timedelta(days=31))

    listing = admin_client.get(list_url(organization)).content.decode()
    review = html.unescape(admin_client.get(restore_url(deleted)).content.decode())

    assert "due for removal" in listing
    assert 'aria-label="Restore Editors"' not in listing
    assert "can no longer be restored" in review
    assert "Restore group</button>" not in review


def test_deleted_group_restore_with_htmx_redirects_to_the_group(admin_client, deleted):
    response = admin_client.post(restore_url(deleted), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"].endswith(f"/groups/{deleted.public_id}/")
    assert Group.objects.filter(public_id=deleted.public_id).exists()


def test_deleted_group_restore_under_a_new_name(admin_client, organization, deleted):
    services.group_create(organization=organization, display_name="Editors", actor=None)

    admin_client.post(restore_url(deleted), {"display_name": "Editors 2025"})

    assert Group.objects.get(public_id=deleted.public_id).display_name == "Editors 2025"


def test_deleted_group_restore_refuses_a_taken_new_name_and_changes_nothing(
    admin_client, organization, deleted
):
    services.group_create(organization=organization, display_name="Writers", actor=None)

    response = admin_client.post(restore_url(deleted), {"display_name": "writers"}, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="restore-review"' in body
    assert "A group named “writers” already exists." in body
    assert 'aria-invalid="true"' in body
    assert not Group.objects.filter(public_id=deleted.public_id).exists()
    assert not AuditEvent.objects.filter(action="group.restored").exists()


def test_deleted_group_restore_reports_what_it_left_out(
    admin_client, organization, org_admin, deleted
):
    other = make_member(organization, first_name="Al", last_name="Gone")
    snapshot = deleted.snapshot
    snapshot["members"].append(
        {
            "user_id": str(uuid.uuid4()),
            "name": "Zed Former",
            "email": "zed@example.com",
            "added_at": None,
            "added_by": None,
            "expires_at": None,
        }
    )
    deleted.save()
    assert other

    response = admin_client.post(restore_url(deleted))

    assert messages_of(response)[1] == (
        "Could not restore 1 thing: Member Zed Former <zed@example.com>: no longer in Acme."
    )


def test_deleted_group_restore_twice_is_a_404(admin_client, deleted):
    admin_client.post(restore_url(deleted))

    assert admin_client.post(restore_url(deleted)).status_code == 404
