"""The audit trail is append-only: the application has no path that changes or deletes an
event (model, queryset, Django admin), PostgreSQL refuses UPDATE and DELETE with a trigger,
and deleting a user or an organization leaves their history in place."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Organization
from audit import export, sentences
from audit.models import AppendOnlyError, AuditEvent
from groups import services as group_services
from tests.factories import UserFactory

User = get_user_model()


def test_an_event_cannot_be_saved_again_or_deleted(organization):
    event = AuditEvent.objects.get(action="organization.created")
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "organization.created"


@pytest.mark.parametrize(
    "change",
    [
        lambda events: events.update(action="tampered"),
        lambda events: events.delete(),
        lambda events: events.bulk_update(list(events), ["action"]),
        lambda events: AuditEvent.objects.update_or_create(pk=events[0].pk),
    ],
)
def test_the_queryset_refuses_bulk_changes(organization, change):
    events = AuditEvent.objects.filter(organization=organization)
    before = list(events.values_list("pk", "action"))
    with pytest.raises(AppendOnlyError):
        change(events)
    assert list(events.values_list("pk", "action")) == before


def test_the_admin_changelist_offers_no_delete_action(client, organization):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    page = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "delete_selected" not in page
    assert reverse("admin:audit_auditevent_add") not in page


def _trigger_exists() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'accounts_auditevent_append_only'"
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'accounts_auditevent'"
            )
        return cursor.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite side")
def test_sqlite_has_no_trigger_only_the_application_guards(organization):
    """On SQLite the trigger's migration is a no-op: only the application's guards apply."""
    assert not _trigger_exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_raw_update_and_delete_on_postgresql(organization):
    """On PostgreSQL a trigger refuses UPDATE and DELETE whoever sends them."""
    event = AuditEvent.objects.get(action="organization.created")
    assert _trigger_exists()
    for sql in (
        "UPDATE accounts_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="organization.created").exists()
    # Inserting stays possible: that is how the trail grows.
    group_services.group_create(organization=organization, display_name="Still", actor=None)
    assert AuditEvent.objects.filter(action="group.created", target_name="Still").exists()


def test_deleting_a_user_keeps_the_events_they_made_and_their_name(organization, group):
    actor = UserFactory(first_name="Del", last_name="Eted")
    account_services.organization_user_add(
        organization=organization, user=actor, admin=True, actor=None
    )
    group_services.group_update(group=group, description="By Del", actor=actor)
    actor_id = actor.pk
    User.objects.filter(pk=actor_id).delete()
    event = AuditEvent.objects.select_related("actor").get(action="group.updated")
    assert event.actor_id == actor_id and event.actor is None
    assert sentences.sentence(event).text == "Del Eted changed the group Editors (description)"
    assert export.row(event)[4] == ""  # no actor id to show any more


def test_deleting_an_organization_keeps_its_history(db):
    doomed = account_services.organization_create(name="Doomed", actor=None)
    group_services.group_create(organization=doomed, display_name="Team", actor=None)
    count = AuditEvent.objects.filter(organization=doomed).count()
    assert count == 2
    doomed_id = doomed.pk
    Organization.objects.filter(pk=doomed_id).delete()
    kept = AuditEvent.objects.filter(organization_id=doomed_id)
    assert kept.count() == count
    assert set(kept.values_list("target_name", flat=True)) == {"Doomed", "Team"}


def test_the_admin_shows_events_whose_actor_and_organization_are_gone(client, db):
    doomed = account_services.organization_create(name="Gone", actor=None)
    actor = UserFactory(first_name="Ex", last_name="Actor")
    account_services.organization_user_add(organization=doomed, user=actor, admin=True, actor=None)
    group_services.group_create(organization=doomed, display_name="Left", actor=actor)
    event = AuditEvent.objects.get(action="group.created", target_name="Left")
    Organization.objects.filter(pk=doomed.pk).delete()
    User.objects.filter(pk=actor.pk).delete()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    assert listing.status_code == 200 and "Ex Actor" in listing.content.decode()
    detail = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200 and "Left" in detail.content.decode()
