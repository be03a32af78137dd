"""Resources and grants: the seeds' scenarios (a member can use what the group can, at once and
with its current permission set; loses it when removed unless another path gives it; nested
members inherit; folder grants reach resources added later), and guardian's rows kept equal to
the grants by every service."""

from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import api_keys
from accounts.models import (
    ApiKey,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from audit.models import AuditEvent
from groups import explain, resource_types, services
from groups.models import (
    Grant,
    Resource,
    ResourceGroupObjectPermission,
    ResourceUserObjectPermission,
)
from groups.services import grants
from tests.conftest import make_member
from tests.helpers import audit_mark, changes_nothing, events_since

User = get_user_model()


# --- helpers ------------------------------------------------------------------------------


def resource(organization, ref, *, folder=None, actor=None) -> Resource:
    kind, key = ref.split(":", 1)
    return grants.resource_create(
        organization=organization, type=kind, key=key, folder=folder, actor=actor
    )


def grant(subject, target, *access_types, permission_set=None, actor=None) -> Grant:
    organization = target if not isinstance(target, Resource) else target.organization
    return grants.grant_add(
        organization=organization,
        subject=subject,
        target=target,
        permission_set=permission_set,
        access_types=list(access_types) if access_types else None,
        actor=actor,
    )


def reads(user, target) -> bool:
    """Guardian and the explain module must agree: both are asked."""
    fresh = User.objects.get(pk=user.pk)
    by_guardian = fresh.has_perm("groups.access_read", target)
    by_can = explain.can(fresh, "READ", target)
    assert by_guardian == by_can, (by_guardian, by_can)
    return by_can


def may(user, access_type, target) -> bool:
    return explain.can(User.objects.get(pk=user.pk), access_type, target)


def state() -> dict:
    """What a refused operation must leave exactly as it was."""
    return {
        "resources": set(Resource.objects.values_list("pk", "type", "key", "folder_id")),
        "grants": {
            (
                g.subject_user_id,
                g.subject_group_id,
                g.resource_id,
                g.permission_set_id,
                *g.access_types,
            )
            for g in Grant.objects.all()
        },
        "resource_user_rows": set(
            ResourceUserObjectPermission.objects.values_list(
                "content_object_id", "user_id", "permission_id"
            )
        ),
        "resource_group_rows": set(
            ResourceGroupObjectPermission.objects.values_list(
                "content_object_id", "group_id", "permission_id"
            )
        ),
        "organization_user_rows": set(
            OrganizationUserObjectPermission.objects.values_list(
                "content_object_id", "user_id", "permission_id"
            )
        ),
        "organization_group_rows": set(
            OrganizationGroupObjectPermission.objects.values_list(
                "content_object_id", "group_id", "permission_id"
            )
        ),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture
def checkout(organization):
    """WORKFLOW_DEF:checkout, a resource of Acme outside any folder."""
    return resource(organization, "WORKFLOW_DEF:checkout")


@pytest.fixture
def marketing(organization):
    """folder:marketing, a folder of Acme (seed 002's social_media resource group)."""
    return resource(organization, "folder:marketing")


@pytest.fixture
def editor_set(organization):
    """Editor: a custom permission set of Acme that reads resources."""
    return services.permission_set_create(
        organization=organization, name="Editor", permissions=["access_read"], actor=None
    )


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, in no custom group yet.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def read_only_type():
    """report: a resource type that supports READ only; unregistered afterwards."""
    resource_types.register("report", "Report", ["READ"])
    yield resource_types.REGISTRY["report"]
    resource_types.REGISTRY.pop("report", None)


@pytest.fixture
def api_key_type():
    """The project's own ApiKey model, registered as a resource type for the test."""
    resource_types.register_model(ApiKey, key="api_key")
    yield resource_types.REGISTRY["api_key"]
    resource_types.REGISTRY.pop("api_key", None)


# --- a member can use what the group can, at once --------------------------------------------


def test_membership_add_gives_the_groups_access_at_once(group, dee, checkout):
    grant(group, checkout, "READ", "EXECUTE")
    assert not reads(dee, checkout)

    services.membership_add(group=group, users=[dee], actor=None)

    assert reads(dee, checkout)
    assert may(dee, "EXECUTE", checkout)
    assert not may(dee, "UPDATE", checkout)


def test_grant_add_reaches_the_groups_current_members_at_once(group, dee, checkout):
    services.membership_add(group=group, users=[dee], actor=None)

    grant(group, checkout, "READ")

    assert reads(dee, checkout)


def test_membership_remove_takes_the_groups_access_away(group, dee, checkout):
    grant(group, checkout, "READ")
    services.membership_add(group=group, users=[dee], actor=None)

    services.membership_remove(group=group, users=[dee], actor=None)

    assert not reads(dee, checkout)
    assert User.objects.filter(pk=dee.pk, is_active=True).exists()


def test_membership_remove_keeps_access_given_by_a_direct_grant(group, dee, checkout):
    grant(group, checkout, "READ")
    grant(dee, checkout, "READ")
    services.membership_add(group=group, users=[dee], actor=None)

    services.membership_remove(group=group, users=[dee], actor=None)

    assert reads(dee, checkout)


def test_membership_remove_keeps_access_given_by_another_group(organization, group, dee, checkout):
    other = services.group_create(organization=organization, display_name="Readers", actor=None)
    grant(group, checkout, "READ")
    grant(other, checkout, "READ")
    services.membership_add(group=group, users=[dee], actor=None)
    services.membership_add(group=other, users=[dee], actor=None)

    services.membership_remove(group=group, users=[dee], actor=None)

    assert reads(dee, checkout)
    services.membership_remove(group=other, users=[dee], actor=None)
    assert not reads(dee, checkout)


def test_permission_set_update_changes_what_members_can_do_at_once(
    group, dee, checkout, editor_set
):
    grant(group, checkout, permission_set=editor_set)
    services.membership_add(group=group, users=[dee], actor=None)
    assert reads(dee, checkout)
    assert not may(dee, "UPDATE", checkout)

    services.permission_set_update(
        permission_set=editor_set, permissions=["access_read", "access_update"], actor=None
    )
    assert reads(dee, checkout)
    assert may(dee, "UPDATE", checkout)

    services.permission_set_update(
        permission_set=editor_set, permissions=["access_update"], actor=None
    )
    assert not reads(dee, checkout)
    assert may(dee, "UPDATE", checkout)


def test_permission_set_update_changes_organization_grants_at_once(
    organization, group, dee, checkout, editor_set
):
    grant(group, organization, permission_set=editor_set)
    grant(dee, organization, permission_set=editor_set)
    services.membership_add(group=group, users=[dee], actor=None)
    assert may(dee, "READ", checkout)

    services.permission_set_update(
        permission_set=editor_set, permissions=["access_execute"], actor=None
    )

    assert not may(dee, "READ", checkout)
    assert may(dee, "EXECUTE", checkout)
    assert may(dee, "EXECUTE", organization)


def test_permission_set_update_on_unrelated_grant_changes_nothing_else(
    organization, group, dee, checkout, editor_set
):
    other_set = services.permission_set_create(
        organization=organization, name="Runner", permissions=["access_execute"], actor=None
    )
    grant(group, checkout, permission_set=other_set)
    services.membership_add(group=group, users=[dee], actor=None)

    services.permission_set_update(
        permission_set=editor_set, permissions=["access_delete"], actor=None
    )

    assert may(dee, "EXECUTE", checkout)
    assert not may(dee, "DELETE", checkout)


# --- nested groups ----------------------------------------------------------------------------


def test_member_group_add_gives_nested_members_the_parents_access(
    organization, group, dee, checkout
):
    emea = services.group_create(organization=organization, display_name="EMEA", actor=None)
    services.membership_add(group=emea, users=[dee], actor=None)
    grant(group, checkout, "READ")

    services.member_group_add(parent=group, child=emea, actor=None)
    assert reads(dee, checkout)

    services.member_group_remove(parent=group, child=emea, actor=None)
    assert not reads(dee, checkout)


def test_grant_add_on_a_parent_reaches_members_six_levels_down(organization, dee, checkout):
    chain = [
        services.group_create(organization=organization, display_name=f"Level {n}", actor=None)
        for n in range(7)
    ]
    for parent, child in pairwise(chain):
        services.member_group_add(parent=parent, child=child, actor=None)
    services.membership_add(group=chain[-1], users=[dee], actor=None)

    grant(chain[0], checkout, "READ")

    assert reads(dee, checkout)


# --- folders ----------------------------------------------------------------------------------


def test_grant_on_a_folder_reaches_resources_added_later(organization, group, dee, marketing):
    services.membership_add(group=group, users=[dee], actor=None)
    grant(group, marketing, "READ")

    video = resource(organization, "WORKFLOW_DEF:training_video", folder=marketing)
    inner = resource(organization, "folder:campaigns", folder=marketing)
    deeper = resource(organization, "TASK_DEF:banner", folder=inner)

    assert reads(dee, marketing)
    assert reads(dee, video)
    assert reads(dee, deeper)


def test_grant_on_a_folder_reaches_resources_already_inside(organization, group, dee, marketing):
    video = resource(organization, "WORKFLOW_DEF:training_video", folder=marketing)
    services.membership_add(group=group, users=[dee], actor=None)

    grant(group, marketing, "READ")

    assert reads(dee, video)


def test_resource_move_into_a_folder_gives_its_grants(group, dee, marketing, checkout):
    services.membership_add(group=group, users=[dee], actor=None)
    grant(group, marketing, "READ")

    grants.resource_move(resource=checkout, folder=marketing, actor=None)

    assert reads(dee, checkout)


def test_resource_move_out_of_a_folder_takes_its_grants_away(organization, group, dee, marketing):
    video = resource(organization, "WORKFLOW_DEF:training_video", folder=marketing)
    services.membership_add(group=group, users=[dee], actor=None)
    grant(group, marketing, "READ")

    grants.resource_move(resource=video, folder=None, actor=None)

    assert not reads(dee, video)
    assert reads(dee, marketing)


def test_resource_move_of_a_folder_carries_its_contents(organization, group, dee, marketing):
    archive = resource(organization, "folder:archive")
    old = resource(organization, "folder:old", folder=archive)
    video = resource(organization, "WORKFLOW_DEF:old_video", folder=old)
    services.membership_add(group=group, users=[dee], actor=None)
    grant(group, marketing, "READ")
    assert not reads(dee, video)

    grants.resource_move(resource=old, folder=marketing, actor=None)

    assert reads(dee, old)
    assert reads(dee, video)


def test_resource_move_refuses_a_folder_inside_itself(organization, marketing):
    inner = resource(organization, "folder:campaigns", folder=marketing)

    with changes_nothing(state), pytest.raises(ValidationError, match="inside"):
        grants.resource_move(resource=marketing, folder=inner, actor=None)


def test_resource_create_refuses_a_folder_that_is_not_a_folder(organization, checkout):
    with changes_nothing(state), pytest.raises(ValidationError, match="not a folder"):
        resource(organization, "TASK_DEF:pay", folder=checkout)


def test_resource_create_refuses_a_folder_of_another_organization(organization, other_organization):
    theirs = resource(other_organization, "folder:secret")

    with changes_nothing(state), pytest.raises(ValidationError, match="not in Acme"):
        resource(organization, "TASK_DEF:pay", folder=theirs)


def test_resource_create_refuses_unknown_type_and_duplicates(organization, checkout):
    with changes_nothing(state):
        with pytest.raises(ValidationError, match="Unknown resource type"):
            resource(organization, "SPACESHIP:x")
        with pytest.raises(ValidationError, match="already exists"):
            resource(organization, "WORKFLOW_DEF:checkout")


def test_resource_delete_refuses_a_folder_that_is_not_empty(organization, marketing):
    resource(organization, "WORKFLOW_DEF:video", folder=marketing)

    with changes_nothing(state), pytest.raises(ValidationError, match="not empty"):
        grants.resource_delete(resource=marketing, actor=None)


def test_resource_delete_deletes_its_grants(group, checkout):
    grant(group, checkout, "READ")

    grants.resource_delete(resource=checkout, actor=None)

    assert not Grant.objects.exists()
    assert not ResourceGroupObjectPermission.objects.exists()


# --- deleting a group -------------------------------------------------------------------------


def test_group_delete_revokes_what_it_gave_and_keeps_the_users(
    organization, group, dee, checkout, marketing
):
    services.membership_add(group=group, users=[dee], actor=None)
    grant(group, checkout, "READ")
    grant(group, marketing, "UPDATE")
    grant(group, organization, "EXECUTE")

    services.group_delete(group=group, actor=None)

    assert not reads(dee, checkout)
    assert not may(dee, "UPDATE", marketing)
    assert not may(dee, "EXECUTE", checkout)
    assert not Grant.objects.exists()
    assert not ResourceGroupObjectPermission.objects.exists()
    assert User.objects.filter(pk=dee.pk, is_active=True).exists()


def test_group_delete_of_a_member_group_revokes_what_its_parent_gave(
    organization, group, dee, checkout
):
    emea = services.group_create(organization=organization, display_name="EMEA", actor=None)
    services.member_group_add(parent=group, child=emea, actor=None)
    services.membership_add(group=emea, users=[dee], actor=None)
    grant(group, checkout, "READ")
    assert reads(dee, checkout)

    services.group_delete(group=emea, actor=None)

    assert not reads(dee, checkout)
    assert Grant.objects.get().subject_group == group
    assert User.objects.filter(pk=dee.pk, is_active=True).exists()


# --- merging and removing access types --------------------------------------------------------


def test_grant_add_merges_access_types_into_one_grant(group, checkout):
    first = grant(group, checkout, "EXECUTE")
    second = grant(group, checkout, "read", "EXECUTE")

    assert first.pk == second.pk
    assert Grant.objects.get().access_types == ["READ", "EXECUTE"]


def test_grant_add_of_access_already_held_changes_nothing(group, checkout):
    grant(group, checkout, "READ", "EXECUTE")

    with changes_nothing(state):
        grant(group, checkout, "READ")


def test_grant_add_keeps_permission_set_and_access_types_apart(group, checkout, editor_set):
    grant(group, checkout, "EXECUTE")
    grant(group, checkout, permission_set=editor_set)
    grant(group, checkout, permission_set=editor_set)

    assert sorted(
        (g.permission_set_id is not None, g.access_types) for g in Grant.objects.all()
    ) == [(False, ["EXECUTE"]), (True, [])]


def test_grant_remove_takes_away_only_the_access_types_given(group, dee, checkout):
    grant(group, checkout, "READ", "UPDATE", "EXECUTE")
    services.membership_add(group=group, users=[dee], actor=None)

    removed = grants.grant_remove(
        organization=checkout.organization,
        subject=group,
        target=checkout,
        access_types=["UPDATE", "EXECUTE"],
        actor=None,
    )

    assert removed is True
    assert Grant.objects.get().access_types == ["READ"]
    assert reads(dee, checkout)
    assert not may(dee, "UPDATE", checkout)
    assert not may(dee, "EXECUTE", checkout)


def test_grant_remove_of_the_last_access_type_deletes_the_grant(group, dee, checkout):
    grant(group, checkout, "READ")
    services.membership_add(group=group, users=[dee], actor=None)

    grants.grant_remove(
        organization=checkout.organization,
        subject=group,
        target=checkout,
        access_types=["READ"],
        actor=None,
    )

    assert not Grant.objects.exists()
    assert not ResourceGroupObjectPermission.objects.exists()
    assert not reads(dee, checkout)


def test_grant_remove_of_access_not_held_returns_false_and_changes_nothing(group, checkout):
    grant(group, checkout, "READ")

    with changes_nothing(state):
        removed = grants.grant_remove(
            organization=checkout.organization,
            subject=group,
            target=checkout,
            access_types=["DELETE"],
            actor=None,
        )

    assert removed is False


def test_grant_remove_of_a_permission_set(group, dee, checkout, editor_set):
    grant(group, checkout, permission_set=editor_set)
    services.membership_add(group=group, users=[dee], actor=None)

    removed = grants.grant_remove(
        organization=checkout.organization,
        subject=group,
        target=checkout,
        permission_set=editor_set,
        actor=None,
    )

    assert removed is True
    assert not reads(dee, checkout)


def test_grant_remove_of_a_users_organization_grant(organization, dee, checkout):
    grant(dee, organization, "READ")
    # An organization-wide grant lives in guardian's rows on the organization, not the resource.
    assert User.objects.get(pk=dee.pk).has_perm("accounts.access_read", organization)
    assert not User.objects.get(pk=dee.pk).has_perm("groups.access_read", checkout)
    assert may(dee, "READ", checkout)

    grants.grant_remove(
        organization=organization,
        subject=dee,
        target=organization,
        access_types=["READ"],
        actor=None,
    )

    assert not may(dee, "READ", checkout)
    assert not OrganizationUserObjectPermission.objects.filter(user=dee).exists()


def test_grant_delete_takes_the_access_away(group, dee, checkout, marketing):
    services.membership_add(group=group, users=[dee], actor=None)
    kept = grant(group, marketing, "READ")
    gone = grant(group, checkout, "READ")

    grants.grant_delete(grant=gone, actor=None)

    assert list(Grant.objects.all()) == [kept]
    assert not reads(dee, checkout)
    assert reads(dee, marketing)


# --- refusals ---------------------------------------------------------------------------------


def test_grant_add_refuses_access_types_the_resource_type_does_not_support(
    organization, group, read_only_type
):
    sales = resource(organization, "report:sales")

    with changes_nothing(state), pytest.raises(ValidationError, match="does not support UPDATE"):
        grant(group, sales, "READ", "UPDATE")
    grant(group, sales, "READ")
    assert Grant.objects.get().access_types == ["READ"]


def test_permission_set_grant_gives_only_what_the_resource_type_supports(
    organization, group, dee, read_only_type
):
    sales = resource(organization, "report:sales")
    writer = services.permission_set_create(
        organization=organization,
        name="Writer",
        permissions=["access_read", "access_update"],
        actor=None,
    )
    services.membership_add(group=group, users=[dee], actor=None)

    grant(group, sales, permission_set=writer)

    assert reads(dee, sales)
    assert not may(dee, "UPDATE", sales)
    assert not User.objects.get(pk=dee.pk).has_perm("groups.access_update", sales)


def test_grant_add_refuses_unknown_or_missing_access_types(group, checkout, editor_set):
    with changes_nothing(state):
        with pytest.raises(ValidationError, match="got FLY"):
            grant(group, checkout, "READ", "FLY")
        with pytest.raises(ValidationError, match="got none"):
            grants.grant_add(
                organization=checkout.organization,
                subject=group,
                target=checkout,
                access_types=[],
                actor=None,
            )
        with pytest.raises(ValidationError, match="either a permission set"):
            grants.grant_add(
                organization=checkout.organization, subject=group, target=checkout, actor=None
            )
        with pytest.raises(ValidationError, match="either a permission set"):
            grants.grant_add(
                organization=checkout.organization,
                subject=group,
                target=checkout,
                permission_set=editor_set,
                access_types=["READ"],
                actor=None,
            )


def test_grant_add_refuses_a_group_of_another_organization(other_organization, checkout):
    theirs = services.group_create(
        organization=other_organization, display_name="Spies", actor=None
    )

    with changes_nothing(state), pytest.raises(ValidationError, match="not in Acme"):
        grant(theirs, checkout, "READ")


def test_grant_add_refuses_a_user_of_another_organization(outsider, checkout):
    with changes_nothing(state), pytest.raises(ValidationError, match="not in Acme"):
        grant(outsider, checkout, "READ")


def test_grant_add_refuses_a_resource_of_another_organization(
    organization, other_organization, group
):
    theirs = resource(other_organization, "WORKFLOW_DEF:checkout")

    with changes_nothing(state), pytest.raises(ValidationError, match="not in Acme"):
        grants.grant_add(
            organization=organization,
            subject=group,
            target=theirs,
            access_types=["READ"],
            actor=None,
        )


def test_grant_add_refuses_another_organization_as_target(organization, other_organization, group):
    with changes_nothing(state), pytest.raises(ValidationError, match="another organization"):
        grants.grant_add(
            organization=organization,
            subject=group,
            target=other_organization,
            access_types=["READ"],
            actor=None,
        )


def test_grant_add_refuses_a_permission_set_of_another_organization(
    other_organization, group, checkout
):
    theirs = services.permission_set_create(
        organization=other_organization, name="Theirs", permissions=["access_read"], actor=None
    )

    with changes_nothing(state), pytest.raises(ValidationError, match="No such permission set"):
        grant(group, checkout, permission_set=theirs)


def test_grant_remove_refuses_a_subject_of_another_organization(outsider, group, checkout):
    grant(group, checkout, "READ")

    with changes_nothing(state), pytest.raises(ValidationError, match="not in Acme"):
        grants.grant_remove(
            organization=checkout.organization,
            subject=outsider,
            target=checkout,
            access_types=["READ"],
            actor=None,
        )


# --- who may grant ----------------------------------------------------------------------------


def test_grant_add_by_an_administrator_is_allowed(org_admin, group, checkout):
    grant(group, checkout, "READ", actor=org_admin)

    assert Grant.objects.get().created_by == org_admin


def test_grant_services_refuse_a_member_without_manage_access(
    organization, org_member, group, checkout
):
    grant(group, checkout, "READ")

    with changes_nothing(state):
        with pytest.raises(PermissionDenied, match="manage resources and access"):
            grant(group, checkout, "UPDATE", actor=org_member)
        with pytest.raises(PermissionDenied):
            grants.grant_remove(
                organization=organization,
                subject=group,
                target=checkout,
                access_types=["READ"],
                actor=org_member,
            )
        with pytest.raises(PermissionDenied):
            grants.grant_delete(grant=Grant.objects.get(), actor=org_member)
        with pytest.raises(PermissionDenied):
            resource(organization, "TASK_DEF:pay", actor=org_member)
        with pytest.raises(PermissionDenied):
            grants.resource_move(resource=checkout, folder=None, actor=org_member)
        with pytest.raises(PermissionDenied):
            grants.resource_delete(resource=checkout, actor=org_member)


def test_grant_services_refuse_an_administrator_of_another_organization(outsider, group, checkout):
    with changes_nothing(state), pytest.raises(PermissionDenied):
        grant(group, checkout, "READ", actor=outsider)


# --- audit ------------------------------------------------------------------------------------


def test_grant_services_write_audit_events_with_their_channel(organization, org_admin, group):
    mark = audit_mark()

    checkout = grants.resource_create(
        organization=organization,
        type="WORKFLOW_DEF",
        key="checkout",
        channel=AuditEvent.Channel.UI,
        actor=org_admin,
    )
    grants.grant_add(
        organization=organization,
        subject=group,
        target=checkout,
        access_types=["READ"],
        channel=AuditEvent.Channel.API,
        actor=org_admin,
    )
    grants.grant_remove(
        organization=organization,
        subject=group,
        target=checkout,
        access_types=["READ"],
        channel=AuditEvent.Channel.COMMAND,
        actor=None,
    )

    created, added, removed = events_since(mark)
    assert (created.action, created.channel, created.actor, created.target_id) == (
        "resource.created",
        "ui",
        org_admin,
        str(checkout.public_id),
    )
    assert created.after == {"ref": "WORKFLOW_DEF:checkout", "name": "", "folder": None}
    assert (added.action, added.channel, added.actor, added.organization) == (
        "grant.added",
        "api",
        org_admin,
        organization,
    )
    assert added.after == {
        "subject": "Editors",
        "subject_type": "group",
        "subject_id": str(group.public_id),
        "target": "WORKFLOW_DEF:checkout",
        "target_id": str(checkout.public_id),
        "access": ["READ"],
    }
    assert (removed.action, removed.channel, removed.actor, removed.target_id) == (
        "grant.removed",
        "command",
        None,
        str(checkout.public_id),
    )
    assert removed.before["access"] == ["READ"]


def test_grant_delete_is_audited_as_grant_removed(organization, group, editor_set):
    made = grant(group, organization, permission_set=editor_set)
    mark = audit_mark()

    grants.grant_delete(grant=made, channel=AuditEvent.Channel.UI, actor=None)

    (event,) = events_since(mark)
    assert (event.action, event.channel, event.target_type) == (
        "grant.removed",
        "ui",
        "organization",
    )
    assert event.before["permission_set"] == "Editor"
    assert event.before["target"] == "Acme"


# --- the organization as target ---------------------------------------------------------------


def test_grant_on_the_organization_reaches_every_resource(organization, group, dee, checkout):
    services.membership_add(group=group, users=[dee], actor=None)

    grant(group, organization, "READ")

    assert may(dee, "READ", organization)
    assert may(dee, "READ", checkout)
    assert may(dee, "READ", resource(organization, "TASK_DEF:later"))
    assert User.objects.get(pk=dee.pk).has_perm("accounts.access_read", organization)


def test_grant_on_the_organization_gives_nothing_in_another_organization(
    organization, other_organization, group, dee
):
    services.membership_add(group=group, users=[dee], actor=None)
    theirs = resource(other_organization, "WORKFLOW_DEF:checkout")

    grant(group, organization, "READ")

    assert not may(dee, "READ", theirs)


def test_can_is_false_for_a_deactivated_user(organization, dee, checkout):
    grant(dee, checkout, "READ")
    dee.is_active = False
    dee.save(update_fields=["is_active"])

    assert not may(dee, "READ", checkout)
    assert not explain.explain(dee, "READ", checkout)


# --- a model of the host project as a resource type -------------------------------------------


def test_registered_model_instances_are_resources(organization, org_admin, dee, api_key_type):
    key, _secret = api_keys.api_key_create(
        organization=organization, name="CI", user=org_admin, actor=None
    )

    protected = grants.resource_for(key)

    assert (protected.organization, protected.type, protected.key) == (
        organization,
        "api_key",
        str(key.pk),
    )
    assert protected.name == "CI"
    [made] = AuditEvent.objects.filter(action="resource.created")
    assert (made.channel, made.actor, made.after["name"]) == (AuditEvent.Channel.SYSTEM, None, "CI")
    assert grants.resource_for(key) == protected
    assert AuditEvent.objects.filter(action="resource.created").count() == 1
    assert not explain.can(dee, "READ", key)

    grant(dee, protected, "READ")

    assert explain.can(dee, "READ", key)
    assert not explain.can(dee, "DELETE", key)
    assert [str(path) for path in explain.explain(dee, "READ", key)] == [
        "Dee Park → grant READ on CI"
    ]


def test_register_model_with_limited_access_types(organization, org_admin, dee):
    resource_types.register_model(ApiKey, key="api_key", access_types=["READ", "DELETE"])
    try:
        key, _secret = api_keys.api_key_create(
            organization=organization, name="CI", user=org_admin, actor=None
        )
        protected = grants.resource_for(key)
        with pytest.raises(ValidationError, match="does not support EXECUTE"):
            grant(dee, protected, "EXECUTE")
        assert resource_types.for_model(ApiKey).access_types == ("READ", "DELETE")
    finally:
        resource_types.REGISTRY.pop("api_key", None)

    with pytest.raises(ValidationError, match="not a registered resource type"):
        resource_types.for_model(ApiKey)


def test_register_refuses_unknown_access_types():
    with pytest.raises(ValueError, match="FLY"):
        resource_types.register("drone", "Drone", ["READ", "FLY"])

    assert "drone" not in resource_types.REGISTRY


def test_resource_types_include_seed_000_target_types_and_folders():
    assert {"folder", "WORKFLOW_DEF", "TASK_DEF", "SECRET_NAME", "PROMPT"} <= set(
        resource_types.REGISTRY
    )
    assert resource_types.REGISTRY["folder"].folder
    assert not resource_types.REGISTRY["WORKFLOW_DEF"].folder
    assert resource_types.REGISTRY["WORKFLOW_DEF"].access_types == (
        "CREATE",
        "READ",
        "UPDATE",
        "DELETE",
        "EXECUTE",
    )
