"""A person's and a group's history include the deletion, restore and purge of the groups
they were in (``ties.tied_lifecycle``), though those events name no member or name them
only deep in their payload; and the Audit log's target filter finds them too."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from audit import export, history, ties
from audit.history import Filters
from audit.models import AuditEvent
from groups import services
from groups.models import DeletedGroup
from groups.services import trash
from tests.conftest import make_member


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, never in Editors.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def writers(organization):
    """Writers: a custom group, to be nested in Editors."""
    return services.group_create(organization=organization, display_name="Writers", actor=None)


def actions(events, *names) -> list[str]:
    """The actions among ``events`` (oldest first) that are in ``names``."""
    return [e.action for e in events.order_by("created_at", "pk") if e.action in names]


def restore(organization, group, actor=None):
    deleted = DeletedGroup.objects.get(organization=organization, public_id=group.public_id)
    return trash.group_restore(deleted=deleted, actor=actor).group


def lifecycle_of_user(user, organization) -> list[str]:
    return actions(history.events_of_user(user, organization), *ties.LIFECYCLE)


def test_a_members_history_shows_the_deletion_and_restore_of_their_group(
    organization, group, org_admin, org_member, dee
):
    services.membership_add(group=group, users=[org_member], actor=org_admin)

    services.group_delete(group=group, actor=org_admin)
    restore(organization, group, org_admin)

    assert lifecycle_of_user(org_member, organization) == ["group.deleted", "group.restored"]
    assert lifecycle_of_user(dee, organization) == []
    entries = history.page(history.events_of_user(org_member, organization)).entries
    assert [e.sentence.text for e in entries][:2] == [
        "Ann Lee restored the group Editors, bringing back 1 member",
        "Ann Lee deleted the group Editors (1 member)",
    ]


def test_a_former_member_does_not_see_a_later_deletion(organization, group, org_member):
    services.membership_add(group=group, users=[org_member], actor=None)
    services.membership_remove(group=group, users=[org_member], actor=None)

    services.group_delete(group=group, actor=None)

    assert lifecycle_of_user(org_member, organization) == []


def test_an_expired_membership_ends_the_tie(organization, group, org_member):
    services.membership_add(
        group=group, users=[org_member], expires_at=timezone.now() + timedelta(hours=1), actor=None
    )
    services.memberships_expire(now=timezone.now() + timedelta(hours=2))

    services.group_delete(group=group, actor=None)

    assert lifecycle_of_user(org_member, organization) == []


def test_a_member_left_out_of_the_restore_sees_it_but_not_the_next_deletion(
    organization, group, org_member, dee
):
    """Bo, deactivated meanwhile, does not come back: the restore is still his story (it says
    he was left out), the group's next deletion is not. Dee, who came back, sees both."""
    services.membership_add(group=group, users=[org_member, dee], actor=None)
    services.group_delete(group=group, actor=None)
    account_services.user_set_active(user=org_member, active=False, actor=None)
    restored = restore(organization, group)

    services.group_delete(group=restored, actor=None)

    assert lifecycle_of_user(org_member, organization) == ["group.deleted", "group.restored"]
    assert lifecycle_of_user(dee, organization) == [
        "group.deleted",
        "group.restored",
        "group.deleted",
    ]


def test_the_purge_ends_the_story(organization, group, org_member):
    services.membership_add(group=group, users=[org_member], actor=None)
    services.group_delete(group=group, actor=None)
    DeletedGroup.objects.update(deleted_at=timezone.now() - timedelta(days=31))

    trash.deleted_groups_purge()

    assert lifecycle_of_user(org_member, organization) == ["group.deleted", "group.purged"]


def test_a_member_groups_history_shows_the_deletion_and_restore_of_its_parent(
    organization, group, writers
):
    services.member_group_add(parent=group, child=writers, actor=None)

    services.group_delete(group=group, actor=None)
    restore(organization, group)

    events = history.events_of_group(writers)
    assert actions(events, *ties.LIFECYCLE) == ["group.deleted", "group.restored"]
    assert all(e.target_id == str(group.public_id) for e in events if e.action in ties.LIFECYCLE)


