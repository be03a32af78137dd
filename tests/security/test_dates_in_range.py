"""Dates stay in range (issue 15, item 7): an expiry past what the database stores was accepted
(201) and then every page, export and API listing of the group answered 500 for good; an audit
filter such as ``until=9999-12-31`` was a 500 too. Each is now a clear refusal."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.api_keys import api_key_create, token_for
from groups import services
from tests.helpers import changes_nothing


@pytest.fixture
def api(organization, org_admin):
    key, secret = api_key_create(organization=organization, name="t", user=org_admin, actor=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")


def members_url(group):
    return f"/t/{group.organization.slug}/api/v1/groups/{group.public_id}/members"


@pytest.mark.parametrize(
    "expires_at", ["9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59Z", "2999-01-01T00:00:00Z"]
)
def test_an_expiry_beyond_ten_years_is_a_400_and_the_group_stays_readable(
    api, client, group, org_admin, org_member, expires_at
):
    with changes_nothing():
        response = api.post(
            members_url(group),
            {"userId": str(org_member.public_id), "expiresAt": expires_at},
            content_type="application/json",
        )
    assert response.status_code == 400, response.content
    assert "within 10 years" in response.json()["message"]
    assert api.get(members_url(group)).status_code == 200
    client.force_login(org_admin)
    page = reverse("groups:group_detail", args=[group.organization.slug, group.public_id])
    assert client.get(page).status_code == 200


def test_an_expiry_within_ten_years_is_taken(group, org_member):
    ends = timezone.now() + timedelta(days=3649)
    assert services.membership_add(
        group=group, users=[org_member], expires_at=ends, actor=None
    ) == [org_member]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("until", "9999-12-31"),
        ("since", "9999-12-31"),
        ("since", "0001-01-01"),
        ("until", "1899-06-01"),
    ],
)
def test_an_audit_filter_date_out_of_range_is_a_form_error(
    client, organization, org_admin, field, value
):
    client.force_login(org_admin)
    url = reverse("audit:audit_log", args=[organization.slug])

    response = client.get(url, {field: value})

    assert response.status_code == 200
    assert "Choose a date between 1 January 2000 and 31 December 2099." in (
        response.content.decode()
    )
    export = client.get(reverse("audit:audit_log_export", args=[organization.slug]), {field: value})
    # The export refuses too: the page again, with "Fix the filters before exporting."
    assert export.status_code == 200
    assert "Fix the filters before exporting." in export.content.decode()
