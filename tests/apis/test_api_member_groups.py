"""The API's member groups (nesting) of a group, and direct and inherited members."""

import uuid

import pytest
from django.test import Client

from audit.models import AuditEvent
from groups import services as group_services
from groups.models import MemberGroup, Membership
from tests.apis.api_helpers import JSON, error_of, group_url, query_count
from tests.conftest import make_member


def children_of(group) -> set:
    return set(MemberGroup.objects.filter(parent=group).values_list("child_id", flat=True))


def make_group(organization, actor, name):
    return group_services.group_create(organization=organization, display_name=name, actor=actor)


@pytest.fixture
def sales(organization, org_admin):
    """Sales EMEA, with Dee as its member."""
    sales = make_group(organization, org_admin, "Sales EMEA")
    dee = make_member(organization, first_name="Dee", last_name="Doe")
    group_services.membership_add(group=sales, users=[dee], actor=org_admin)
    return sales


@pytest.fixture
def dee(sales):
    return Membership.objects.get(group_id=sales.pk).user


# --- list ---------------------------------------------------------------------------------------


def test_member_groups_list_answers_groups_with_member_counts(admin_api, group, sales, org_admin):
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    body = admin_api.get(group_url(group, "/member-groups")).json()

    assert body["data"] == [{"id": str(sales.public_id), "name": "Sales EMEA", "memberCount": 1}]
    assert body["meta"]["total"] == 1


def test_member_groups_list_hides_groups_the_caller_may_not_see(member_api, group):
    error_of(member_api.get(group_url(group, "/member-groups")), 404, "not_found")


def test_member_groups_list_of_another_organization_is_404(outsider_api, group):
    error_of(outsider_api.get(group_url(group, "/member-groups")), 404)


def test_member_groups_list_needs_a_key(group):
    error_of(Client().get(group_url(group, "/member-groups")), 401, "unauthenticated")


def test_member_groups_list_runs_the_same_queries_for_1_and_20_groups(
    admin_api, organization, group, org_admin
):
    def nest(start, count):
        for number in range(start, start + count):
            child = make_group(organization, org_admin, f"Team {number:02}")
            group_services.member_group_add(parent=group, child=child, actor=org_admin)

    nest(1, 1)
    one, body = query_count(admin_api, group_url(group, "/member-groups"))
    assert len(body["data"]) == 1
    nest(2, 19)
    twenty, body = query_count(admin_api, group_url(group, "/member-groups"))
    assert len(body["data"]) == 20
    assert one == twenty


# --- add ----------------------------------------------------------------------------------------


def test_member_groups_add_nests_a_group_and_its_members_inherit(admin_api, group, sales, dee):
    response = admin_api.post(
        group_url(group, "/member-groups"), {"groupId": str(sales.public_id)}, content_type=JSON
    )

    assert response.status_code == 201, response.content
    assert response.json() == {
        "added": [{"id": str(sales.public_id), "name": "Sales EMEA"}],
        "alreadyMembers": [],
    }
    assert children_of(group) == {sales.pk}
    assert dee in group.user_set.all()
    event = AuditEvent.objects.get(action="member_group.added", target_id=str(group.public_id))
    assert event.channel == "api"
    assert event.actor.first_name == "Ann"


def test_member_groups_add_again_answers_200(admin_api, group, sales, org_admin):
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    response = admin_api.post(
        group_url(group, "/member-groups"), {"groupId": str(sales.public_id)}, content_type=JSON
    )

    assert response.status_code == 200
    assert response.json()["alreadyMembers"] == [{"id": str(sales.public_id), "name": "Sales EMEA"}]


def test_member_groups_add_several_at_once(admin_api, organization, group, sales, org_admin):
    other = make_group(organization, org_admin, "Support")

    response = admin_api.post(
        group_url(group, "/member-groups"),
        {"groupIds": [str(sales.public_id), str(other.public_id)]},
        content_type=JSON,
    )

    assert response.status_code == 201
    assert children_of(group) == {sales.pk, other.pk}


def test_member_groups_add_several_is_all_or_nothing(
    admin_api, organization, group, sales, org_admin
):
    # Editors already sits inside Sales: nesting Sales into Editors would close a cycle.
    group_services.member_group_add(parent=sales, child=group, actor=org_admin)
    other = make_group(organization, org_admin, "Support")

    response = admin_api.post(
        group_url(group, "/member-groups"),
        {"groupIds": [str(other.public_id), str(sales.public_id)]},
        content_type=JSON,
    )

    error_of(response, 409, "cycle")
    assert children_of(group) == set()


def test_member_groups_add_refuses_a_cycle_with_its_path(admin_api, organization, group, org_admin):
    team = make_group(organization, org_admin, "Team")
    group_services.member_group_add(parent=group, child=team, actor=org_admin)

    response = admin_api.post(
        group_url(team, "/member-groups"), {"groupId": str(group.public_id)}, content_type=JSON
    )

    body = error_of(response, 409, "cycle")
    assert "Team → Editors" in body["message"] or "Editors → Team" in body["message"]
    assert "groupId" in body["details"]
    assert children_of(team) == set()


def test_member_groups_add_refuses_the_group_itself(admin_api, group):
    response = admin_api.post(
        group_url(group, "/member-groups"), {"groupId": str(group.public_id)}, content_type=JSON
    )

    error_of(response, 409, "cycle")


