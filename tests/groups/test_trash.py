"""Recoverable deletion (groups/trash.py): deleting a group revokes at once everything it gave
and keeps a snapshot; restoring brings back what still makes sense and says what could not;
the purge removes old snapshots for good."""

from datetime import UTC, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import OrganizationGroupObjectPermission
from audit import history
from audit.models import AuditEvent
from groups import explain, services
from groups.models import (
    DeletedGroup,
    Grant,
    Group,
    GroupGroupObjectPermission,
    GroupUserObjectPermission,
    MemberGroup,
    Membership,
    PermissionSet,
    ResourceGroupObjectPermission,
)
from groups.services import grants, trash
from tests.conftest import make_member
from tests.helpers import audit_mark, events_since, group_names

User = get_user_model()


def fresh(user):
    """The user as the next request sees them (guardian caches nothing across requests)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, in Editors.
    return make_member(organization, first_name="Dee", last_name="Park", email="dee@example.com")


@pytest.fixture
def wu(organization):
    # Wu Li: a member of Acme, in Writers (a member group of Editors).
    return make_member(organization, first_name="Wu", last_name="Li", email="wu@example.com")


@pytest.fixture
def scene(organization, org_admin, group, group_manager, dee, org_member, wu):
    """Editors as a busy group: Dee (direct), Bo (direct, until next month), Writers (a member
    group holding Wu), itself a member of Marketing; it holds the custom set Creators, READ and
    UPDATE on a workflow inside a folder, EXECUTE on the organization; Cy holds every right on
    it, Auditors may view it, and it may view Writers."""
    writers = services.group_create(organization=organization, display_name="Writers", actor=None)
    marketing = services.group_create(
        organization=organization, display_name="Marketing", actor=None
    )
    auditors = services.group_create(organization=organization, display_name="Auditors", actor=None)
    services.membership_add(group=writers, users=[wu], actor=None)
    services.membership_add(group=group, users=[dee], actor=org_admin)
    until = timezone.now() + timedelta(days=30)
    services.membership_add(group=group, users=[org_member], expires_at=until, actor=org_admin)
    services.member_group_add(parent=group, child=writers, actor=org_admin)
    services.member_group_add(parent=marketing, child=group, actor=org_admin)
    creators = services.permission_set_create(
        organization=organization, name="Creators", permissions=["create_groups"], actor=None
    )
    services.group_permission_set_add(group=group, permission_set=creators, actor=org_admin)
    folder = grants.resource_create(
        organization=organization, type="folder", key="campaigns", name="Campaigns", actor=None
    )
    workflow = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="launch", folder=folder, actor=None
    )
    grants.grant_add(
        organization=organization,
        subject=group,
        target=workflow,
        access_types=["READ", "UPDATE"],
        actor=org_admin,
    )
    grants.grant_add(
        organization=organization,
        subject=group,
        target=organization,
        access_types=["EXECUTE"],
        actor=None,
    )
    services.group_rights_grant(
        group=group, holder_group=auditors, rights=["view_group"], actor=org_admin
    )
    services.group_rights_grant(
        group=writers, holder_group=group, rights=["view_group"], actor=None
    )
    return {
        "writers": writers,
        "marketing": marketing,
        "auditors": auditors,
        "creators": creators,
        "folder": folder,
        "workflow": workflow,
        "until": until,
    }


def access_of(user, organization, workflow) -> dict:
    user = fresh(user)
    return {
        "read": user.has_perm("groups.access_read", workflow),
        "update": user.has_perm("groups.access_update", workflow),
        "execute": user.has_perm("accounts.access_execute", organization),
        "create_groups": user.has_perm("accounts.create_groups", organization),
    }


ALL = {"read": True, "update": True, "execute": True, "create_groups": True}
NONE = {"read": False, "update": False, "execute": False, "create_groups": False}


def grants_of(group) -> set:
    return {
        (g.public_id, g.resource_id, tuple(g.access_types), g.created_at)
        for g in Grant.objects.filter(subject_group=group)
    }


def deleted_editors(organization) -> DeletedGroup:
    return DeletedGroup.objects.get(organization=organization, display_name="Editors")


# --- deleting -------------------------------------------------------------------------------


def test_group_delete_revokes_every_access_at_once(organization, group, scene, dee, wu, org_member):
    workflow = scene["workflow"]
    for person in (dee, wu, org_member):
        assert access_of(person, organization, workflow) == ALL
    assert "Marketing" in group_names(wu, organization)

    services.group_delete(group=group, channel="ui", actor=None)

    for person in (dee, wu, org_member):
        assert access_of(person, organization, workflow) == NONE
        assert not explain.can(fresh(person), "READ", workflow)
    # Wu was in Marketing only through Editors; Writers itself stays.
    assert group_names(wu, organization) == {"Acme Users", "Writers"}
    assert not Membership.objects.filter(group_id=group.pk).exists()
    assert not MemberGroup.objects.filter(parent_id=group.pk).exists()
    assert not MemberGroup.objects.filter(child_id=group.pk).exists()
    assert not Grant.objects.filter(subject_group_id=group.pk).exists()
    assert not ResourceGroupObjectPermission.objects.filter(group_id=group.pk).exists()
    assert not OrganizationGroupObjectPermission.objects.filter(group_id=group.pk).exists()
    assert not GroupUserObjectPermission.objects.filter(content_object_id=group.pk).exists()
    assert not GroupGroupObjectPermission.objects.filter(group_id=group.pk).exists()
    assert not GroupGroupObjectPermission.objects.filter(content_object_id=group.pk).exists()
    assert not Group.objects.filter(public_id=group.public_id).exists()


def test_group_delete_keeps_a_complete_snapshot(
    organization, org_admin, group, group_manager, scene, dee, org_member
):
    mark = audit_mark()

    services.group_delete(group=group, channel="ui", actor=org_admin)

    deleted = deleted_editors(organization)
    assert deleted.public_id == group.public_id
    assert (deleted.display_name, deleted.slug, deleted.description) == (
        "Editors",
        "editors",
        "Edits things",
    )
    assert deleted.deleted_by == org_admin
    assert deleted.deleted_by_name == f"Ann Lee <{org_admin.email}>"
    assert deleted.member_count == 2
    assert deleted.days_left == 30
    snapshot = deleted.snapshot
    members = {m["email"]: m for m in snapshot["members"]}
    assert set(members) == {dee.email, org_member.email}
    assert members[org_member.email]["expires_at"] == scene["until"].isoformat()
    assert members[dee.email]["expires_at"] is None
    assert members[dee.email]["added_by"] == str(org_admin.public_id)
    assert members[dee.email]["added_at"]
    assert [g["name"] for g in snapshot["member_groups"]] == ["Writers"]
    assert [g["name"] for g in snapshot["parent_groups"]] == ["Marketing"]
    assert [s["name"] for s in snapshot["permission_sets"]] == ["Creators"]
    assert sorted((g["resource"] or "", g["access_types"]) for g in snapshot["grants"]) == [
        ("", ["EXECUTE"]),
        ("WORKFLOW_DEF:launch", ["READ", "UPDATE"]),
    ]
    rights = {(r["holder_type"], r["name"]): r["rights"] for r in snapshot["rights"]}
    assert rights[("user", "Ann Lee")] == sorted(
        ["view_group", "change_group", "delete_group", "manage_members"]
    )
    assert rights[("user", "Cy Diaz")] == rights[("user", "Ann Lee")]
    assert rights[("group", "Auditors")] == ["view_group"]
    assert snapshot["rights_held"] == [
        {"group_id": str(scene["writers"].public_id), "name": "Writers", "rights": ["view_group"]}
    ]
    [event] = events_since(mark)
    assert (event.action, event.target_id, event.channel) == (
        "group.deleted",
        str(group.public_id),
        "ui",
    )
    assert event.before["restorable_days"] == 30


def test_group_delete_refused_keeps_no_snapshot(organization, administrators, org_admin):
    with pytest.raises(ValidationError):
        services.group_delete(group=administrators, actor=org_admin)

    assert not DeletedGroup.objects.exists()


# --- restoring --------------------------------------------------------------------------------


def test_group_restore_brings_everything_back(
    organization, org_admin, group, group_manager, scene, dee, wu, org_member
):
    before = {
        "members": set(
            Membership.objects.filter(group=group, direct=True).values_list(
                "user_id", "added_at", "added_by_id", "expires_at"
            )
        ),
        "grants": grants_of(group),
        "created_at": group.created_at,
    }
    services.group_delete(group=group, actor=org_admin)
    mark = audit_mark()

    result = trash.group_restore(
        deleted=deleted_editors(organization), channel="ui", actor=org_admin
    )

    restored = result.group
    assert restored.public_id == group.public_id
    assert (restored.display_name, restored.slug, restored.description) == (
        "Editors",
        "editors",
        "Edits things",
    )
    assert result.plan.skipped == []
    workflow = scene["workflow"]
    for person in (dee, wu, org_member):
        assert access_of(person, organization, workflow) == ALL
    assert "Marketing" in group_names(wu, organization)
    assert (
        set(
            Membership.objects.filter(group=restored, direct=True).values_list(
                "user_id", "added_at", "added_by_id", "expires_at"
            )
        )
        == before["members"]
    )
    assert grants_of(restored) == before["grants"]
    assert Group.objects.get(pk=restored.pk).created_at == before["created_at"]
    assert MemberGroup.objects.filter(parent=restored, child=scene["writers"]).exists()
    assert MemberGroup.objects.filter(parent=scene["marketing"], child=restored).exists()
    assert list(restored.permission_set_links.values_list("permission_set__name", flat=True)) == [
        "Creators"
    ]
    assert fresh(group_manager).has_perm("groups.delete_group", restored)
    assert GroupGroupObjectPermission.objects.filter(
        group_id=scene["auditors"].pk, content_object=restored
    ).exists()
    assert GroupGroupObjectPermission.objects.filter(
        group_id=restored.pk, content_object=scene["writers"]
    ).exists()
    assert not DeletedGroup.objects.exists()
    [event] = events_since(mark)
    assert (event.action, event.target_id, event.channel, event.actor) == (
        "group.restored",
        str(group.public_id),
        "ui",
        org_admin,
    )
    assert {m["email"] for m in event.after["members"]} == {dee.email, org_member.email}
    assert event.after["member_groups"][0]["member_group"] == "Writers"
    assert event.after["parent_groups"][0]["group"] == "Marketing"
    assert event.after["not_restored"] == []


def test_group_restore_under_a_taken_name_uses_name_restored(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    services.group_create(organization=organization, display_name="EDITORS", actor=org_admin)

    result = trash.group_restore(deleted=deleted_editors(organization), actor=org_admin)

    assert result.group.display_name == "Editors (restored)"
    assert result.group.slug == "editors-restored"
    assert result.plan.name_taken
    event = AuditEvent.objects.get(action="group.restored")
    assert event.after["renamed_from"] == "Editors"


def test_group_restore_with_a_new_name(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    services.group_create(organization=organization, display_name="Editors", actor=org_admin)

    result = trash.group_restore(
        deleted=deleted_editors(organization), display_name="  Old   Editors ", actor=org_admin
    )

    assert result.group.display_name == "Old Editors"


def test_group_restore_refuses_a_new_name_that_is_taken(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    services.group_create(organization=organization, display_name="Writers", actor=org_admin)
    deleted = deleted_editors(organization)

    with pytest.raises(ValidationError) as excinfo:
        trash.group_restore(deleted=deleted, display_name="writers", actor=org_admin)

    assert "already exists" in " ".join(excinfo.value.messages)
    assert DeletedGroup.objects.filter(pk=deleted.pk).exists()
    assert not Group.objects.filter(public_id=group.public_id).exists()


def test_group_restore_takes_a_free_slug_when_the_old_one_is_taken(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    services.group_create(
        organization=organization, display_name="Other", slug="editors", actor=org_admin
    )

    result = trash.group_restore(deleted=deleted_editors(organization), actor=org_admin)

    assert result.group.display_name == "Editors"
    assert result.group.slug == "editors-2"


def test_group_restore_skips_a_parent_that_would_make_a_cycle(
    organization, org_admin, group, scene, wu
):
    services.group_delete(group=group, actor=org_admin)
    # Meanwhile Marketing (Editors' parent) was nested into Writers (Editors' member group).
    services.member_group_add(parent=scene["writers"], child=scene["marketing"], actor=org_admin)

    result = trash.group_restore(deleted=deleted_editors(organization), actor=org_admin)

    restored = result.group
    assert MemberGroup.objects.filter(parent=restored, child=scene["writers"]).exists()
    assert not MemberGroup.objects.filter(child=restored).exists()
    [reason] = result.plan.skipped
    assert "Marketing" in reason and "cycle" in reason
    assert "Editors" in group_names(wu, organization)
    event = AuditEvent.objects.get(action="group.restored")
    assert event.after["not_restored"] == [reason]


def test_group_restore_leaves_out_who_left_and_what_is_gone(
    organization, org_admin, group, scene, dee, org_member, group_manager
):
    services.group_delete(group=group, actor=org_admin)
    account_services.organization_user_remove(organization=organization, user=dee, actor=org_admin)
    account_services.organization_user_remove(
        organization=organization, user=group_manager, actor=org_admin
    )
    services.group_delete(group=scene["marketing"], actor=org_admin)
    services.group_delete(group=scene["auditors"], actor=org_admin)
    grants.resource_delete(resource=scene["workflow"], actor=org_admin)

    result = trash.group_restore(deleted=deleted_editors(organization), actor=org_admin)

    restored = result.group
    assert set(User.objects.filter(memberships__group=restored, memberships__direct=True)) == {
        org_member
    }
    assert not group_names(fresh(dee), organization)
    skipped = " | ".join(result.plan.skipped)
    assert "Member Dee Park <dee@example.com>: no longer in Acme." in skipped
    assert "Member of “Marketing”: that group was deleted." in skipped
    assert "Grant of READ, UPDATE on WORKFLOW_DEF:launch: the resource was deleted." in skipped
    assert "Rights of Cy Diaz on the group: no longer in Acme." in skipped
    assert "Rights of Auditors on the group: that group was deleted." in skipped
    assert len(result.plan.skipped) == 5
    # The grant on the organization came back.
    assert fresh(org_member).has_perm("accounts.access_execute", organization)


def test_group_restore_leaves_out_expired_and_deactivated_members(
    organization, org_admin, group, scene, dee, org_member
):
    services.group_delete(group=group, actor=org_admin)
    account_services.user_set_active(user=dee, active=False, actor=org_admin)
    deleted = deleted_editors(organization)

    later = timezone.now() + timedelta(days=31)
    plan_later = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        plan_later = trash.restore_plan(deleted=deleted, actor=org_admin)

    assert [user for user, _ in plan_later.members] == []
    skipped = " | ".join(plan_later.skipped)
    assert "Member Dee Park <dee@example.com>: deactivated." in skipped
    assert f"the membership expired on {scene['until'].date().isoformat()}" in skipped


def test_group_deleted_event_counts_direct_members_as_the_deleted_groups_list(
    organization, org_admin, group, org_member, wu
):
    """Bo is a direct member; Wu is in Editors only through the member group Writers."""
    writers = services.group_create(organization=organization, display_name="Writers", actor=None)
    services.membership_add(group=writers, users=[wu], actor=None)
    services.membership_add(group=group, users=[org_member], actor=None)
    services.member_group_add(parent=group, child=writers, actor=None)
    assert group.memberships.count() == 2

    services.group_delete(group=group, actor=org_admin)

    event = AuditEvent.objects.get(action="group.deleted")
    deleted = deleted_editors(organization)
    assert event.before["members"] == deleted.member_count == 1
    assert event.before["member_groups"] == 1
    assert history.sentence(event).text == (
        "Ann Lee deleted the group Editors (1 member and 1 member group)"
    )


def past_due(deleted, days=31):
    DeletedGroup.objects.filter(pk=deleted.pk).update(
        deleted_at=timezone.now() - timedelta(days=days)
    )
    deleted.refresh_from_db()
    return deleted


def test_group_restore_refuses_a_group_past_its_purge_date_and_changes_nothing(
    organization, org_admin, group
):
    services.group_delete(group=group, actor=org_admin)
    deleted = past_due(deleted_editors(organization))
    mark = audit_mark()

    with pytest.raises(ValidationError) as excinfo:
        trash.group_restore(deleted=deleted, actor=org_admin)

    assert excinfo.value.code == services.CONFLICT
    day = deleted.deleted_at.astimezone(UTC).date()
    assert excinfo.value.messages == [
        f"“Editors” was deleted on {day:%Y-%m-%d} (UTC), more than 30 days ago: it is due to "
        "be removed for good and can no longer be restored."
    ]
    assert not Group.objects.filter(public_id=group.public_id).exists()
    assert DeletedGroup.objects.count() == 1
    assert events_since(mark) == []


def test_group_restore_on_the_last_day_still_works(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    deleted = past_due(deleted_editors(organization), days=29)

    trash.group_restore(deleted=deleted, actor=org_admin)

    assert Group.objects.filter(public_id=group.public_id).exists()


def test_group_restore_of_a_group_restored_already_is_refused(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    deleted = deleted_editors(organization)
    trash.group_restore(deleted=deleted, actor=org_admin)

    with pytest.raises(ValidationError) as excinfo:
        trash.group_restore(deleted=deleted, actor=org_admin)

    assert excinfo.value.code == services.CONFLICT


@pytest.mark.parametrize("persona", ["org_member", "group_manager", "outsider"])
def test_group_restore_refuses_who_may_not_delete_every_group(
    request, organization, org_admin, group, persona
):
    actor = request.getfixturevalue(persona)
    services.group_delete(group=group, actor=org_admin)

    with pytest.raises(PermissionDenied):
        trash.group_restore(deleted=deleted_editors(organization), actor=actor)

    assert DeletedGroup.objects.count() == 1
    assert not AuditEvent.objects.filter(action="group.restored").exists()


def test_group_restore_without_access_rights_leaves_grants_and_sets_out(
    organization, org_admin, group, scene, dee
):
    """A restorer holding only delete_groups cannot give access back through a restore."""
    deleters = PermissionSet.objects.create(organization=organization, name="Deleters")
    services.permission_set_update(
        permission_set=deleters, permissions=["delete_groups", "view_groups"], actor=None
    )
    cleaners = services.group_create(organization=organization, display_name="Cleaners", actor=None)
    services.group_permission_set_add(group=cleaners, permission_set=deleters, actor=None)
    restorer = make_member(organization, first_name="Rae", last_name="Stone")
    services.membership_add(group=cleaners, users=[restorer], actor=None)
    services.group_delete(group=group, actor=org_admin)

    result = trash.group_restore(deleted=deleted_editors(organization), actor=fresh(restorer))

    assert not Grant.objects.filter(subject_group=result.group).exists()
    assert not result.group.permission_set_links.exists()
    assert not MemberGroup.objects.filter(child=result.group).exists()
    assert access_of(dee, organization, scene["workflow"]) == NONE
    assert "Editors" in group_names(dee, organization)
    skipped = " | ".join(result.plan.skipped)
    assert "you cannot manage access in Acme" in skipped
    assert "you cannot manage permission sets" in skipped
    assert "you cannot manage the members of “Marketing”" in skipped


def test_group_restore_into_administrators_refuses_expiring_members(
    organization, org_admin, administrators, group, dee, org_member
):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    services.member_group_add(parent=administrators, child=group, actor=org_admin)
    services.group_delete(group=group, actor=org_admin)
    deleted = deleted_editors(organization)
    # Tamper with the snapshot as if Bo's membership expired next week.
    deleted.snapshot["members"].append(
        {
            "user_id": str(org_member.public_id),
            "name": "Bo Chen",
            "email": org_member.email,
            "added_at": timezone.now().isoformat(),
            "added_by": None,
            "expires_at": (timezone.now() + timedelta(days=7)).isoformat(),
        }
    )
    deleted.save()

    result = trash.group_restore(deleted=deleted, actor=org_admin)

    assert not MemberGroup.objects.filter(child=result.group).exists()
    assert "administrators" in " ".join(result.plan.skipped)


def test_group_restore_of_a_group_nested_in_administrators_gives_admin_back(
    organization, org_admin, administrators, group, dee
):
    services.membership_add(group=group, users=[dee], actor=org_admin)
    services.member_group_add(parent=administrators, child=group, actor=org_admin)
    services.group_delete(group=group, actor=org_admin)
    assert not fresh(dee).has_perm("accounts.manage_users", organization)

    trash.group_restore(deleted=deleted_editors(organization), actor=org_admin)

    assert fresh(dee).has_perm("accounts.manage_users", organization)


def test_deleting_a_restored_group_again_keeps_a_new_snapshot(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    restored = trash.group_restore(deleted=deleted_editors(organization), actor=org_admin).group
    services.group_delete(group=restored, actor=org_admin)

    assert deleted_editors(organization).public_id == group.public_id


# --- purging ---------------------------------------------------------------------------------


def test_deleted_groups_purge_removes_only_old_ones(organization, org_admin, group):
    services.group_delete(group=group, actor=org_admin)
    young = services.group_create(organization=organization, display_name="Young", actor=None)
    services.group_delete(group=young, actor=org_admin)
    DeletedGroup.objects.filter(display_name="Editors").update(
        deleted_at=timezone.now() - timedelta(days=31)
    )
    mark = audit_mark()

    purged = trash.deleted_groups_purge(channel="command", actor=None)

    assert [d.display_name for d in purged] == ["Editors"]
    assert list(DeletedGroup.objects.values_list("display_name", flat=True)) == ["Young"]
    [event] = events_since(mark)
    assert (event.action, event.target_type, event.target_id, event.channel) == (
        "group.purged",
        "group",
        str(group.public_id),
        "command",
    )
    assert event.before["name"] == "Editors"
    assert event.actor is None


def test_deleted_groups_purge_refuses_negative_days(db):
    with pytest.raises(ValidationError):
        trash.deleted_groups_purge(days=-1)