def test_a_parents_history_shows_the_deletion_and_restore_of_its_member_group(
    organization, group, writers
):
    services.member_group_add(parent=group, child=writers, actor=None)

    services.group_delete(group=writers, actor=None)
    restore(organization, writers)

    events = history.events_of_group(group)
    assert [
        (e.action, e.target_name)
        for e in events.order_by("created_at", "pk")
        if e.action in ties.LIFECYCLE
    ] == [("group.deleted", "Writers"), ("group.restored", "Writers")]


def test_a_group_restored_itself_is_tied_again_to_its_parents(organization, group, writers):
    """Writers is deleted and restored (back in Editors); Editors' later deletion is in
    Writers' history."""
    services.member_group_add(parent=group, child=writers, actor=None)
    services.group_delete(group=writers, actor=None)
    restore(organization, writers)

    services.group_delete(group=group, actor=None)

    events = history.events_of_group(writers)
    assert [
        (e.action, e.target_name)
        for e in events.order_by("created_at", "pk")
        if e.action in ties.LIFECYCLE
    ] == [
        ("group.deleted", "Writers"),
        ("group.restored", "Writers"),
        ("group.deleted", "Editors"),
    ]


def test_the_target_filter_finds_the_deletion_and_restore_by_a_members_id_or_name(
    organization, group, org_member
):
    services.membership_add(group=group, users=[org_member], actor=None)
    services.group_delete(group=group, actor=None)
    restore(organization, group)
    events = history.events_of_organization(organization)

    by_id = history.filtered(events, Filters(target=str(org_member.public_id)))
    by_name = history.filtered(events, Filters(target="Bo Chen"))
    by_id_and_action = history.filtered(
        events, Filters(target=str(org_member.public_id), action="group.deleted")
    )

    assert actions(by_id, *ties.LIFECYCLE) == ["group.deleted", "group.restored"]
    assert actions(by_name, *ties.LIFECYCLE) == ["group.restored"]
    assert [e.action for e in by_id_and_action] == ["group.deleted"]


def test_the_user_page_shows_the_deletion(client, organization, group, org_admin, org_member):
    services.membership_add(group=group, users=[org_member], actor=None)
    services.group_delete(group=group, actor=org_admin)
    client.force_login(org_admin)

    response = client.get(
        reverse("groups:user_detail", args=[organization.slug, org_member.public_id])
    )

    assert "deleted the group" in response.content.decode()


def test_reading_the_ties_takes_a_few_queries_however_many_groups(organization, org_member):
    """Two queries for twenty deleted and restored groups: none per group."""
    for number in range(20):
        group = services.group_create(
            organization=organization, display_name=f"G{number}", actor=None
        )
        services.membership_add(group=group, users=[org_member], actor=None)
        services.group_delete(group=group, actor=None)
        restore(organization, group)
    user_id = str(org_member.public_id)
    events = history.events_of_organization(organization)

    with CaptureQueriesContext(connection) as queries:
        found = ties.tied_lifecycle(events, user_id, ties.user_ties(user_id))

    assert len(found) == 40
    assert len(queries) == 2
    assert AuditEvent.objects.filter(pk__in=found, action="group.restored").count() == 20


def test_a_page_reads_a_long_member_list_cut_short_and_the_export_reads_it_whole(
    organization, group, org_member, dee, org_admin, monkeypatch
):
    """A restore of a 200,000-member group is on each member's page: the page reads a few of
    them (PostgreSQL cuts the list in the database) and counts them all; the CSV has them all."""
    monkeypatch.setattr(history, "LIST_PREVIEW", 2)
    services.membership_add(group=group, users=[org_member, dee, org_admin], actor=None)
    services.group_delete(group=group, actor=None)
    restore(organization, group)

    [entry] = history.page(
        history.filtered(
            history.events_of_user(dee, organization), Filters(action="group.restored")
        )
    ).entries
    restores = history.filtered(events_of(organization), Filters(action="group.restored"))
    [header, row] = list(export.csv_rows(restores))

    assert entry.sentence.text == "The system restored the group Editors, bringing back 3 members"
    if connection.vendor == "postgresql":
        assert len(entry.event.after["members"]) == 2
        assert entry.event.after["members_total"] == 3
    assert len(json.loads(row[header.index("after")])["members"]) == 3


def events_of(organization):
    return history.events_of_organization(organization)
