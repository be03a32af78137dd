"""Assigning permission sets to a group and taking them away (the Permissions tab's forms)."""

import html
import re
import uuid

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from groups import access
from groups import services as group_services
from groups.models import GroupPermissionSet
from tests.helpers import messages_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def read_only(db):
    """The default "Read only" set: sees every group of the organization."""
    return group_services.permission_set_by_key("read-only")


@pytest.fixture
def auditors(organization, org_admin):
    """Auditors: Acme's own permission set."""
    return group_services.permission_set_create(
        organization=organization, name="Auditors", permissions=["view_audit_log"], actor=org_admin
    )


@pytest.fixture
def globex_set(other_organization):
    """A permission set of Globex, which Acme's groups can never hold."""
    return group_services.permission_set_create(
        organization=other_organization, name="Globex Secrets", actor=None
    )


@pytest.fixture
def editors_read_only(group, org_admin, read_only):
    group_services.group_permission_set_add(group=group, permission_set=read_only, actor=org_admin)
    return read_only


def add_url(group, *, organization=None, group_id=None):
    org = organization or group.organization
    return reverse("groups:permission_set_add", args=[org.slug, group_id or group.public_id])


def remove_url(group, set_id, *, organization=None):
    org = organization or group.organization
    return reverse("groups:permission_set_remove", args=[org.slug, group.public_id, set_id])


def permissions_url(group):
    return reverse("groups:group_permissions", args=[group.organization.slug, group.public_id])


def held(group) -> set[str]:
    return set(
        GroupPermissionSet.objects.filter(group=group).values_list(
            "permission_set__name", flat=True
        )
    )


def is_partial(response, root_id) -> bool:
    body = response.content.decode()
    return f'id="{root_id}"' in body and "<html" not in body


# --- who may ------------------------------------------------------------------------------------


def test_permission_set_views_refuse_get(client, group, org_admin, editors_read_only):
    client.force_login(org_admin)

    assert client.get(add_url(group)).status_code == 405
    assert client.get(remove_url(group, editors_read_only.public_id)).status_code == 405
    assert held(group) == {"Read only"}


def test_permission_set_views_send_anonymous_visitors_to_sign_in(
    client, group, read_only, auditors
):
    response = client.post(add_url(group), {"permission_set": read_only.public_id})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={add_url(group)}"

    htmx = client.post(remove_url(group, auditors.public_id), headers=HTMX)
    assert htmx["HX-Redirect"].startswith(f"{reverse('login')}?next=")
    assert held(group) == set()


def test_permission_set_views_hide_the_group_from_an_outsider(
    client, other_organization, group, outsider, read_only, editors_read_only
):
    client.force_login(outsider)

    for organization in (None, other_organization):
        add = add_url(group, organization=organization)
        remove = remove_url(group, read_only.public_id, organization=organization)
        assert client.post(add, {"permission_set": read_only.public_id}).status_code == 404
        assert client.post(remove, headers=HTMX).status_code == 404
    assert held(group) == {"Read only"}


def test_permission_set_views_hide_the_group_from_a_plain_member(
    client, group, org_member, auditors, editors_read_only
):
    client.force_login(org_member)

    assert client.post(add_url(group), {"permission_set": auditors.public_id}).status_code == 404
    assert client.post(remove_url(group, editors_read_only.public_id)).status_code == 404
    assert held(group) == {"Read only"}


@pytest.mark.parametrize("persona", ["group_manager", "viewer"])
def test_permission_set_views_refuse_who_cannot_manage_permission_sets(
    request, client, group, auditors, editors_read_only, persona
):
    # They see Editors, but managing permission sets is an organization-wide capability.
    client.force_login(request.getfixturevalue(persona))

    for headers in ({}, HTMX):
        add = client.post(add_url(group), {"permission_set": auditors.public_id}, headers=headers)
        remove = client.post(remove_url(group, editors_read_only.public_id), headers=headers)
        assert add.status_code == 403
        assert remove.status_code == 403
    assert held(group) == {"Read only"}
    assert not AuditEvent.objects.filter(channel="ui").exists()


def test_permission_set_views_unknown_group_is_not_found(client, group, org_admin, read_only):
    client.force_login(org_admin)

    response = client.post(
        add_url(group, group_id=uuid.uuid4()), {"permission_set": read_only.public_id}
    )
    garbage = remove_url(group, read_only.public_id).replace(str(group.public_id), "nope")

    assert response.status_code == 404
    assert client.post(garbage).status_code == 404


# --- assign -------------------------------------------------------------------------------------


def test_permission_set_add_assigns_and_redirects(
    client, organization, group, org_admin, org_member, read_only
):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    client.force_login(org_admin)

    response = client.post(add_url(group), {"permission_set": read_only.public_id})

    assert held(group) == {"Read only"}
    assert response.status_code == 302
    assert response["Location"] == permissions_url(group)
    assert messages_of(response) == ["Editors now holds Read only."]
    event = AuditEvent.objects.get(action="group.permission_set_added")
    assert (event.channel, event.actor, event.target_id) == ("ui", org_admin, str(group.public_id))
    # Bo, a member of Editors, now sees every group of Acme.
    assert access.Access(org_member).sees_every_group(organization)


