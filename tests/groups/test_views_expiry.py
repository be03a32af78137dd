"""Temporary memberships from the Add Members panel."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from groups.models import Membership


def add_url(group):
    return reverse("groups:members_add", args=[group.organization.slug, group.public_id])


def test_members_add_for_seven_days_sets_the_expiry(client, group, org_admin, org_member):
    client.force_login(org_admin)
    response = client.post(add_url(group), {"users": [org_member.public_id], "duration": "7"})
    assert response.status_code == 302
    membership = Membership.objects.get(group=group, user=org_member)
    expected = timezone.now() + timedelta(days=7)
    assert abs((membership.expires_at - expected).total_seconds()) < 60
    page = client.get(response["Location"]).content.decode()
    assert f"until {membership.expires_at:%Y-%m-%d}" in page


def test_members_add_without_duration_never_expires(client, group, org_admin, org_member):
    client.force_login(org_admin)
    client.post(add_url(group), {"users": [org_member.public_id], "duration": ""})
    assert Membership.objects.get(group=group, user=org_member).expires_at is None


def test_members_add_with_an_unknown_duration_adds_nobody(client, group, org_admin, org_member):
    client.force_login(org_admin)
    response = client.post(add_url(group), {"users": [org_member.public_id], "duration": "365"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(group=group, user=org_member).exists()


def test_members_add_panel_offers_the_durations(client, group, org_admin):
    client.force_login(org_admin)
    body = client.get(add_url(group)).content.decode()
    assert 'name="duration"' in body
    assert "7 days" in body
