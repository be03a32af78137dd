"""POST groups/<id>/members/batch: the bulk add over the API (dry run and real run)."""

import pytest

from audit.models import AuditEvent
from audit.recording import Channel
from groups import services
from groups.models import Membership
from tests.conftest import make_member
from tests.helpers import changes_nothing

from .api_helpers import JSON, error_of, group_url


@pytest.fixture
def crowd(organization, other_organization):
    acme = [
        make_member(organization, first_name=f"P{i}", last_name="Acme", email=f"p{i}@acme.example")
        for i in range(3)
    ]
    make_member(other_organization, first_name="Gil", email="gil@globex.example")
    return acme


BODY = {
    "emails": [
        "p0@acme.example",
        "P1@acme.example",
        "p1@acme.example",
        "gil@globex.example",
        "nobody@acme.example",
        "not an email",
    ]
}


def post(client, group, body):
    return client.post(group_url(group, "/members/batch"), body, content_type=JSON)


def test_members_batch_dry_run_answers_the_preview_and_changes_nothing(
    admin_api, group, org_admin, crowd
):
    services.membership_add(group=group, users=[crowd[0]], actor=org_admin)
    with changes_nothing():
        response = post(admin_api, group, {**BODY, "dryRun": True})
    assert response.status_code == 200
    body = response.json()
    assert body["dryRun"] is True
    assert [u["email"] for u in body["added"]] == ["p1@acme.example"]
    assert [u["email"] for u in body["alreadyMembers"]] == ["p0@acme.example"]
    # An account elsewhere and no account get one answer (issue 15, item 13).
    assert body["notInOrganization"] == []
    assert body["unknown"] == ["gil@globex.example", "nobody@acme.example"]
    assert body["duplicates"] == ["p1@acme.example"]
    assert body["invalid"] == ["not an email"]


def test_members_batch_adds_with_one_event_each_and_one_for_the_batch(admin_api, group, crowd):
    response = post(admin_api, group, BODY)
    assert response.status_code == 201
    assert set(
        Membership.objects.filter(group_id=group.pk).values_list("user__email", flat=True)
    ) == {"p0@acme.example", "p1@acme.example"}
    events = AuditEvent.objects.filter(action__startswith="membership.", channel=Channel.API)
    assert sorted(e.action for e in events) == ["membership.added"] * 2 + ["membership.batch_added"]
    assert post(admin_api, group, BODY).status_code == 200


def test_members_batch_permissions(member_api, viewer_api, outsider_api, group, crowd):
    with changes_nothing():
        error_of(post(member_api, group, BODY), 404)
        error_of(post(outsider_api, group, BODY), 404)
        error_of(post(viewer_api, group, BODY), 403)


def test_members_batch_refuses_bad_bodies(admin_api, group, users_group, crowd):
    with changes_nothing():
        error_of(post(admin_api, group, {"emails": ["a@x.example"] * 10_001}), 400)
        error_of(post(admin_api, group, {"emails": "a@x.example"}), 400)
        error_of(post(admin_api, group, {"emails": [], "extra": 1}), 400)
        error_of(post(admin_api, users_group, {"emails": ["p0@acme.example"]}), 409)
