"""The organization and user services: default groups, belonging, the last administrator."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import (
    OrganizationGroupObjectPermission,
)
from audit.models import AuditEvent
from groups import services as group_services
from groups.models import (
    Group,
    GroupPermissionSet,
    GroupUserObjectPermission,
    Membership,
)
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.helpers import audit_mark, changes_nothing, events_since, group_names

User = get_user_model()
ALL_GROUP_RIGHTS = ["view_group", "change_group", "delete_group", "manage_members"]
ADMIN_CAPABILITIES = [
    "view_organization",
    "change_organization",
    "view_groups",
    "create_groups",
    "change_groups",
    "delete_groups",
    "manage_members",
    "manage_permission_sets",
    "manage_users",
    "view_audit_log",
    "manage_access",
    "access_create",
    "access_read",
    "access_update",
    "access_delete",
    "access_execute",
]


@pytest.fixture
def operator(db):
    # Opal Op: a superuser (operator) who belongs to no organization.
    return UserFactory(first_name="Opal", last_name="Op", is_staff=True, is_superuser=True)


# --- organization_create ----------------------------------------------------------------------


def test_organization_create_makes_exactly_two_default_groups(organization):
    groups = Group.objects.filter(organization=organization).order_by("kind")

    assert [(g.display_name, g.kind, g.slug) for g in groups] == [
        ("Acme Administrators", Group.Kind.ADMINISTRATORS, "administrators"),
        ("Acme Users", Group.Kind.USERS, "users"),
    ]
    assert all(group.is_default and group.is_protected for group in groups)
    assert organization.slug == "acme"


def test_organization_create_gives_default_groups_their_permission_sets(organization):
    sets = {
        link.group.kind: (link.permission_set.key, link.permission_set.name)
        for link in GroupPermissionSet.objects.filter(group__organization=organization)
    }

    assert sets == {
        Group.Kind.ADMINISTRATORS: ("administrator", "Administrator"),
        Group.Kind.USERS: ("full-access", "Full access"),
    }


def test_organization_create_writes_guardian_rows_for_the_default_groups(organization):
    administrators = group_services.default_group(organization, Group.Kind.ADMINISTRATORS)
    users = group_services.default_group(organization, Group.Kind.USERS)

    def codenames(group):
        return set(
            OrganizationGroupObjectPermission.objects.filter(
                group_id=group.pk, content_object=organization
            ).values_list("permission__codename", flat=True)
        )

    assert codenames(administrators) == set(ADMIN_CAPABILITIES)
    assert codenames(users) == {"view_organization"}


@pytest.mark.parametrize("capability", ADMIN_CAPABILITIES)
def test_organization_create_administrators_hold_every_capability(
    organization, org_admin, org_member, outsider, capability
):
    assert org_admin.has_perm(f"accounts.{capability}", organization)
    assert not outsider.has_perm(f"accounts.{capability}", organization)
    assert org_member.has_perm(f"accounts.{capability}", organization) == (
        capability == "view_organization"
    )


def test_organization_create_capabilities_stay_in_their_organization(
    organization, other_organization, org_admin, outsider
):
    assert outsider.has_perm("accounts.view_groups", other_organization)
    assert not org_admin.has_perm("accounts.view_groups", other_organization)
    assert not outsider.has_perm("accounts.view_groups", organization)


def test_organization_create_writes_one_audit_event(db, operator):
    mark = audit_mark()

    organization = services.organization_create(name="Initech", channel="admin", actor=operator)

    [event] = events_since(mark)
    assert event.action == "organization.created"
    assert event.organization == organization
    assert event.actor == operator
    assert event.channel == "admin"
    assert event.target_id == str(organization.public_id)
    assert event.after == {"name": "Initech", "slug": "initech"}


def test_organization_create_by_the_system_records_no_actor(db):
    mark = audit_mark()

    services.organization_create(name="Initech", actor=None)

    [event] = events_since(mark)
    assert (event.actor, event.actor_name, event.channel) == (None, "", "system")


def test_organization_create_trims_the_name_and_accepts_a_given_slug(db):
    organization = services.organization_create(name="  Umbrella   Corp ", slug="umb", actor=None)

    assert (organization.name, organization.slug) == ("Umbrella Corp", "umb")
    assert set(
        Group.objects.filter(organization=organization).values_list("display_name", flat=True)
    ) == {"Umbrella Corp Administrators", "Umbrella Corp Users"}


def test_organization_create_unicode_name_needs_a_latin_slug(db):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_create(name="编辑部", actor=None)
    assert "slug" in excinfo.value.message_dict

    organization = services.organization_create(name="编辑部", slug="bianjibu", actor=None)
    assert set(
        Group.objects.filter(organization=organization).values_list("display_name", flat=True)
    ) == {"编辑部 Administrators", "编辑部 Users"}


def test_organization_create_refuses_a_taken_slug(organization):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_create(name="ACME", actor=None)
    assert "slug" in excinfo.value.message_dict


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 81, "Ac\x00me", "Ac\x07me"],
    ids=["empty", "whitespace", "81-chars", "nul", "control"],
)
def test_organization_create_refuses_bad_names(db, name):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_create(name=name, slug="bad", actor=None)
    assert list(excinfo.value.message_dict) == ["name"]


def test_organization_create_accepts_a_name_of_80_characters(db):
    organization = services.organization_create(name="x" * 80, actor=None)

    administrators = group_services.default_group(organization, Group.Kind.ADMINISTRATORS)
    assert administrators.display_name == "x" * 80 + " Administrators"


def test_organization_create_refuses_a_non_operator(organization, org_admin):
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.organization_create(name="Initech", actor=org_admin)


def test_organization_create_refuses_a_deactivated_operator(operator):
    operator.is_active = False
    operator.save()

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.organization_create(name="Initech", actor=operator)


# --- organization_update ----------------------------------------------------------------------


def test_organization_update_renames_the_default_groups(organization, org_admin):
    mark = audit_mark()

    services.organization_update(
        organization=organization, name="Acme Corp", channel="ui", actor=org_admin
    )

    organization.refresh_from_db()
    assert organization.name == "Acme Corp"
    assert set(
        Group.objects.filter(organization=organization).values_list("display_name", flat=True)
    ) == {"Acme Corp Administrators", "Acme Corp Users"}
    [event] = events_since(mark)
    assert (event.action, event.actor, event.organization, event.channel) == (
        "organization.updated",
        org_admin,
        organization,
        "ui",
    )
    assert (event.before, event.after) == ({"name": "Acme"}, {"name": "Acme Corp"})


def test_organization_update_keeps_the_slug(organization):
    services.organization_update(organization=organization, name="Acme Corp", actor=None)

    organization.refresh_from_db()
    assert organization.slug == "acme"


def test_organization_update_accepts_a_change_of_case(organization):
    services.organization_update(organization=organization, name="ACME", actor=None)

    assert set(
        Group.objects.filter(organization=organization).values_list("display_name", flat=True)
    ) == {"ACME Administrators", "ACME Users"}


def test_organization_update_refuses_a_name_clashing_with_a_custom_group(organization, org_admin):
    group_services.group_create(
        organization=organization, display_name="beta users", actor=org_admin
    )

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_update(organization=organization, name="Beta", actor=org_admin)

    assert "Beta Users" in excinfo.value.message_dict["name"][0]
    organization.refresh_from_db()
    assert organization.name == "Acme"


def test_organization_update_same_name_is_a_no_op(organization, org_admin):
    with changes_nothing():
        services.organization_update(organization=organization, name=" Acme ", actor=org_admin)
        services.organization_update(organization=organization, actor=org_admin)


@pytest.mark.parametrize("name", ["", "x" * 81, "A\x00"], ids=["empty", "81-chars", "nul"])
def test_organization_update_refuses_bad_names(organization, name):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_update(organization=organization, name=name, actor=None)
    assert list(excinfo.value.message_dict) == ["name"]


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_organization_update_refuses_who_may_not_change_it(request, organization, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.organization_update(organization=organization, name="Hijacked", actor=actor)


# --- user_create ------------------------------------------------------------------------------


def test_user_create_normalizes_and_audits(db):
    mark = audit_mark()

    user = services.user_create(
        email="  Dee.Park@Example.COM ", first_name=" Dee ", last_name="Park", actor=None
    )

    assert (user.email, user.first_name, user.last_name) == ("dee.park@example.com", "Dee", "Park")
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    [event] = events_since(mark)
    assert (event.action, event.organization, event.target_id) == (
        "user.created",
        None,
        str(user.public_id),
    )


def test_user_create_sets_a_valid_password(db):
    user = services.user_create(email="dee@example.com", password="a-long-pass-phrase", actor=None)

    assert user.check_password("a-long-pass-phrase")


def test_user_create_refuses_a_weak_password(db):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.user_create(email="dee@example.com", password="123", actor=None)
    assert list(excinfo.value.message_dict) == ["password"]


def test_user_create_refuses_an_email_taken_in_another_case(org_member):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.user_create(email=org_member.email.upper(), actor=None)
    assert list(excinfo.value.message_dict) == ["email"]


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b@example.com"])
def test_user_create_refuses_an_invalid_email(db, email):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.user_create(email=email, actor=None)
    assert list(excinfo.value.message_dict) == ["email"]


def test_user_create_accepts_names_of_150_characters(db):
    user = services.user_create(
        email="long@example.com", first_name="F" * 150, last_name="L" * 150, actor=None
    )

    assert (len(user.first_name), len(user.last_name)) == (150, 150)


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", "F" * 151), ("last_name", "L" * 151), ("last_name", "Le\x00e")],
    ids=["first-151", "last-151", "nul"],
)
def test_user_create_refuses_bad_person_names(db, field, value):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.user_create(email="dee@example.com", **{field: value}, actor=None)
    assert list(excinfo.value.message_dict) == [field]


# --- organization_user_add --------------------------------------------------------------------


def test_organization_user_add_puts_the_user_in_users(organization, org_admin):
    user = UserFactory()
    mark = audit_mark()

    joined = services.organization_user_add(
        organization=organization, user=user, channel="ui", actor=org_admin
    )

    assert [group.display_name for group in joined] == ["Acme Users"]
    assert group_names(user, organization) == {"Acme Users"}
    [event] = events_since(mark)
    assert (event.action, event.actor, event.organization, event.channel) == (
        "membership.added",
        org_admin,
        organization,
        "ui",
    )
    assert event.after["email"] == user.email
    assert user.has_perm("accounts.view_organization", organization)
    assert not user.has_perm("accounts.view_groups", organization)


def test_organization_user_add_as_admin_puts_the_user_in_both_groups(organization, org_admin):
    user = UserFactory()
    mark = audit_mark()

    services.organization_user_add(organization=organization, user=user, admin=True, actor=None)

    assert group_names(user, organization) == {"Acme Users", "Acme Administrators"}
    assert [event.action for event in events_since(mark)] == ["membership.added"] * 2
    assert user.has_perm("accounts.manage_users", organization)
    assert services.is_organization_admin(user, organization)


def test_organization_user_add_promotes_an_existing_member(organization, org_member):
    mark = audit_mark()

    joined = services.organization_user_add(
        organization=organization, user=org_member, admin=True, actor=None
    )

    assert [group.kind for group in joined] == [Group.Kind.ADMINISTRATORS]
    assert len(events_since(mark)) == 1
    assert Membership.objects.filter(user=org_member).count() == 2


def test_organization_user_add_of_a_member_is_a_no_op(organization, org_admin, org_member):
    with changes_nothing():
        assert (
            services.organization_user_add(
                organization=organization, user=org_member, actor=org_admin
            )
            == []
        )
        assert (
            services.organization_user_add(
                organization=organization, user=org_admin, admin=True, actor=org_admin
            )
            == []
        )


def test_organization_user_add_lets_a_user_join_a_second_organization(
    organization, other_organization, outsider
):
    services.organization_user_add(organization=organization, user=outsider, actor=None)

    assert group_names(outsider, organization) == {"Acme Users"}
    assert group_names(outsider, other_organization) == {"Globex Users", "Globex Administrators"}


def test_organization_user_add_refuses_a_deactivated_user(organization):
    user = UserFactory(is_active=False)

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_user_add(organization=organization, user=user, actor=None)
    assert list(excinfo.value.message_dict) == ["user"]


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_organization_user_add_refuses_who_may_not_manage_users(request, organization, persona):
    actor = request.getfixturevalue(persona)
    user = UserFactory()

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.organization_user_add(
            organization=organization, user=user, admin=True, actor=actor
        )


# --- organization_user_remove -----------------------------------------------------------------


def test_organization_user_remove_takes_the_user_out_of_every_group(
    organization, org_admin, group, group_manager
):
    mark = audit_mark()

    left = services.organization_user_remove(
        organization=organization, user=group_manager, channel="admin", actor=org_admin
    )

    assert {g.display_name for g in left} == {"Acme Users"}
    assert group_names(group_manager, organization) == set()
    assert [(e.action, e.channel, e.actor) for e in events_since(mark)] == [
        ("membership.removed", "admin", org_admin)
    ]


def test_organization_user_remove_drops_their_memberships_and_rights_in_that_organization(
    organization, other_organization, org_admin, group, group_manager
):
    group_services.membership_add(group=group, users=[group_manager], actor=org_admin)
    services.organization_user_add(
        organization=other_organization, user=group_manager, admin=True, actor=None
    )
    globex_group = group_services.group_create(
        organization=other_organization, display_name="Globex Team", actor=group_manager
    )
    assert group_manager.has_perm("groups.change_group", group)

    services.organization_user_remove(organization=organization, user=group_manager, actor=None)

    assert group_names(group_manager, organization) == set()
    assert not GroupUserObjectPermission.objects.filter(
        user=group_manager, content_object__organization=organization
    ).exists()
    assert not group_manager.has_perm("groups.change_group", group)
    assert not group_manager.has_perm("accounts.view_organization", organization)
    # Globex is untouched.
    assert group_names(group_manager, other_organization) == {
        "Globex Users",
        "Globex Administrators",
    }
    assert group_manager.has_perm("groups.change_group", globex_group)
    assert group_manager.has_perm("accounts.manage_users", other_organization)


def test_organization_user_remove_removes_one_of_two_admins(organization, org_admin):
    second = make_member(organization, admin=True)

    services.organization_user_remove(organization=organization, user=org_admin, actor=second)

    assert not services.is_organization_admin(org_admin, organization)
    assert not org_admin.has_perm("accounts.view_groups", organization)
    assert services.is_organization_admin(second, organization)


def test_organization_user_remove_refuses_the_last_active_administrator(
    organization, org_admin, org_member
):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.organization_user_remove(organization=organization, user=org_admin, actor=None)
    assert "last administrator" in excinfo.value.message_dict["users"][0]


def test_organization_user_remove_refuses_the_last_active_administrator_beside_inactive_ones(
    organization, org_admin
):
    sleeper = make_member(organization, admin=True)
    services.user_set_active(user=sleeper, active=False, actor=None)

    with changes_nothing(), pytest.raises(ValidationError):
        services.organization_user_remove(organization=organization, user=org_admin, actor=None)


def test_organization_user_remove_of_a_non_member_is_a_no_op(organization, org_admin, outsider):
    with changes_nothing():
        assert (
            services.organization_user_remove(
                organization=organization, user=outsider, actor=org_admin
            )
            == []
        )


def test_organization_user_remove_works_in_an_organization_without_administrators(
    organization, org_member
):
    # A fresh organization has no administrator yet: removing a plain member does not
    # remove an administrator, so the "last administrator" rule has nothing to protect.
    services.organization_user_remove(organization=organization, user=org_member, actor=None)

    assert group_names(org_member, organization) == set()


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_organization_user_remove_refuses_who_may_not_manage_users(
    request, organization, org_admin, persona
):
    actor = request.getfixturevalue(persona)
    victim = make_member(organization, admin=True)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.organization_user_remove(organization=organization, user=victim, actor=actor)


# --- user_set_active --------------------------------------------------------------------------


def test_user_set_active_refuses_deactivating_the_last_admin(organization, org_admin, org_member):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.user_set_active(user=org_admin, active=False, actor=None)
    assert "Acme Administrators" in excinfo.value.message_dict["users"][0]


def test_user_set_active_refuses_deactivating_yourself_as_last_admin(organization, org_admin):
    with changes_nothing(), pytest.raises(ValidationError):
        services.user_set_active(user=org_admin, active=False, actor=org_admin)


def test_user_set_active_deactivates_one_of_two_admins(organization, org_admin):
    second = make_member(organization, admin=True)
    mark = audit_mark()

    services.user_set_active(user=second, active=False, channel="ui", actor=org_admin)

    second.refresh_from_db()
    assert not second.is_active
    assert not second.has_perm("accounts.view_groups", organization)
    [event] = events_since(mark)
    assert (event.action, event.organization, event.actor, event.channel) == (
        "user.deactivated",
        organization,
        org_admin,
        "ui",
    )
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})
    # Now Ann is the last active admin.
    with pytest.raises(ValidationError):
        services.user_set_active(user=org_admin, active=False, actor=None)


def test_user_set_active_counts_every_organization_of_the_user(
    organization, other_organization, org_admin, outsider
):
    services.organization_user_add(organization=organization, user=outsider, admin=True, actor=None)

    # Acme keeps Ann, but Olga is the last admin of Globex.
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.user_set_active(user=outsider, active=False, actor=None)
    assert "Globex Administrators" in excinfo.value.message_dict["users"][0]


def test_user_set_active_deactivates_a_member_of_an_organization_without_admins(
    organization, org_member
):
    services.user_set_active(user=org_member, active=False, actor=None)

    org_member.refresh_from_db()
    assert not org_member.is_active


def test_user_set_active_reactivates_and_audits_in_each_organization(
    organization, other_organization, org_member
):
    services.organization_user_add(organization=other_organization, user=org_member, actor=None)
    services.user_set_active(user=org_member, active=False, actor=None)
    mark = audit_mark()

    services.user_set_active(user=org_member, active=True, actor=None)

    org_member.refresh_from_db()
    assert org_member.is_active
    assert org_member.has_perm("accounts.view_organization", organization)
    assert {(e.action, e.organization_id) for e in events_since(mark)} == {
        ("user.activated", organization.pk),
        ("user.activated", other_organization.pk),
    }


def test_user_set_active_to_the_current_state_is_a_no_op(org_admin, org_member):
    with changes_nothing():
        services.user_set_active(user=org_member, active=True, actor=org_admin)


def test_user_set_active_refuses_an_actor_without_manage_users_in_every_organization(
    organization, other_organization, org_admin, org_member
):
    services.organization_user_add(organization=other_organization, user=org_member, actor=None)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.user_set_active(user=org_member, active=False, actor=org_admin)
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.user_set_active(user=org_member, active=False, actor=org_member)


def test_user_set_active_outside_any_organization_needs_an_operator(db, org_admin, operator):
    loner = UserFactory()

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.user_set_active(user=loner, active=False, actor=org_admin)

    services.user_set_active(user=loner, active=False, actor=operator)
    loner.refresh_from_db()
    assert not loner.is_active
    assert AuditEvent.objects.filter(action="user.deactivated", organization=None).count() == 1


# --- is_organization_admin --------------------------------------------------------------------


def test_is_organization_admin_only_for_administrators_of_that_organization(
    organization, other_organization, org_admin, org_member, outsider
):
    assert services.is_organization_admin(org_admin, organization)
    assert not services.is_organization_admin(org_member, organization)
    assert not services.is_organization_admin(outsider, organization)
    assert not services.is_organization_admin(org_admin, other_organization)