def test_member_groups_add_of_another_organizations_group_is_404(
    admin_api, group, other_organization, outsider
):
    foreign = make_group(other_organization, outsider, "Globex team")

    response = admin_api.post(
        group_url(group, "/member-groups"), {"groupId": str(foreign.public_id)}, content_type=JSON
    )

    error_of(response, 404, "not_found")
    assert children_of(group) == set()


def test_member_groups_add_of_an_unknown_group_is_404(admin_api, group):
    response = admin_api.post(
        group_url(group, "/member-groups"), {"groupId": str(uuid.uuid4())}, content_type=JSON
    )

    error_of(response, 404)


def test_member_groups_add_is_refused_to_a_viewer_with_403(viewer_api, group, sales):
    response = viewer_api.post(
        group_url(group, "/member-groups"), {"groupId": str(sales.public_id)}, content_type=JSON
    )

    error_of(response, 403, "forbidden")


def test_member_groups_add_through_another_organization_is_404(outsider_api, group, sales):
    response = outsider_api.post(
        group_url(group, "/member-groups"), {"groupId": str(sales.public_id)}, content_type=JSON
    )

    error_of(response, 404)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"groupIds": []},
        {"groupId": "not-a-uuid"},
        {"groupId": str(uuid.uuid4()), "groupIds": [str(uuid.uuid4())]},
        {"groupId": str(uuid.uuid4()), "extra": 1},
    ],
)
def test_member_groups_add_refuses_invalid_bodies_with_400(admin_api, group, payload):
    error_of(
        admin_api.post(group_url(group, "/member-groups"), payload, content_type=JSON),
        400,
        "invalid",
    )


# --- remove -------------------------------------------------------------------------------------


def test_member_groups_remove_takes_the_group_out(admin_api, group, sales, dee, org_admin):
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    response = admin_api.delete(group_url(group, f"/member-groups/{sales.public_id}"))

    assert response.status_code == 204
    assert children_of(group) == set()
    assert dee not in group.user_set.all()
    event = AuditEvent.objects.get(action="member_group.removed", target_id=str(group.public_id))
    assert event.channel == "api"


def test_member_groups_remove_of_a_non_member_group_is_a_no_op(admin_api, group, sales):
    assert (
        admin_api.delete(group_url(group, f"/member-groups/{sales.public_id}")).status_code == 204
    )
    assert not AuditEvent.objects.filter(action="member_group.removed").exists()


def test_member_groups_remove_is_refused_to_a_viewer(viewer_api, group, sales, org_admin):
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    error_of(viewer_api.delete(group_url(group, f"/member-groups/{sales.public_id}")), 403)
    assert children_of(group) == {sales.pk}


def test_member_groups_remove_of_another_organizations_group_is_404(
    admin_api, group, other_organization, outsider
):
    foreign = make_group(other_organization, outsider, "Globex team")

    error_of(admin_api.delete(group_url(group, f"/member-groups/{foreign.public_id}")), 404)


# --- members: direct and inherited ----------------------------------------------------------


def test_members_list_tells_direct_and_inherited_members_apart(
    admin_api, organization, group, sales, dee, org_admin
):
    bo = make_member(organization, first_name="Bo", last_name="Able")
    group_services.membership_add(group=group, users=[bo], actor=org_admin)
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    body = admin_api.get(group_url(group, "/members")).json()

    rows = {row["user"]["firstName"]: row for row in body["data"]}
    assert rows["Bo"]["direct"] is True
    assert rows["Bo"]["via"] == []
    assert rows["Dee"]["direct"] is False
    assert rows["Dee"]["via"] == ["Sales EMEA"]


def test_members_list_runs_the_same_queries_for_1_and_20_inherited_members(
    admin_api, organization, group, org_admin
):
    team = make_group(organization, org_admin, "Team")
    group_services.member_group_add(parent=group, child=team, actor=org_admin)

    def join(start, count):
        users = [
            make_member(organization, first_name=f"P{n:02}", last_name="Doe")
            for n in range(start, start + count)
        ]
        group_services.membership_add(group=team, users=users, actor=org_admin)

    join(1, 1)
    one, body = query_count(admin_api, group_url(group, "/members"))
    assert len(body["data"]) == 1
    join(2, 19)
    twenty, body = query_count(admin_api, group_url(group, "/members"))
    assert len(body["data"]) == 20
    assert all(row["via"] == ["Team"] for row in body["data"])
    assert one == twenty


def test_members_remove_of_an_inherited_member_is_409_naming_the_group(
    admin_api, group, sales, dee, org_admin
):
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    body = error_of(admin_api.delete(group_url(group, f"/members/{dee.public_id}")), 409)

    assert body["code"] == "inherited"
    assert "Sales EMEA" in body["message"]
    assert dee in group.user_set.all()


def test_members_remove_of_a_direct_and_inherited_member_keeps_the_inherited_membership(
    admin_api, group, sales, dee, org_admin
):
    group_services.membership_add(group=group, users=[dee], actor=org_admin)
    group_services.member_group_add(parent=group, child=sales, actor=org_admin)

    assert admin_api.delete(group_url(group, f"/members/{dee.public_id}")).status_code == 204

    membership = Membership.objects.get(group_id=group.pk, user=dee)
    assert membership.direct is False
