"""Who may see and do what: 404 for what you may not see, 403 for what you may not do."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from groups import access
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_member
from tests.factories import UserFactory

ACTIONS = ["view", "change", "delete", "manage_members"]
ALL_GROUP_RIGHTS = {"view_group", "change_group", "delete_group", "manage_members"}


@pytest.fixture
def ops(organization):
    """Ops: a custom group of Acme created by the system; nobody holds rights on it."""
    return group_services.group_create(organization=organization, display_name="Ops", actor=None)


@pytest.fixture
def operator(db):
    # Opal Op: a superuser (operator) who belongs to no organization.
    return UserFactory(first_name="Opal", last_name="Op", is_staff=True, is_superuser=True)


# --- group_for_user ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_group_for_user_gives_an_admin_every_group(
    organization, org_admin, group, ops, administrators, users_group, action
):
    for target in (group, ops, administrators, users_group):
        found = access.group_for_user(org_admin, organization, target.public_id, action)
        assert found == target
        assert found.organization == organization


@pytest.mark.parametrize("action", ACTIONS)
def test_group_for_user_gives_the_group_manager_their_group(
    organization, group, group_manager, action
):
    assert access.group_for_user(group_manager, organization, group.public_id, action) == group


@pytest.mark.parametrize("action", ACTIONS)
def test_group_for_user_hides_other_groups_from_the_group_manager(
    organization, group_manager, ops, administrators, users_group, action
):
    for target in (ops, administrators, users_group):
        with pytest.raises(Http404):
            access.group_for_user(group_manager, organization, target.public_id, action)


@pytest.mark.parametrize("action", ACTIONS)
def test_group_for_user_hides_every_group_from_a_plain_member(
    organization, org_member, group, administrators, users_group, action
):
    for target in (group, administrators, users_group):
        with pytest.raises(Http404):
            access.group_for_user(org_member, organization, target.public_id, action)


def test_group_for_user_refuses_a_viewer_every_other_action(organization, group, viewer):
    assert access.group_for_user(viewer, organization, group.public_id) == group
    for action in ["change", "delete", "manage_members"]:
        with pytest.raises(PermissionDenied):
            access.group_for_user(viewer, organization, group.public_id, action)


@pytest.mark.parametrize("action", ACTIONS)
def test_group_for_user_hides_a_group_from_an_outsider(
    organization, other_organization, group, outsider, action
):
    with pytest.raises(Http404):
        access.group_for_user(outsider, organization, group.public_id, action)
    # Naming their own organization does not help either.
    with pytest.raises(Http404):
        access.group_for_user(outsider, other_organization, group.public_id, action)


def test_group_for_user_does_not_cross_organizations_for_a_member_of_both(
    organization, other_organization, group, outsider
):
    account_services.organization_user_add(
        organization=organization, user=outsider, admin=True, actor=None
    )

    assert access.group_for_user(outsider, organization, group.public_id) == group
    with pytest.raises(Http404):
        access.group_for_user(outsider, other_organization, group.public_id)


def test_group_for_user_unknown_id_is_not_found(organization, org_admin):
    with pytest.raises(Http404):
        access.group_for_user(org_admin, organization, uuid.uuid4())


@pytest.mark.parametrize("public_id", ["not-a-uuid", "", "1"])
def test_group_for_user_malformed_id_is_not_found(organization, org_admin, group, public_id):
    with pytest.raises(Http404):
        access.group_for_user(org_admin, organization, public_id)


def test_group_for_user_accepts_the_id_as_text(organization, org_admin, group):
    assert access.group_for_user(org_admin, organization, str(group.public_id)) == group


def test_group_for_user_hides_everything_from_a_deactivated_admin(organization, org_admin, group):
    make_member(organization, admin=True)
    account_services.user_set_active(user=org_admin, active=False, actor=None)
    org_admin.refresh_from_db()

    with pytest.raises(Http404):
        access.group_for_user(org_admin, organization, group.public_id)


def test_group_for_user_hides_everything_from_anonymous_visitors(organization, group):
    with pytest.raises(Http404):
        access.group_for_user(AnonymousUser(), organization, group.public_id)


def test_group_for_user_follows_rights_given_to_a_group(organization, group, org_admin, org_member):
    reviewers = group_services.group_create(
        organization=organization, display_name="Reviewers", actor=org_admin
    )
    group_services.group_rights_grant(
        group=group,
        holder_group=reviewers,
        rights=["view_group", "manage_members"],
        actor=org_admin,
    )
    group_services.membership_add(group=reviewers, users=[org_member], actor=org_admin)

    assert access.group_for_user(org_member, organization, group.public_id, "manage_members")
    with pytest.raises(PermissionDenied):
        access.group_for_user(org_member, organization, group.public_id, "delete")

    group_services.membership_remove(group=reviewers, users=[org_member], actor=org_admin)

    with pytest.raises(Http404):
        access.group_for_user(org_member, organization, group.public_id)


def test_group_for_user_lets_an_operator_see_everything(organization, group, operator):
    assert access.group_for_user(operator, organization, group.public_id, "delete") == group


# --- groups_visible_to ------------------------------------------------------------------------


def test_groups_visible_to_an_admin_is_every_group(
    organization, other_organization, org_admin, group, ops, outsider
):
    assert set(access.groups_visible_to(org_admin, organization)) == set(
        Group.objects.filter(organization=organization)
    )
    assert access.groups_visible_to(org_admin, organization).count() == 4
    assert not access.groups_visible_to(org_admin, other_organization).exists()


def test_groups_visible_to_others_is_the_groups_they_hold_rights_on(
    organization, group, ops, group_manager, viewer, org_member
):
    assert list(access.groups_visible_to(group_manager, organization)) == [group]
    assert list(access.groups_visible_to(viewer, organization)) == [group]
    assert not access.groups_visible_to(org_member, organization).exists()


def test_groups_visible_to_an_outsider_is_nothing(
    organization, other_organization, group, outsider
):
    assert not access.groups_visible_to(outsider, organization).exists()
    assert set(access.groups_visible_to(outsider, other_organization)) == set(
        Group.objects.filter(organization=other_organization)
    )


def test_groups_visible_to_follows_rights_given_to_a_group(
    organization, group, org_admin, org_member
):
    reviewers = group_services.group_create(
        organization=organization, display_name="Reviewers", actor=org_admin
    )
    group_services.group_rights_grant(
        group=group, holder_group=reviewers, rights=["view_group"], actor=org_admin
    )
    group_services.membership_add(group=reviewers, users=[org_member], actor=org_admin)

    assert list(access.groups_visible_to(org_member, organization)) == [group]


def test_groups_visible_to_a_read_only_holder_is_every_group(
    organization, group, ops, org_admin, org_member
):
    group_services.membership_add(group=ops, users=[org_member], actor=org_admin)
    group_services.group_permission_set_add(
        group=ops, permission_set=group_services.permission_set_by_key("read-only"), actor=None
    )

    assert access.groups_visible_to(org_member, organization).count() == 4
    # Seeing is not changing.
    with pytest.raises(PermissionDenied):
        access.group_for_user(org_member, organization, group.public_id, "change")


def test_groups_visible_to_a_deactivated_manager_is_nothing(organization, group, group_manager):
    account_services.user_set_active(user=group_manager, active=False, actor=None)
    group_manager.refresh_from_db()

    assert not access.groups_visible_to(group_manager, organization).exists()


def test_groups_visible_to_anonymous_visitors_is_nothing(organization, group):
    assert not access.groups_visible_to(AnonymousUser(), organization).exists()


def test_groups_visible_to_agrees_with_can_see(
    organization, group, ops, org_admin, group_manager, viewer, org_member, outsider
):
    groups = list(Group.objects.filter(organization=organization))
    for user in (org_admin, group_manager, viewer, org_member, outsider):
        checker = access.Access(user)
        checker.prefetch(groups)
        visible = set(access.groups_visible_to(user, organization))
        assert visible == {g for g in groups if checker.can_see(g)}, user


# --- can / require / rights_on ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("org_admin", set(ACTIONS)),
        ("group_manager", set(ACTIONS)),
        ("viewer", {"view"}),
        ("org_member", set()),
        ("outsider", set()),
    ],
)
def test_can_on_a_group_follows_rights_and_capabilities(request, group, persona, allowed):
    user = request.getfixturevalue(persona)

    assert {action for action in ACTIONS if access.can(user, action, group)} == allowed


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        (
            "org_admin",
            {
                "view",
                "change",
                "create_group",
                "manage_permission_sets",
                "manage_users",
                "view_audit_log",
                "manage_access",
                "restore_groups",
            },
        ),
        ("group_manager", {"view"}),
        ("org_member", {"view"}),
        ("outsider", set()),
    ],
)
def test_can_on_an_organization_follows_its_permission_sets(
    request, organization, persona, allowed
):
    user = request.getfixturevalue(persona)

    assert {
        action for action in access.ORGANIZATION_ACTIONS if access.can(user, action, organization)
    } == allowed


def test_can_refuses_objects_it_has_no_rules_for(org_admin):
    with pytest.raises(TypeError):
        access.can(org_admin, "view", org_admin)


def test_require_names_the_refused_action(group, viewer):
    access.require(viewer, "view", group)

    with pytest.raises(PermissionDenied, match="delete Editors"):
        access.require(viewer, "delete", group)


def test_rights_on_combines_direct_rights_and_capabilities(
    group, ops, org_admin, group_manager, viewer, org_member
):
    assert access.Access(org_admin).rights_on(ops) == ALL_GROUP_RIGHTS
    assert access.Access(group_manager).rights_on(group) == ALL_GROUP_RIGHTS
    assert access.Access(viewer).rights_on(group) == {"view_group"}
    assert access.Access(org_member).rights_on(group) == set()


def test_rights_follow_guardian_has_perm(group, ops, org_admin, group_manager, viewer):
    # The same truth for guardian's backend: rights on the group itself are object permissions.
    assert group_manager.has_perm("groups.delete_group", group)
    assert viewer.has_perm("groups.view_group", group)
    assert not viewer.has_perm("groups.change_group", group)
    assert not group_manager.has_perm("groups.view_group", ops)
    # An admin's reach comes from capabilities on the organization, not rows on each group.
    assert org_admin.has_perm("accounts.delete_groups", ops.organization)


def test_a_new_right_takes_effect_on_the_next_check(organization, group, org_admin, org_member):
    checker_before = access.Access(org_member)
    assert not checker_before.can("view", group)

    group_services.group_rights_grant(
        group=group, user=org_member, rights=["view_group"], actor=org_admin
    )

    assert access.can(org_member, "view", group)
    assert access.group_for_user(org_member, organization, group.public_id) == group


# --- organizations ----------------------------------------------------------------------------


def test_organization_for_user_gives_members_their_organization(
    organization, org_admin, org_member
):
    assert access.organization_for_user(org_member, "acme") == organization
    assert access.organization_for_user(org_admin, "acme") == organization


@pytest.mark.parametrize("slug", ["acme", "nope"])
def test_organization_for_user_hides_it_from_strangers(organization, outsider, slug):
    with pytest.raises(Http404):
        access.organization_for_user(outsider, slug)
    with pytest.raises(Http404):
        access.organization_for_user(AnonymousUser(), slug)


def test_organization_for_user_hides_it_after_removal(organization, org_admin, org_member):
    account_services.organization_user_remove(
        organization=organization, user=org_member, actor=org_admin
    )

    with pytest.raises(Http404):
        access.organization_for_user(org_member, "acme")


def test_is_member_means_being_in_users(organization, other_organization, org_member, outsider):
    assert access.is_member(org_member, organization)
    assert not access.is_member(outsider, organization)
    assert access.is_member(outsider, other_organization)


# --- one Access per request ---------------------------------------------------------------


def test_for_request_gives_one_access_per_request_and_user(rf, org_admin, org_member):
    request = rf.get("/")
    request.user = org_admin

    first = access.for_request(request)

    assert access.for_request(request) is first
    assert access.access_of(request) is first
    # An API key authenticates after the middleware: the request's user changes, so must it.
    request.user = org_member
    assert access.for_request(request) is not first
    assert access.for_request(request).user is org_member


def test_group_panel_reads_the_organizations_permissions_once(
    client, organization, group, org_admin
):
    """The page, its list and its panel ask one Access: guardian's rows on the organization
    are read once, not once per question (each view built several before)."""
    client.force_login(org_admin)
    url = f"/t/{organization.slug}/portal/access-management/groups/{group.public_id}/"

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200

    table = "accounts_organizationgroupobjectpermission"
    reads = [q["sql"] for q in captured.captured_queries if table in q["sql"]]
    assert len(reads) == 1, reads
