"""The audit trail in the Django admin: operators read it, nobody changes it."""

from django.urls import reverse

from audit.models import AuditEvent


def test_audit_events_are_read_only_in_the_admin(admin_client, organization):
    event = AuditEvent.objects.get(action="organization.created")
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"action": "tampered"}).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.action == "organization.created"
