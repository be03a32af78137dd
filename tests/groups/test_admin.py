"""The Django admin obeys the same rules as every other channel: its writes go through the
services (no deleting default groups, no removing the last administrator, all-or-nothing adds,
audit events with channel "admin")."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from groups import services
from groups.models import Group, Membership, PermissionSet
from tests.admin_helpers import form_data
from tests.conftest import make_member
from tests.factories import UserFactory


@pytest.fixture
def operator(db):
    # Otto Op: a superuser who runs the installation from the Django admin.
    return UserFactory(first_name="Otto", last_name="Op", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def post_change_form(client, obj, **changes):
    url = change_url(obj)
    data = form_data(client.get(url).content.decode(), f"{obj._meta.model_name}_form")
    data.update(changes)
    return client.post(url, data)


def test_group_changelist_lists_groups_with_member_counts(
    admin_client, organization, org_admin, group
):
    response = admin_client.get(reverse("admin:groups_group_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("Acme Administrators", "Acme Users", "Editors"):
        assert name in body


def test_group_changelist_query_count_does_not_grow_with_rows(
    admin_client, organization, org_admin
):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(reverse("admin:groups_group_changelist")).status_code == 200
        return len(context.captured_queries)

    services.group_create(organization=organization, display_name="G 0", actor=org_admin)
    few = count_queries()
    for n in range(1, 20):
        services.group_create(organization=organization, display_name=f"G {n}", actor=org_admin)
    assert count_queries() == few


def test_default_group_has_no_delete_link_and_delete_view_refuses(admin_client, administrators):
    page = admin_client.get(change_url(administrators)).content.decode()
    delete_url = reverse("admin:groups_group_delete", args=[administrators.pk])
    assert delete_url not in page
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Group.objects.filter(pk=administrators.pk).exists()


def test_bulk_delete_action_refuses_default_groups_and_deletes_nothing(
    admin_client, group, users_group
):
    response = admin_client.post(
        reverse("admin:groups_group_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [group.pk, users_group.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 200
    assert "Acme Users is a default group of Acme: default groups cannot be deleted" in (
        response.content.decode()
    )
    assert Group.objects.filter(pk__in=[group.pk, users_group.pk]).count() == 2


def test_delete_custom_group_goes_through_the_service(admin_client, group, operator):
    url = reverse("admin:groups_group_delete", args=[group.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()
    event = AuditEvent.objects.get(action="group.deleted")
    assert (event.channel, event.actor, event.target_name) == ("admin", operator, "Editors")


def test_add_group_creates_it_through_the_service(admin_client, organization, operator):
    response = admin_client.post(
        reverse("admin:groups_group_add"),
        {"organization": organization.pk, "display_name": "  Support  ", "description": "Help"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = Group.objects.get(organization=organization, slug="support")
    assert group.display_name == "Support"
    assert operator.has_perm("groups.change_group", group)
    event = AuditEvent.objects.get(action="group.created")
    assert (event.channel, event.actor) == ("admin", operator)


def test_add_group_with_a_taken_name_shows_the_error_and_creates_nothing(
    admin_client, organization, group
):
    before = Group.objects.count()
    response = admin_client.post(
        reverse("admin:groups_group_add"),
        {"organization": organization.pk, "display_name": "EDITORS", "description": ""},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Group.objects.count() == before


def test_rename_default_group_is_refused_in_the_form(admin_client, users_group):
    response = post_change_form(admin_client, users_group, description="Everyone at Acme")
    assert response.status_code == 302
    users_group.refresh_from_db()
    assert users_group.description == "Everyone at Acme"
    assert users_group.display_name == "Acme Users"
    assert "display_name" not in form_data(
        admin_client.get(change_url(users_group)).content.decode(), "group_form"
    )


def test_inline_adds_members_through_the_service(
    admin_client, organization, group, org_member, operator
):
    response = post_change_form(
        admin_client, group, **{"memberships-TOTAL_FORMS": "1", "memberships-0-user": org_member.pk}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(group=group, user=org_member).exists()
    event = AuditEvent.objects.get(action="membership.added", target_id=str(group.public_id))
    assert (event.channel, event.actor, event.after["email"]) == (
        "admin",
        operator,
        org_member.email,
    )


def test_inline_refuses_a_user_of_another_organization(admin_client, group, outsider):
    response = post_change_form(
        admin_client, group, **{"memberships-TOTAL_FORMS": "1", "memberships-0-user": outsider.pk}
    )
    assert response.status_code == 200
    assert outsider.email in response.content.decode()
    assert not Membership.objects.filter(group=group, user=outsider).exists()


def test_inline_refuses_removing_the_last_administrator(admin_client, administrators, org_admin):
    url = change_url(administrators)
    data = form_data(admin_client.get(url).content.decode(), "group_form")
    row = next(
        key[: -len("-id")]
        for key, value in data.items()
        if key.startswith("memberships-") and key.endswith("-id") and value
    )
    data[f"{row}-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "last administrator" in response.content.decode()
    assert Membership.objects.filter(group=administrators, user=org_admin).exists()


def test_inline_removes_one_of_two_administrators(
    admin_client, organization, administrators, org_admin
):
    second = make_member(organization, admin=True)
    url = change_url(administrators)
    data = form_data(admin_client.get(url).content.decode(), "group_form")
    rows = [
        key[: -len("-id")]
        for key, value in data.items()
        if key.startswith("memberships-") and key.endswith("-id") and value
    ]
    target = next(
        row
        for row in rows
        if data[f"{row}-id"] == str(Membership.objects.get(group=administrators, user=second).pk)
    )
    data[f"{target}-DELETE"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert list(Membership.objects.filter(group=administrators).values_list("user", flat=True)) == [
        org_admin.pk
    ]


def test_default_permission_set_is_read_only(admin_client):
    administrator = PermissionSet.objects.get(key="administrator")
    url = change_url(administrator)
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": "Hacked"}).status_code == 403
    delete_url = reverse("admin:groups_permissionset_delete", args=[administrator.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    administrator.refresh_from_db()
    assert administrator.name == "Administrator"


def test_create_custom_permission_set_and_assign_it_in_the_admin(
    admin_client, organization, group, org_member, org_admin
):
    services.membership_add(group=group, users=[org_member], actor=org_admin)
    create_groups = services.capabilities().get(codename="create_groups")
    response = admin_client.post(
        reverse("admin:groups_permissionset_add"),
        {
            "organization": organization.pk,
            "name": "Group creators",
            "description": "",
            "permissions": [create_groups.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    creators = PermissionSet.objects.get(name="Group creators")
    assert list(creators.permissions.all()) == [create_groups]
    assert not org_member.has_perm("accounts.create_groups", organization)

    response = post_change_form(
        admin_client,
        group,
        **{
            "permission_set_links-TOTAL_FORMS": "1",
            "permission_set_links-0-permission_set": creators.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    member = type(org_member).objects.get(pk=org_member.pk)
    assert member.has_perm("accounts.create_groups", organization)