def test_permission_set_add_over_htmx_answers_with_the_permissions_tab(
    client, group, org_admin, auditors
):
    client.force_login(org_admin)

    response = client.post(add_url(group), {"permission_set": auditors.public_id}, headers=HTMX)

    assert held(group) == {"Auditors"}
    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    body = response.content.decode()
    assert 'id="tab-permissions"' in body
    assert "Editors now holds Auditors." in body
    assert remove_url(group, auditors.public_id) in body


@pytest.mark.parametrize("choice", ["globex", "held", "unknown", "garbage", "missing"])
def test_permission_set_add_refuses_a_set_not_offered(
    client, group, org_admin, globex_set, editors_read_only, choice
):
    client.force_login(org_admin)
    data = {
        "globex": {"permission_set": globex_set.public_id},
        "held": {"permission_set": editors_read_only.public_id},
        "unknown": {"permission_set": uuid.uuid4()},
        "garbage": {"permission_set": "1"},
        "missing": {},
    }[choice]

    response = client.post(add_url(group), data)

    assert response.status_code == 302
    assert messages_of(response) == ["Choose one of the permission sets offered."]
    assert held(group) == {"Read only"}
    assert not AuditEvent.objects.filter(action="group.permission_set_added", channel="ui").exists()


def test_permission_set_add_refuses_a_default_group(client, administrators, org_admin, read_only):
    client.force_login(org_admin)

    refusal = "The permission sets of “Acme Administrators”, a default group, are fixed."

    response = client.post(add_url(administrators), {"permission_set": read_only.public_id})
    assert response.status_code == 302
    assert messages_of(response) == [refusal]

    panel = client.post(
        add_url(administrators), {"permission_set": read_only.public_id}, headers=HTMX
    )
    assert panel.status_code == 200
    assert is_partial(panel, "group-panel")
    assert refusal in panel.content.decode()
    assert held(administrators) == {"Administrator"}
    assert not AuditEvent.objects.filter(action="group.permission_set_added", channel="ui").exists()


def test_permission_set_add_offers_only_sets_the_group_may_hold(
    client, group, org_admin, auditors, globex_set, editors_read_only
):
    client.force_login(org_admin)

    body = client.get(permissions_url(group)).content.decode()
    options = [
        html.unescape(label)
        for label in re.findall(r'<option value="[0-9a-f-]+"[^>]*>(.*?)</option>', body)
    ]

    assert sorted(options) == ["Administrator", "Auditors", "Full access"]


# --- take away ----------------------------------------------------------------------------------


def test_permission_set_remove_takes_the_set_away(
    client, organization, group, org_admin, org_member, editors_read_only
):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)
    client.force_login(org_admin)

    response = client.post(remove_url(group, editors_read_only.public_id))

    assert held(group) == set()
    assert response.status_code == 302
    assert response["Location"] == permissions_url(group)
    assert messages_of(response) == ["Editors no longer holds Read only."]
    event = AuditEvent.objects.get(action="group.permission_set_removed")
    assert (event.channel, event.actor) == ("ui", org_admin)
    assert not access.Access(org_member).sees_every_group(organization)


def test_permission_set_remove_over_htmx_answers_with_the_permissions_tab(
    client, group, org_admin, editors_read_only
):
    client.force_login(org_admin)

    response = client.post(remove_url(group, editors_read_only.public_id), headers=HTMX)

    assert held(group) == set()
    assert response.status_code == 200
    assert is_partial(response, "group-panel")
    body = response.content.decode()
    assert "Editors no longer holds Read only." in body
    assert "No permission sets" in body


@pytest.mark.parametrize("which", ["not_held", "globex", "unknown"])
def test_permission_set_remove_of_a_set_not_held_changes_nothing(
    client, group, org_admin, auditors, globex_set, editors_read_only, which
):
    set_id = {
        "not_held": auditors.public_id,
        "globex": globex_set.public_id,
        "unknown": uuid.uuid4(),
    }[which]
    client.force_login(org_admin)

    response = client.post(remove_url(group, set_id))

    assert response.status_code == 302
    assert messages_of(response) == ["The group does not hold that permission set (any more)."]
    assert held(group) == {"Read only"}
    assert not AuditEvent.objects.filter(action="group.permission_set_removed").exists()


def test_permission_set_remove_refuses_a_default_group(client, administrators, org_admin):
    administrator = group_services.permission_set_by_key("administrator")
    client.force_login(org_admin)

    response = client.post(remove_url(administrators, administrator.public_id))

    assert response.status_code == 302
    assert messages_of(response) == [
        "The permission sets of “Acme Administrators”, a default group, are fixed."
    ]
    assert held(administrators) == {"Administrator"}
    # The admin keeps every capability.
    assert access.can(org_admin, "manage_permission_sets", administrators.organization)


def test_the_assign_choice_starts_empty(client, org_admin, group):
    """One click must not assign the Administrator set (issue 15, item 4): the first choice
    is empty, and posting it assigns nothing."""
    client.force_login(org_admin)
    url = reverse("groups:group_permissions", args=[group.organization.slug, group.public_id])
    body = client.get(url).content.decode()
    select = body.split('name="permission_set"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose a permission set…</option>' in select

    client.post(add_url(group), {"permission_set": ""})
    assert not group.permission_set_links.exists()
