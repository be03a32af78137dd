"""The group services: groups, memberships, permission sets and rights, each rule attacked."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import (
    OrganizationGroupObjectPermission,
)
from groups import access, services
from groups.models import (
    Group,
    GroupGroupObjectPermission,
    GroupUserObjectPermission,
    Membership,
    PermissionSet,
)
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.helpers import audit_mark, changes_nothing, events_since, members, messages

User = get_user_model()
ALL_GROUP_RIGHTS = ["view_group", "change_group", "delete_group", "manage_members"]


@pytest.fixture
def operator(db):
    # Opal Op: a superuser (operator) who belongs to no organization.
    return UserFactory(first_name="Opal", last_name="Op", is_staff=True, is_superuser=True)


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, the usual person to add to a group.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def eve(organization):
    # Eve Ruiz: another plain member of Acme.
    return make_member(organization, first_name="Eve", last_name="Ruiz")


@pytest.fixture
def creators(organization, org_admin):
    """Creators: a custom group of Acme holding a custom set with ``create_groups``."""
    creators = services.group_create(organization=organization, display_name="Creators", actor=None)
    permission_set = services.permission_set_create(
        organization=organization, name="Group makers", permissions=["create_groups"], actor=None
    )
    services.group_permission_set_add(group=creators, permission_set=permission_set, actor=None)
    return creators


# --- group_create -----------------------------------------------------------------------------


def test_group_create_by_an_admin_records_one_event(organization, org_admin):
    mark = audit_mark()

    group = services.group_create(
        organization=organization,
        display_name="Editors",
        description="Edits things",
        channel="ui",
        actor=org_admin,
    )

    assert (group.organization, group.kind, group.slug) == (organization, "custom", "editors")
    assert (group.created_by, group.updated_by) == (org_admin, org_admin)
    assert group.name == f"{organization.pk}:editors"
    assert not group.is_default
    [event] = events_since(mark)
    assert (event.action, event.actor, event.organization, event.channel) == (
        "group.created",
        org_admin,
        organization,
        "ui",
    )
    assert event.target_id == str(group.public_id)
    assert event.after == {"name": "Editors", "slug": "editors", "description": "Edits things"}
    assert event.actor_name == f"Ann Lee <{org_admin.email}>"


def test_group_create_gives_the_creator_every_right(organization, creators, dee):
    services.membership_add(group=creators, users=[dee], actor=None)

    group = services.group_create(organization=organization, display_name="Mine", actor=dee)

    for right in ALL_GROUP_RIGHTS:
        assert dee.has_perm(f"groups.{right}", group)
    assert access.Access(dee).rights_on(group) == set(ALL_GROUP_RIGHTS)
    assert list(access.groups_visible_to(dee, organization)) == [group]


def test_group_create_by_the_system_gives_nobody_rights(organization, org_member):
    group = services.group_create(organization=organization, display_name="Ops", actor=None)

    assert not GroupUserObjectPermission.objects.filter(content_object=group).exists()
    assert group.created_by is None


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_group_create_refuses_who_lacks_create_groups(request, organization, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_create(organization=organization, display_name="Sneaky", actor=actor)


def test_group_create_refuses_a_deactivated_admin(organization, org_admin):
    make_member(organization, admin=True)
    account_services.user_set_active(user=org_admin, active=False, actor=None)
    org_admin.refresh_from_db()

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_create(organization=organization, display_name="Late", actor=org_admin)


def test_group_create_allows_an_operator(organization, operator):
    group = services.group_create(organization=organization, display_name="Ops", actor=operator)

    assert group.created_by == operator


# --- names, descriptions, slugs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("编辑组", "编辑组"),
        ("Équipe Ålborg", "Équipe Ålborg"),
        ("فريق التحرير", "فريق التحرير"),
        ("צוות עריכה", "צוות עריכה"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ('Tom & Jerry\'s "Team"', 'Tom & Jerry\'s "Team"'),
        ("  Padded   name \t", "Padded name"),
        ("x", "x"),
        ("x" * 100, "x" * 100),
        ("E\u0301quipe", "Équipe"),
    ],
    ids=[
        "cjk",
        "accents",
        "arabic",
        "hebrew",
        "html",
        "quotes",
        "trimmed",
        "one-char",
        "100-chars",
        "nfc",
    ],
)
def test_group_create_accepts_names_in_any_script(organization, org_admin, given, stored):
    group = services.group_create(organization=organization, display_name=given, actor=org_admin)

    group.refresh_from_db()
    assert group.display_name == stored
    assert group.slug


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "\t\n",
        None,
        "x" * 101,
        "Edi\x00tors",
        "Edi\x07tors",
        "Edi\x1ftors",
        "Edi\x9btors",
    ],
    ids=["empty", "spaces", "whitespace", "none", "101-chars", "nul", "bell", "unit-sep", "c1"],
)
def test_group_create_refuses_bad_names(organization, org_admin, name):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_create(organization=organization, display_name=name, actor=org_admin)

    assert list(excinfo.value.message_dict) == ["display_name"]


def test_group_create_accepts_a_description_of_1000_characters(organization, org_admin):
    group = services.group_create(
        organization=organization,
        display_name="Long",
        description="d" * 1000 + "  ",
        actor=org_admin,
    )

    assert group.description == "d" * 1000


def test_group_create_keeps_line_breaks_in_a_description(organization, org_admin):
    group = services.group_create(
        organization=organization,
        display_name="Lines",
        description="one\ntwo\r\n\tthree <b>bold</b>",
        actor=org_admin,
    )

    assert group.description == "one\ntwo\r\n\tthree <b>bold</b>"


@pytest.mark.parametrize("description", ["d" * 1001, "bad\x00byte", "bad\x1bescape"])
def test_group_create_refuses_bad_descriptions(organization, org_admin, description):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_create(
            organization=organization,
            display_name="Fine",
            description=description,
            actor=org_admin,
        )

    assert list(excinfo.value.message_dict) == ["description"]


@pytest.mark.parametrize("name", ["editors", "EDITORS", " Editors ", "eDiToRs"])
def test_group_create_refuses_a_name_taken_in_any_case(group, org_admin, name):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_create(organization=group.organization, display_name=name, actor=org_admin)

    assert list(excinfo.value.message_dict) == ["display_name"]


def test_group_create_refuses_the_name_of_a_default_group(organization, org_admin):
    with changes_nothing(), pytest.raises(ValidationError):
        services.group_create(
            organization=organization, display_name="acme administrators", actor=org_admin
        )


def test_group_create_accepts_a_name_used_in_another_organization(
    group, other_organization, outsider
):
    twin = services.group_create(
        organization=other_organization, display_name="Editors", actor=outsider
    )

    assert (twin.slug, group.slug) == ("editors", "editors")
    assert twin.name != group.name


def test_group_create_deduplicates_generated_slugs(group, org_admin):
    second = services.group_create(
        organization=group.organization, display_name="Editors!", actor=org_admin
    )
    third = services.group_create(
        organization=group.organization, display_name="Editors?", actor=org_admin
    )

    assert (group.slug, second.slug, third.slug) == ("editors", "editors-2", "editors-3")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("编辑组", "编辑组"),
        ("Équipe Ålborg", "équipe-ålborg"),
        ("<script>alert(1)</script>", "scriptalert1script"),
        ("!!!", "group"),
    ],
)
def test_group_create_generates_a_slug_from_any_name(organization, org_admin, name, slug):
    group = services.group_create(organization=organization, display_name=name, actor=org_admin)

    assert group.slug == slug


def test_group_create_takes_a_given_slug(organization, org_admin):
    group = services.group_create(
        organization=organization, display_name="Editors", slug="ed", actor=org_admin
    )

    assert group.slug == "ed"
    assert group.name == f"{organization.pk}:ed"


@pytest.mark.parametrize("slug", ["Has Spaces", "UPPER", "bad/slash", "users", "editors"])
def test_group_create_refuses_a_bad_or_taken_slug(group, org_admin, slug):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_create(
            organization=group.organization, display_name="Other", slug=slug, actor=org_admin
        )

    assert list(excinfo.value.message_dict) == ["slug"]


def test_group_create_accepts_a_slug_taken_in_another_organization(
    group, other_organization, outsider
):
    twin = services.group_create(
        organization=other_organization, display_name="Other", slug="editors", actor=outsider
    )

    assert twin.slug == group.slug


# --- group_update -----------------------------------------------------------------------------


def test_group_update_records_only_what_changed(group, org_admin):
    mark = audit_mark()

    services.group_update(
        group=group,
        display_name="Writers",
        description="Edits things",
        channel="api",
        actor=org_admin,
    )

    group.refresh_from_db()
    assert (group.display_name, group.slug) == ("Writers", "editors")
    [event] = events_since(mark)
    assert (event.action, event.channel, event.actor) == ("group.updated", "api", org_admin)
    assert (event.before, event.after) == ({"name": "Editors"}, {"name": "Writers"})


def test_group_update_changes_the_slug_and_the_auth_name(group, org_admin):
    services.group_update(group=group, slug="writers", actor=org_admin)

    group.refresh_from_db()
    assert group.slug == "writers"
    assert group.name == f"{group.organization_id}:writers"


def test_group_update_without_a_change_is_a_no_op(group, org_admin):
    with changes_nothing():
        services.group_update(
            group=group,
            display_name=" Editors ",
            description="Edits things",
            slug="editors",
            actor=org_admin,
        )


def test_group_update_allows_changing_only_the_case_of_the_name(group, org_admin):
    services.group_update(group=group, display_name="EDITORS", actor=org_admin)

    group.refresh_from_db()
    assert group.display_name == "EDITORS"


def test_group_update_refuses_a_name_taken_in_any_case(group, org_admin):
    services.group_create(organization=group.organization, display_name="Writers", actor=org_admin)

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_update(group=group, display_name="wRITERS", actor=org_admin)
    assert list(excinfo.value.message_dict) == ["display_name"]


@pytest.mark.parametrize("name", ["", "x" * 101, "a\x00b"])
def test_group_update_refuses_bad_names(group, org_admin, name):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_update(group=group, display_name=name, actor=org_admin)
    assert list(excinfo.value.message_dict) == ["display_name"]


def test_group_update_refuses_a_taken_slug(group, org_admin):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_update(group=group, slug="administrators", actor=org_admin)
    assert list(excinfo.value.message_dict) == ["slug"]


@pytest.mark.parametrize("kind", [Group.Kind.ADMINISTRATORS, Group.Kind.USERS])
def test_group_update_refuses_renaming_a_default_group(organization, org_admin, kind):
    default = services.default_group(organization, kind)

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_update(group=default, display_name="Renamed", actor=org_admin)
    assert list(excinfo.value.message_dict) == ["display_name"]
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_update(group=default, slug="renamed", actor=None)
    assert list(excinfo.value.message_dict) == ["slug"]


def test_group_update_allows_the_description_of_a_default_group(administrators, org_admin):
    services.group_update(group=administrators, description="The bosses", actor=org_admin)

    administrators.refresh_from_db()
    assert administrators.description == "The bosses"
    assert administrators.display_name == "Acme Administrators"


def test_group_update_by_the_group_manager(group, group_manager):
    services.group_update(group=group, description="Managed", actor=group_manager)

    group.refresh_from_db()
    assert group.description == "Managed"


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_group_update_refuses_who_cannot_see_the_group(request, group, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_update(group=group, display_name="Hijacked", actor=actor)


def test_group_update_refuses_who_may_only_view(group, org_admin, dee):
    services.group_rights_grant(group=group, user=dee, rights=["view_group"], actor=org_admin)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_update(group=group, display_name="Hijacked", actor=dee)


# --- group_delete -----------------------------------------------------------------------------


def test_group_delete_by_an_admin(group, org_admin, dee):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    public_id = group.public_id
    mark = audit_mark()

    services.group_delete(group=group, channel="ui", actor=org_admin)

    assert not Group.objects.filter(public_id=public_id).exists()
    assert not Membership.objects.filter(group_id=group.pk).exists()
    assert not GroupUserObjectPermission.objects.filter(content_object_id=group.pk).exists()
    [event] = events_since(mark)
    assert (event.action, event.channel, event.organization) == (
        "group.deleted",
        "ui",
        group.organization,
    )
    assert event.target_id == str(public_id)
    assert event.before["name"] == "Editors"
    assert event.before["members"] == 1


def test_group_delete_takes_away_the_capabilities_it_gave(organization, creators, dee):
    services.membership_add(group=creators, users=[dee], actor=None)
    assert dee.has_perm("accounts.create_groups", organization)

    services.group_delete(group=creators, actor=None)

    assert not dee.has_perm("accounts.create_groups", organization)
    assert not OrganizationGroupObjectPermission.objects.filter(group_id=creators.pk).exists()


def test_group_delete_by_the_group_manager(group, group_manager):
    services.group_delete(group=group, actor=group_manager)

    assert not Group.objects.filter(pk=group.pk).exists()


def test_group_delete_by_an_admin_of_a_group_created_by_the_system(organization, org_admin):
    group = services.group_create(organization=organization, display_name="Ops", actor=None)

    services.group_delete(group=group, actor=org_admin)

    assert not Group.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("kind", [Group.Kind.ADMINISTRATORS, Group.Kind.USERS])
@pytest.mark.parametrize("actor_name", ["org_admin", "operator", None])
def test_group_delete_refuses_a_default_group(request, organization, org_admin, kind, actor_name):
    actor = request.getfixturevalue(actor_name) if actor_name else None
    default = services.default_group(organization, kind)

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_delete(group=default, actor=actor)
    assert "protected" in messages(excinfo.value)


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_group_delete_refuses_who_cannot_see_the_group(request, group, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_delete(group=group, actor=actor)


def test_group_delete_refuses_who_may_only_change(group, org_admin, dee):
    services.group_rights_grant(
        group=group, user=dee, rights=["view_group", "change_group"], actor=org_admin
    )

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_delete(group=group, actor=dee)


# --- membership_add ---------------------------------------------------------------------------


def test_membership_add_several_at_once(group, org_admin, dee, eve):
    mark = audit_mark()

    added = services.membership_add(group=group, users=[dee, eve], channel="admin", actor=org_admin)

    assert added == [dee, eve]
    assert members(group) == {dee, eve}
    assert set(Membership.objects.filter(group=group).values_list("added_by", flat=True)) == {
        org_admin.pk
    }
    events = events_since(mark)
    assert [(e.action, e.channel, e.actor, e.organization) for e in events] == [
        ("membership.added", "admin", org_admin, group.organization)
    ] * 2
    assert [e.after["email"] for e in events] == [dee.email, eve.email]
    assert {e.target_id for e in events} == {str(group.public_id)}


def test_membership_add_gives_members_the_rights_of_the_group(group, org_admin, dee):
    editors_watchers = services.group_create(
        organization=group.organization, display_name="Watchers", actor=org_admin
    )
    services.group_rights_grant(
        group=group, holder_group=editors_watchers, rights=["view_group"], actor=org_admin
    )

    services.membership_add(group=editors_watchers, users=[dee], actor=org_admin)

    assert dee.has_perm("groups.view_group", group)
    assert not dee.has_perm("groups.change_group", group)


def test_membership_add_is_all_or_nothing_for_a_foreign_user(group, org_admin, dee, outsider):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_add(group=group, users=[dee, outsider], actor=org_admin)

    assert list(excinfo.value.message_dict) == ["users"]
    assert f"Olga Ode <{outsider.email}>" in messages(excinfo.value)
    assert dee.email not in messages(excinfo.value)


def test_membership_add_is_all_or_nothing_for_a_user_of_no_organization(group, org_admin, dee):
    loner = UserFactory(first_name="Lou", last_name="Lone")

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_add(group=group, users=[dee, loner], actor=org_admin)

    assert f"Lou Lone <{loner.email}>" in messages(excinfo.value)


def test_membership_add_names_every_foreign_user(group, org_admin, outsider):
    loner = UserFactory(first_name="Lou", last_name="Lone")

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_add(group=group, users=[outsider, loner], actor=org_admin)

    assert outsider.email in messages(excinfo.value)
    assert loner.email in messages(excinfo.value)


def test_membership_add_of_an_existing_member_is_a_no_op(group, org_admin, dee):
    services.membership_add(group=group, users=[dee], actor=org_admin)

    with changes_nothing():
        assert services.membership_add(group=group, users=[dee], actor=org_admin) == []
    assert Membership.objects.filter(group=group, user=dee).count() == 1


def test_membership_add_adds_only_the_new_ones(group, org_admin, dee, eve):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    mark = audit_mark()

    assert services.membership_add(group=group, users=[dee, eve, eve], actor=org_admin) == [eve]

    assert members(group) == {dee, eve}
    assert [e.after["email"] for e in events_since(mark)] == [eve.email]


def test_membership_add_of_nobody_is_a_no_op(group, org_admin):
    with changes_nothing():
        assert services.membership_add(group=group, users=[], actor=org_admin) == []


def test_membership_add_refuses_the_users_group(users_group, org_admin):
    loner = UserFactory()

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_add(group=users_group, users=[loner], actor=org_admin)
    assert list(excinfo.value.message_dict) == ["users"]
    with changes_nothing(), pytest.raises(ValidationError):
        services.membership_add(group=users_group, users=[loner], actor=None)


def test_membership_add_refuses_a_deactivated_user(group, org_admin, dee, eve):
    account_services.user_set_active(user=dee, active=False, actor=None)
    dee.refresh_from_db()

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_add(group=group, users=[eve, dee], actor=org_admin)
    assert dee.email in messages(excinfo.value)
    assert "Deactivated" in messages(excinfo.value)


def test_membership_add_refuses_an_expiry_in_the_past(group, org_admin, dee):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_add(
            group=group,
            users=[dee],
            expires_at=timezone.now() - timedelta(minutes=1),
            actor=org_admin,
        )
    assert list(excinfo.value.message_dict) == ["expires_at"]


def test_membership_add_records_a_future_expiry(group, org_admin, dee):
    expires_at = timezone.now() + timedelta(days=7)
    mark = audit_mark()

    services.membership_add(group=group, users=[dee], expires_at=expires_at, actor=org_admin)

    assert Membership.objects.get(group=group, user=dee).expires_at == expires_at
    [event] = events_since(mark)
    assert event.after["expires_at"] == expires_at.isoformat()


def test_membership_add_to_administrators_makes_an_admin(administrators, org_admin, dee):
    services.membership_add(group=administrators, users=[dee], actor=org_admin)

    assert dee.has_perm("accounts.manage_members", administrators.organization)


def test_membership_add_by_the_group_manager(group, group_manager, dee):
    services.membership_add(group=group, users=[dee], actor=group_manager)

    assert members(group) == {dee}


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_membership_add_refuses_who_cannot_see_the_group(request, group, dee, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.membership_add(group=group, users=[dee], actor=actor)


def test_membership_add_refuses_who_may_only_view(group, org_admin, dee):
    services.group_rights_grant(group=group, user=dee, rights=["view_group"], actor=org_admin)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.membership_add(group=group, users=[dee], actor=dee)


def test_membership_add_refuses_the_group_manager_on_administrators(administrators, group_manager):
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.membership_add(group=administrators, users=[group_manager], actor=group_manager)


# --- membership_remove ------------------------------------------------------------------------


def test_membership_remove_records_one_event_per_member(group, org_admin, dee, eve):
    services.membership_add(group=group, users=[dee, eve], actor=org_admin)
    mark = audit_mark()

    removed = services.membership_remove(
        group=group, users=[dee, eve], channel="command", actor=None
    )

    assert removed == [dee, eve]
    assert members(group) == set()
    events = events_since(mark)
    assert [(e.action, e.channel, e.actor) for e in events] == [
        ("membership.removed", "command", None)
    ] * 2
    assert [e.before["email"] for e in events] == [dee.email, eve.email]


def test_membership_remove_of_a_non_member_is_a_no_op(group, org_admin, dee, outsider):
    with changes_nothing():
        assert services.membership_remove(group=group, users=[dee, outsider], actor=org_admin) == []


def test_membership_remove_of_a_non_member_from_administrators_is_a_no_op(
    administrators, org_admin, dee
):
    with changes_nothing():
        assert services.membership_remove(group=administrators, users=[dee], actor=None) == []


def test_membership_remove_takes_away_the_groups_capabilities(organization, creators, dee):
    services.membership_add(group=creators, users=[dee], actor=None)

    services.membership_remove(group=creators, users=[dee], actor=None)

    assert not dee.has_perm("accounts.create_groups", organization)


def test_membership_remove_refuses_the_users_group(users_group, org_admin, org_member):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_remove(group=users_group, users=[org_member], actor=org_admin)
    assert list(excinfo.value.message_dict) == ["users"]


@pytest.mark.parametrize("actor_name", ["org_admin", None])
def test_membership_remove_refuses_the_last_administrator(
    request, administrators, org_admin, actor_name
):
    actor = request.getfixturevalue(actor_name) if actor_name else None

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.membership_remove(group=administrators, users=[org_admin], actor=actor)
    assert "last administrator" in messages(excinfo.value)


def test_membership_remove_removes_one_of_two_admins(administrators, org_admin, dee):
    services.membership_add(group=administrators, users=[dee], actor=org_admin)

    services.membership_remove(group=administrators, users=[org_admin], actor=org_admin)

    assert members(administrators) == {dee}
    assert not org_admin.has_perm("accounts.view_groups", administrators.organization)
    assert dee.has_perm("accounts.view_groups", administrators.organization)


def test_membership_remove_refuses_removing_every_admin_at_once(administrators, org_admin, dee):
    services.membership_add(group=administrators, users=[dee], actor=org_admin)

    with changes_nothing(), pytest.raises(ValidationError):
        services.membership_remove(group=administrators, users=[dee, org_admin], actor=org_admin)


def test_membership_remove_does_not_count_deactivated_admins(administrators, org_admin, dee):
    services.membership_add(group=administrators, users=[dee], actor=org_admin)
    account_services.user_set_active(user=dee, active=False, actor=None)

    with changes_nothing(), pytest.raises(ValidationError):
        services.membership_remove(group=administrators, users=[org_admin], actor=None)
    # The deactivated one may go.
    services.membership_remove(group=administrators, users=[dee], actor=org_admin)
    assert members(administrators) == {org_admin}


def test_membership_remove_by_the_group_manager(group, group_manager, dee):
    services.membership_add(group=group, users=[dee], actor=group_manager)

    services.membership_remove(group=group, users=[dee], actor=group_manager)

    assert members(group) == set()


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_membership_remove_refuses_who_cannot_see_the_group(
    request, group, org_admin, dee, persona
):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.membership_remove(group=group, users=[dee], actor=actor)


def test_membership_remove_refuses_a_non_admin_on_administrators(
    administrators, org_admin, group_manager
):
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.membership_remove(group=administrators, users=[org_admin], actor=group_manager)


# --- what admins, members and managers may do -------------------------------------------------


def test_org_admin_may_do_everything_to_every_custom_group(organization, org_admin, dee):
    group = services.group_create(organization=organization, display_name="Ops", actor=None)
    checker = access.Access(org_admin)

    assert checker.rights_on(group) == set(ALL_GROUP_RIGHTS)
    services.group_update(group=group, description="Run by Ann", actor=org_admin)
    services.membership_add(group=group, users=[dee], actor=org_admin)
    services.membership_remove(group=group, users=[dee], actor=org_admin)
    services.group_delete(group=group, actor=org_admin)
    assert not Group.objects.filter(pk=group.pk).exists()


def test_group_manager_holds_rights_on_their_group_only(organization, group, group_manager):
    other = services.group_create(organization=organization, display_name="Ops", actor=None)

    assert access.Access(group_manager).rights_on(group) == set(ALL_GROUP_RIGHTS)
    assert access.Access(group_manager).rights_on(other) == set()
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_update(group=other, description="Mine now", actor=group_manager)


def test_create_groups_comes_with_a_permission_set_and_goes_with_it(
    organization, org_admin, creators, dee
):
    services.membership_add(group=creators, users=[dee], actor=org_admin)
    assert dee.has_perm("accounts.create_groups", organization)
    services.group_create(organization=organization, display_name="Dee's", actor=dee)
    permission_set = creators.permission_set_links.get().permission_set

    services.group_permission_set_remove(
        group=creators, permission_set=permission_set, actor=org_admin
    )

    assert not dee.has_perm("accounts.create_groups", organization)
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_create(organization=organization, display_name="Dee's second", actor=dee)


# --- permission sets --------------------------------------------------------------------------


def test_permission_set_create_records_one_event(organization, org_admin):
    mark = audit_mark()

    permission_set = services.permission_set_create(
        organization=organization,
        name="Auditors",
        description="Read the log",
        permissions=["view_audit_log", "view_groups"],
        channel="ui",
        actor=org_admin,
    )

    assert permission_set.organization == organization
    assert not permission_set.protected
    assert set(permission_set.permissions.values_list("codename", flat=True)) == {
        "view_audit_log",
        "view_groups",
    }
    [event] = events_since(mark)
    assert (event.action, event.channel, event.actor, event.organization) == (
        "permission_set.created",
        "ui",
        org_admin,
        organization,
    )
    assert event.after["permissions"] == ["view_audit_log", "view_groups"]


@pytest.mark.parametrize(
    "permissions",
    [["view_groups", "fly"], ["delete_organization"], ["add_organization"], ["view_group"]],
    ids=["unknown", "delete-org", "add-org", "group-right"],
)
def test_permission_set_create_refuses_unknown_capabilities(organization, org_admin, permissions):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.permission_set_create(
            organization=organization, name="Odd", permissions=permissions, actor=org_admin
        )
    assert list(excinfo.value.message_dict) == ["permissions"]


@pytest.mark.parametrize("name", ["administrator", "FULL ACCESS", "", "x" * 101])
def test_permission_set_create_refuses_bad_or_taken_names(organization, org_admin, name):
    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.permission_set_create(organization=organization, name=name, actor=org_admin)
    assert list(excinfo.value.message_dict) == ["name"]


def test_permission_set_create_refuses_a_name_taken_in_the_organization(organization, creators):
    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_create(organization=organization, name="group MAKERS", actor=None)


def test_permission_set_create_accepts_a_name_used_in_another_organization(
    other_organization, creators, outsider
):
    permission_set = services.permission_set_create(
        organization=other_organization, name="Group makers", actor=outsider
    )

    assert permission_set.organization == other_organization


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_permission_set_create_refuses_who_may_not_manage_sets(request, organization, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.permission_set_create(
            organization=organization, name="Mine", permissions=["create_groups"], actor=actor
        )


def test_group_permission_set_add_gives_members_the_capabilities_at_once(
    organization, group, org_admin, dee
):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    permission_set = services.permission_set_create(
        organization=organization, name="Auditors", permissions=["view_audit_log"], actor=None
    )
    assert not dee.has_perm("accounts.view_audit_log", organization)
    mark = audit_mark()

    assert services.group_permission_set_add(
        group=group, permission_set=permission_set, channel="api", actor=org_admin
    )

    assert dee.has_perm("accounts.view_audit_log", organization)
    assert not dee.has_perm("accounts.view_groups", organization)
    [event] = events_since(mark)
    assert (event.action, event.channel, event.target_id) == (
        "group.permission_set_added",
        "api",
        str(group.public_id),
    )
    assert event.after["permission_set"] == "Auditors"


def test_group_permission_set_add_of_a_held_set_is_a_no_op(creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set

    with changes_nothing():
        assert not services.group_permission_set_add(
            group=creators, permission_set=permission_set, actor=org_admin
        )


def test_group_permission_set_add_accepts_a_shared_default_set(organization, group, org_admin, dee):
    services.membership_add(group=group, users=[dee], actor=org_admin)

    services.group_permission_set_add(
        group=group, permission_set=services.permission_set_by_key("read-only"), actor=org_admin
    )

    assert dee.has_perm("accounts.view_groups", organization)
    assert access.groups_visible_to(dee, organization).count() == 3


def test_group_permission_set_remove_keeps_a_capability_another_set_gives(
    organization, group, org_admin, dee
):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    auditors = services.permission_set_create(
        organization=organization,
        name="Auditors",
        permissions=["view_audit_log", "view_groups"],
        actor=None,
    )
    viewers = services.permission_set_create(
        organization=organization, name="Viewers", permissions=["view_groups"], actor=None
    )
    services.group_permission_set_add(group=group, permission_set=auditors, actor=org_admin)
    services.group_permission_set_add(group=group, permission_set=viewers, actor=org_admin)
    mark = audit_mark()

    assert services.group_permission_set_remove(
        group=group, permission_set=auditors, actor=org_admin
    )

    assert dee.has_perm("accounts.view_groups", organization)
    assert not dee.has_perm("accounts.view_audit_log", organization)
    [event] = events_since(mark)
    assert event.action == "group.permission_set_removed"

    services.group_permission_set_remove(group=group, permission_set=viewers, actor=org_admin)

    assert not dee.has_perm("accounts.view_groups", organization)
    assert not OrganizationGroupObjectPermission.objects.filter(group_id=group.pk).exists()


def test_group_permission_set_remove_of_a_set_not_held_is_a_no_op(group, org_admin):
    with changes_nothing():
        assert not services.group_permission_set_remove(
            group=group, permission_set=services.permission_set_by_key("read-only"), actor=None
        )


@pytest.mark.parametrize("kind", [Group.Kind.ADMINISTRATORS, Group.Kind.USERS])
@pytest.mark.parametrize("key", ["administrator", "full-access", "read-only"])
def test_group_permission_sets_of_default_groups_are_fixed(organization, org_admin, kind, key):
    default = services.default_group(organization, kind)
    permission_set = services.permission_set_by_key(key)

    with changes_nothing(), pytest.raises(ValidationError):
        services.group_permission_set_add(
            group=default, permission_set=permission_set, actor=org_admin
        )
    with changes_nothing(), pytest.raises(ValidationError):
        services.group_permission_set_remove(
            group=default, permission_set=permission_set, actor=None
        )


def test_group_permission_set_add_refuses_a_set_of_another_organization(
    group, other_organization, org_admin
):
    foreign = services.permission_set_create(
        organization=other_organization, name="Globex set", permissions=["view_groups"], actor=None
    )

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.group_permission_set_add(group=group, permission_set=foreign, actor=org_admin)
    assert list(excinfo.value.message_dict) == ["permission_set"]
    with changes_nothing(), pytest.raises(ValidationError):
        services.group_permission_set_add(group=group, permission_set=foreign, actor=None)


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_group_permission_set_add_refuses_who_may_not_manage_sets(request, group, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_permission_set_add(
            group=group, permission_set=services.permission_set_by_key("administrator"), actor=actor
        )


def test_permission_set_update_rederives_every_holder(organization, group, org_admin, dee, eve):
    second = services.group_create(organization=organization, display_name="Second", actor=None)
    services.membership_add(group=group, users=[dee], actor=org_admin)
    services.membership_add(group=second, users=[eve], actor=org_admin)
    permission_set = services.permission_set_create(
        organization=organization, name="Auditors", permissions=["view_audit_log"], actor=None
    )
    for holder in (group, second):
        services.group_permission_set_add(group=holder, permission_set=permission_set, actor=None)
    mark = audit_mark()

    services.permission_set_update(
        permission_set=permission_set,
        permissions=["view_groups", "manage_members"],
        channel="ui",
        actor=org_admin,
    )

    for user in (dee, eve):
        assert not user.has_perm("accounts.view_audit_log", organization)
        assert user.has_perm("accounts.view_groups", organization)
        assert user.has_perm("accounts.manage_members", organization)
    [event] = events_since(mark)
    assert (event.action, event.channel) == ("permission_set.updated", "ui")
    assert event.before["permissions"] == ["view_audit_log"]
    assert event.after["permissions"] == ["manage_members", "view_groups"]


def test_permission_set_update_keeps_capabilities_other_sets_give(
    organization, group, org_admin, dee
):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    services.group_permission_set_add(
        group=group, permission_set=services.permission_set_by_key("read-only"), actor=None
    )
    permission_set = services.permission_set_create(
        organization=organization, name="Viewers", permissions=["view_groups"], actor=None
    )
    services.group_permission_set_add(group=group, permission_set=permission_set, actor=None)

    services.permission_set_update(permission_set=permission_set, permissions=[], actor=None)

    assert dee.has_perm("accounts.view_groups", organization)


def test_permission_set_update_renames(organization, creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set

    services.permission_set_update(
        permission_set=permission_set, name="Makers", description="They make", actor=org_admin
    )

    permission_set.refresh_from_db()
    assert (permission_set.name, permission_set.description) == ("Makers", "They make")


def test_permission_set_update_without_a_change_is_a_no_op(creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set

    with changes_nothing():
        services.permission_set_update(
            permission_set=permission_set,
            name="Group makers",
            permissions=["create_groups"],
            actor=org_admin,
        )


def test_permission_set_update_refuses_unknown_capabilities(creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set

    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_update(
            permission_set=permission_set, permissions=["create_groups", "fly"], actor=org_admin
        )


def test_permission_set_update_refuses_a_taken_name(creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set

    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_update(
            permission_set=permission_set, name="Read only", actor=org_admin
        )


@pytest.mark.parametrize("key", ["administrator", "full-access", "read-only"])
@pytest.mark.parametrize("actor_name", ["org_admin", "operator", None])
def test_default_permission_sets_cannot_be_edited_or_deleted(
    request, organization, key, actor_name
):
    actor = request.getfixturevalue(actor_name) if actor_name else None
    permission_set = services.permission_set_by_key(key)

    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_update(permission_set=permission_set, name="Mine", actor=actor)
    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_update(
            permission_set=permission_set, permissions=["view_organization"], actor=actor
        )
    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_update(permission_set=permission_set, description="", actor=actor)
    with changes_nothing(), pytest.raises(ValidationError):
        services.permission_set_delete(permission_set=permission_set, actor=actor)


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_permission_set_update_and_delete_refuse_who_may_not_manage_sets(
    request, creators, persona
):
    actor = request.getfixturevalue(persona)
    permission_set = creators.permission_set_links.get().permission_set

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.permission_set_update(
            permission_set=permission_set, permissions=["manage_users"], actor=actor
        )
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.permission_set_delete(permission_set=permission_set, actor=actor)


def test_permission_set_delete_refuses_a_held_set(creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set

    with changes_nothing(), pytest.raises(ValidationError) as excinfo:
        services.permission_set_delete(permission_set=permission_set, actor=org_admin)
    assert "held by 1 group" in messages(excinfo.value)


def test_permission_set_delete_of_a_set_no_group_holds(creators, org_admin):
    permission_set = creators.permission_set_links.get().permission_set
    services.group_permission_set_remove(group=creators, permission_set=permission_set, actor=None)
    mark = audit_mark()

    services.permission_set_delete(permission_set=permission_set, channel="ui", actor=org_admin)

    assert not PermissionSet.objects.filter(pk=permission_set.pk).exists()
    [event] = events_since(mark)
    assert (event.action, event.channel, event.target_id) == (
        "permission_set.deleted",
        "ui",
        str(permission_set.public_id),
    )


# --- rights on a group ------------------------------------------------------------------------


def test_group_rights_grant_to_a_user(group, org_admin, dee):
    mark = audit_mark()

    services.group_rights_grant(
        group=group,
        user=dee,
        rights=["view_group", "manage_members"],
        channel="ui",
        actor=org_admin,
    )

    assert access.Access(dee).rights_on(group) == {"view_group", "manage_members"}
    assert dee.has_perm("groups.manage_members", group)
    assert not dee.has_perm("groups.change_group", group)
    [event] = events_since(mark)
    assert (event.action, event.channel, event.actor) == ("group.rights_granted", "ui", org_admin)
    assert event.after["rights"] == ["view_group", "manage_members"]


def test_group_rights_grant_to_a_group_reaches_its_members(group, org_admin, dee, eve):
    reviewers = services.group_create(
        organization=group.organization, display_name="Reviewers", actor=org_admin
    )
    services.membership_add(group=reviewers, users=[dee], actor=org_admin)

    services.group_rights_grant(
        group=group, holder_group=reviewers, rights=["view_group"], actor=org_admin
    )
    services.membership_add(group=reviewers, users=[eve], actor=org_admin)

    assert dee.has_perm("groups.view_group", group)
    assert eve.has_perm("groups.view_group", group)


def test_group_rights_grant_of_rights_already_held_is_a_no_op(group, org_admin, group_manager):
    with changes_nothing():
        services.group_rights_grant(
            group=group, user=group_manager, rights=["view_group"], actor=org_admin
        )


def test_group_rights_grant_by_the_group_manager(group, group_manager, dee):
    services.group_rights_grant(group=group, user=dee, rights=ALL_GROUP_RIGHTS, actor=group_manager)

    assert access.Access(dee).rights_on(group) == set(ALL_GROUP_RIGHTS)


def test_group_rights_grant_refuses_rights_the_actor_does_not_hold(group, org_admin, dee, eve):
    services.group_rights_grant(
        group=group, user=dee, rights=["view_group", "change_group"], actor=org_admin
    )

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_rights_grant(group=group, user=eve, rights=["delete_group"], actor=dee)
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_rights_grant(group=group, user=eve, rights=ALL_GROUP_RIGHTS, actor=dee)


def test_group_rights_grant_needs_change_rights(group, org_admin, dee, eve):
    services.group_rights_grant(
        group=group, user=dee, rights=["view_group", "manage_members"], actor=org_admin
    )

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_rights_grant(group=group, user=eve, rights=["view_group"], actor=dee)


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_group_rights_grant_refuses_who_cannot_see_the_group(request, group, persona):
    actor = request.getfixturevalue(persona)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_rights_grant(group=group, user=actor, rights=ALL_GROUP_RIGHTS, actor=actor)


def test_group_rights_grant_refuses_a_holder_of_another_organization(
    group, other_organization, org_admin, outsider
):
    foreign_group = services.default_group(other_organization, Group.Kind.USERS)
    loner = UserFactory()

    for holder in ({"user": outsider}, {"user": loner}, {"holder_group": foreign_group}):
        with changes_nothing(), pytest.raises(ValidationError):
            services.group_rights_grant(
                group=group, rights=["view_group"], actor=org_admin, **holder
            )
    assert not outsider.has_perm("groups.view_group", group)


@pytest.mark.parametrize(
    ("rights", "holders"),
    [
        (["fly"], "user"),
        ([], "user"),
        (["view_group", "add_group"], "user"),
        (["view_group"], "none"),
        (["view_group"], "both"),
    ],
)
def test_group_rights_grant_refuses_malformed_requests(group, org_admin, dee, rights, holders):
    holder = {
        "user": {"user": dee},
        "none": {},
        "both": {"user": dee, "holder_group": group},
    }[holders]

    with changes_nothing(), pytest.raises(ValidationError):
        services.group_rights_grant(group=group, rights=rights, actor=org_admin, **holder)


def test_group_rights_revoke_takes_rights_away(group, org_admin, group_manager):
    mark = audit_mark()

    services.group_rights_revoke(
        group=group, user=group_manager, rights=["delete_group", "change_group"], actor=org_admin
    )

    assert access.Access(group_manager).rights_on(group) == {"view_group", "manage_members"}
    [event] = events_since(mark)
    assert event.action == "group.rights_revoked"
    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_delete(group=group, actor=group_manager)


def test_group_rights_revoke_of_rights_not_held_is_a_no_op(group, org_admin, dee):
    with changes_nothing():
        services.group_rights_revoke(group=group, user=dee, rights=["view_group"], actor=org_admin)


def test_group_rights_revoke_refuses_who_may_not_change_the_group(
    group, org_admin, group_manager, dee
):
    services.group_rights_grant(group=group, user=dee, rights=["view_group"], actor=org_admin)

    with changes_nothing(), pytest.raises(PermissionDenied):
        services.group_rights_revoke(
            group=group, user=group_manager, rights=["view_group"], actor=dee
        )


def test_group_rights_grant_to_a_group_twice_records_it_once(group, org_admin):
    reviewers = services.group_create(
        organization=group.organization, display_name="Reviewers", actor=org_admin
    )
    services.group_rights_grant(
        group=group, holder_group=reviewers, rights=["view_group"], actor=org_admin
    )
    mark = audit_mark()

    services.group_rights_grant(
        group=group,
        holder_group=reviewers,
        rights=["view_group", "manage_members"],
        actor=org_admin,
    )

    [event] = events_since(mark)
    assert event.after["rights"] == ["manage_members"]
    assert set(
        GroupGroupObjectPermission.objects.filter(
            group_id=reviewers.pk, content_object=group
        ).values_list("permission__codename", flat=True)
    ) == {"view_group", "manage_members"}


def test_group_rights_revoke_from_a_deactivated_user(group, org_admin, group_manager):
    account_services.user_set_active(user=group_manager, active=False, actor=None)
    group_manager.refresh_from_db()

    services.group_rights_revoke(
        group=group, user=group_manager, rights=ALL_GROUP_RIGHTS, actor=org_admin
    )

    assert not GroupUserObjectPermission.objects.filter(user=group_manager).exists()
