"""Temporary memberships over the API: an end date, or a number of days."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.api_keys import api_key_create, token_for
from groups.models import Membership


@pytest.fixture
def api(organization, org_admin):
    key, secret = api_key_create(organization=organization, name="t", user=org_admin, actor=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")


def members_url(group):
    return f"/t/{group.organization.slug}/api/v1/groups/{group.public_id}/members"


def test_members_add_for_a_number_of_days(api, group, org_member):
    response = api.post(
        members_url(group),
        {"userId": str(org_member.public_id), "expiresInDays": 7},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    membership = Membership.objects.get(group=group, user=org_member)
    expected = timezone.now() + timedelta(days=7)
    assert abs((membership.expires_at - expected).total_seconds()) < 60
    listed = api.get(members_url(group)).json()["data"][0]
    assert listed["expiresAt"] is not None


def test_members_add_until_a_date(api, group, org_member):
    ends = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = api.post(
        members_url(group),
        {"userId": str(org_member.public_id), "expiresAt": ends.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Membership.objects.get(group=group, user=org_member).expires_at == ends


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"expiresInDays": 0}, 400),
        ({"expiresInDays": 7, "expiresAt": "2030-01-01T00:00:00Z"}, 400),
        ({"expiresAt": "2030-01-01T00:00:00"}, 400),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, 400),
    ],
)
def test_members_add_refuses_bad_expiries_and_adds_nobody(api, group, org_member, extra, status):
    response = api.post(
        members_url(group),
        {"userId": str(org_member.public_id), **extra},
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    assert response.json()["error"] is True
    assert not Membership.objects.filter(group=group, user=org_member).exists()
