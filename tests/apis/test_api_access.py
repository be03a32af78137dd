"""The API's resources, grants and access questions (check, explain, what a group or a user
can access)."""

import uuid

import pytest
from django.test import Client

from audit.models import AuditEvent
from groups import explain
from groups import services as group_services
from groups.models import Grant, PermissionSet, Resource
from groups.resource_types import REGISTRY
from groups.services import grants
from tests.apis.api_helpers import JSON, api_url, error_of, query_count
from tests.conftest import make_member

RESOURCE_KEYS = {"id", "type", "key", "name", "ref", "folder", "createdAt"}
GRANT_KEYS = {"id", "subject", "target", "access", "permissionSet", "createdAt"}


def api_events(action, channel="api") -> list:
    return list(AuditEvent.objects.filter(action=action, channel=channel).order_by("id"))


def make_resource(organization, key, *, type="WORKFLOW_DEF", folder=None, name=""):
    return grants.resource_create(
        organization=organization, type=type, key=key, name=name, folder=folder, actor=None
    )


def grant_body(subject, target=None, access=("READ",)) -> dict:
    kind = "user" if hasattr(subject, "email") else "group"
    body = {
        "subject": {"type": kind, "id": str(subject.public_id)},
        "target": {"type": "resource", "id": str(target.public_id)}
        if target is not None
        else {"type": "organization"},
    }
    if access is not None:
        body["access"] = list(access)
    return body


def check_url(user, access="READ", resource=None, what="check"):
    url = api_url(f"access/{what}?userId={user.public_id}&access={access}")
    return url + (f"&resourceId={resource.public_id}" if resource is not None else "")


@pytest.fixture
def reader(organization, org_admin):
    # Rae Read: holds the Read only set (sees every group), manages no access.
    user = make_member(organization, first_name="Rae", last_name="Read")
    readers = group_services.group_create(
        organization=organization, display_name="Readers", actor=org_admin
    )
    group_services.membership_add(group=readers, users=[user], actor=org_admin)
    group_services.group_permission_set_add(
        group=readers,
        permission_set=PermissionSet.objects.get(key="read-only", organization=None),
        actor=org_admin,
    )
    return user


@pytest.fixture
def marketing(organization):
    """The folder Marketing."""
    return make_resource(organization, "marketing", type="folder", name="Marketing")


@pytest.fixture
def video(organization, marketing):
    """training_video, inside Marketing."""
    return make_resource(organization, "training_video", type="social_media", folder=marketing)


@pytest.fixture(autouse=True)
def social_media_type():
    """Seed 000's social_media, registered as a host project would."""
    from groups.resource_types import register

    added = "social_media" not in REGISTRY
    register("social_media", "Social media asset", ("READ", "UPDATE"))
    yield
    if added:
        REGISTRY.pop("social_media")


@pytest.fixture
def foreign_resource(other_organization):
    return make_resource(other_organization, "globex-flow")


# --- resource types -------------------------------------------------------------------------


def test_resource_types_list_answers_every_registered_type(admin_api):
    body = admin_api.get(api_url("resource-types?limit=100")).json()

    assert body["meta"]["total"] == len(REGISTRY)
    by_key = {t["key"]: t for t in body["data"]}
    assert by_key["folder"] == {
        "key": "folder",
        "name": "Folder",
        "accessTypes": ["CREATE", "READ", "UPDATE", "DELETE", "EXECUTE"],
        "folder": True,
    }
    assert by_key["social_media"]["accessTypes"] == ["READ", "UPDATE"]
    assert body["data"][0]["key"] == "folder"


def test_resource_types_list_needs_a_key():
    error_of(Client().get(api_url("resource-types")), 401, "unauthenticated")


def test_resource_types_list_runs_the_same_queries_for_1_and_20_types(admin_api):
    one, body = query_count(admin_api, api_url("resource-types?limit=1"))
    assert len(body["data"]) == 1
    twenty, body = query_count(admin_api, api_url(f"resource-types?limit={len(REGISTRY)}"))
    assert len(body["data"]) == len(REGISTRY)
    assert one == twenty


# --- resources ----------------------------------------------------------------------------------


def test_resources_create_registers_a_resource_in_a_folder(admin_api, marketing, org_admin):
    response = admin_api.post(
        api_url("resources"),
        {
            "type": "WORKFLOW_DEF",
            "key": "checkout",
            "name": "Checkout",
            "folderId": str(marketing.public_id),
        },
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RESOURCE_KEYS
    assert body["ref"] == "WORKFLOW_DEF:checkout"
    assert body["folder"]["id"] == str(marketing.public_id)
    resource = Resource.objects.get(public_id=body["id"])
    assert resource.folder == marketing
    (event,) = api_events("resource.created")
    assert event.target_id == body["id"]
    assert event.actor == org_admin


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "NOPE", "key": "x"}, "type"),
        ({"type": "WORKFLOW_DEF", "key": "  "}, "key"),
        ({"type": "WORKFLOW_DEF", "key": "x" * 201}, "key"),
        ({"type": "WORKFLOW_DEF", "key": "a\x00b"}, "key"),
        ({"type": "WORKFLOW_DEF"}, "key"),
    ],
)
def test_resources_create_refuses_invalid_fields_with_details(admin_api, payload, field):
    body = error_of(
        admin_api.post(api_url("resources"), payload, content_type=JSON), 400, "invalid"
    )

    assert field in body["details"]


def test_resources_create_refuses_a_key_taken(admin_api, organization):
    make_resource(organization, "checkout")

    body = error_of(
        admin_api.post(
            api_url("resources"), {"type": "WORKFLOW_DEF", "key": "checkout"}, content_type=JSON
        ),
        400,
    )
    assert "key" in body["details"]


def test_resources_create_in_a_resource_that_is_no_folder_is_400(admin_api, organization):
    flow = make_resource(organization, "checkout")

    body = error_of(
        admin_api.post(
            api_url("resources"),
            {"type": "WORKFLOW_DEF", "key": "inner", "folderId": str(flow.public_id)},
            content_type=JSON,
        ),
        400,
    )
    assert "folderId" in body["details"]


def test_resources_create_in_another_organizations_folder_is_404(admin_api, other_organization):
    folder = make_resource(other_organization, "globex", type="folder")

    error_of(
        admin_api.post(
            api_url("resources"),
            {"type": "WORKFLOW_DEF", "key": "x", "folderId": str(folder.public_id)},
            content_type=JSON,
        ),
        404,
    )


def test_resources_create_is_refused_to_a_member_without_the_capability(member_api, reader):
    payload = {"type": "WORKFLOW_DEF", "key": "x"}

    error_of(member_api.post(api_url("resources"), payload, content_type=JSON), 403, "forbidden")
    assert not Resource.objects.exists()


def test_resources_create_through_another_organization_is_404(outsider_api):
    payload = {"type": "WORKFLOW_DEF", "key": "x"}

    error_of(outsider_api.post(api_url("resources"), payload, content_type=JSON), 404)


def test_resources_list_filters_by_type_folder_and_search(
    admin_api, organization, marketing, video
):
    make_resource(organization, "checkout", name="Checkout flow")

    def keys(query):
        return [r["key"] for r in admin_api.get(api_url(f"resources{query}")).json()["data"]]

    assert keys("") == ["checkout", "marketing", "training_video"]
    assert keys("?type=folder") == ["marketing"]
    assert keys(f"?folder={marketing.public_id}") == ["training_video"]
    assert keys("?search=flow") == ["checkout"]
    assert keys("?search=training") == ["training_video"]
    error_of(admin_api.get(api_url(f"resources?folder={uuid.uuid4()}")), 404)


def test_resources_list_of_another_organization_is_404(outsider_api, video):
    error_of(outsider_api.get(api_url("resources")), 404)


def test_resources_list_runs_the_same_queries_for_1_and_20_resources(
    admin_api, organization, marketing
):
    one, body = query_count(admin_api, api_url("resources"))
    assert len(body["data"]) == 1
    for number in range(19):
        make_resource(organization, f"flow-{number:02}", folder=marketing)
    twenty, body = query_count(admin_api, api_url("resources"))
    assert len(body["data"]) == 20
    assert one == twenty


def test_resources_get_tells_who_can_access_and_how(
    admin_api, organization, group, marketing, video, org_member, org_admin
):
    on_folder = grants.grant_add(
        organization=organization,
        subject=group,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )
    on_video = grants.grant_add(
        organization=organization,
        subject=org_member,
        target=video,
        access_types=["UPDATE"],
        actor=None,
    )
    on_organization = grants.grant_add(
        organization=organization,
        subject=org_member,
        target=organization,
        access_types=["READ"],
        actor=None,
    )

    response = admin_api.get(api_url(f"resources/{video.public_id}"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == RESOURCE_KEYS | {"access"}
    assert set(body["access"]) == {"READ", "UPDATE"}
    read = {(h["via"], h["grantId"]) for h in body["access"]["READ"]}
    assert read == {
        ("folder", str(on_folder.public_id)),
        ("organization", str(on_organization.public_id)),
    }
    (update,) = body["access"]["UPDATE"]
    assert update == {
        "subject": {
            "type": "user",
            "id": str(org_member.public_id),
            "name": org_member.display_name,
        },
        "via": "direct",
        "grantId": str(on_video.public_id),
    }
    folder_holder = next(h for h in body["access"]["READ"] if h["via"] == "folder")
    assert folder_holder["subject"] == {
        "type": "group",
        "id": str(group.public_id),
        "name": "Editors",
    }


def test_resources_get_is_open_to_a_reader(api_for, reader, video):
    assert api_for(reader).get(api_url(f"resources/{video.public_id}")).status_code == 200


def test_resources_get_is_refused_to_a_plain_member(member_api, video):
    error_of(member_api.get(api_url(f"resources/{video.public_id}")), 403, "forbidden")


@pytest.mark.parametrize("resource_id", ["unknown", "malformed"])
def test_resources_get_of_an_unknown_resource_is_404(admin_api, resource_id):
    value = uuid.uuid4() if resource_id == "unknown" else "not-a-uuid"
    error_of(admin_api.get(api_url(f"resources/{value}")), 404, "not_found")


def test_resources_get_of_another_organizations_resource_is_404(admin_api, foreign_resource):
    error_of(admin_api.get(api_url(f"resources/{foreign_resource.public_id}")), 404)


def test_resources_patch_moves_a_resource_and_its_access(
    admin_api, organization, group, marketing, org_member
):
    flow = make_resource(organization, "checkout")
    grants.grant_add(
        organization=organization,
        subject=org_member,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )
    assert not explain.can(org_member, "READ", flow)

    response = admin_api.patch(
        api_url(f"resources/{flow.public_id}"),
        {"folderId": str(marketing.public_id)},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    assert response.json()["folder"]["id"] == str(marketing.public_id)
    flow.refresh_from_db()
    assert explain.can(org_member, "READ", flow)
    assert len(api_events("resource.moved")) == 1

    out = admin_api.patch(
        api_url(f"resources/{flow.public_id}"), {"folderId": None}, content_type=JSON
    )
    assert out.json()["folder"] is None
    flow.refresh_from_db()
    assert not explain.can(org_member, "READ", flow)


def test_resources_patch_refuses_a_folder_inside_itself(admin_api, organization, marketing):
    inner = make_resource(organization, "inner", type="folder", folder=marketing)

    body = error_of(
        admin_api.patch(
            api_url(f"resources/{marketing.public_id}"),
            {"folderId": str(inner.public_id)},
            content_type=JSON,
        ),
        400,
    )
    assert "folderId" in body["details"]


def test_resources_patch_is_refused_to_a_reader(api_for, reader, video):
    response = api_for(reader).patch(
        api_url(f"resources/{video.public_id}"), {"folderId": None}, content_type=JSON
    )

    error_of(response, 403)


def test_resources_delete_removes_the_resource_and_its_grants(admin_api, organization, org_member):
    flow = make_resource(organization, "checkout")
    grants.grant_add(
        organization=organization,
        subject=org_member,
        target=flow,
        access_types=["READ"],
        actor=None,
    )

    assert admin_api.delete(api_url(f"resources/{flow.public_id}")).status_code == 204

    assert not Resource.objects.filter(pk=flow.pk).exists()
    assert not Grant.objects.exists()
    assert len(api_events("resource.deleted")) == 1


def test_resources_delete_refuses_a_folder_that_is_not_empty_with_409(admin_api, marketing, video):
    error_of(admin_api.delete(api_url(f"resources/{marketing.public_id}")), 409, "conflict")

    assert Resource.objects.filter(pk=marketing.pk).exists()


def test_resources_delete_is_refused_to_a_member(member_api, video):
    error_of(member_api.delete(api_url(f"resources/{video.public_id}")), 403)


def test_resources_delete_of_another_organizations_resource_is_404(admin_api, foreign_resource):
    error_of(admin_api.delete(api_url(f"resources/{foreign_resource.public_id}")), 404)
    assert Resource.objects.filter(pk=foreign_resource.pk).exists()


# --- grants -------------------------------------------------------------------------------------


def test_grants_create_gives_a_group_access_types_on_a_folder(
    admin_api, group, marketing, org_admin
):
    response = admin_api.post(api_url("grants"), grant_body(group, marketing), content_type=JSON)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == GRANT_KEYS
    assert body["subject"] == {"type": "group", "id": str(group.public_id), "name": "Editors"}
    assert body["target"]["type"] == "resource"
    assert body["target"]["id"] == str(marketing.public_id)
    assert body["access"] == ["READ"]
    assert body["permissionSet"] is None
    (event,) = api_events("grant.added")
    assert event.target_id == body["id"]
    assert event.actor == org_admin


def test_grants_create_merges_access_types_into_the_subjects_grant(admin_api, group, marketing):
    first = admin_api.post(
        api_url("grants"), grant_body(group, marketing), content_type=JSON
    ).json()
    second = admin_api.post(
        api_url("grants"), grant_body(group, marketing, ["UPDATE"]), content_type=JSON
    ).json()

    assert second["id"] == first["id"]
    assert second["access"] == ["READ", "UPDATE"]
    assert Grant.objects.count() == 1


def test_grants_create_with_a_permission_set_on_the_organization(admin_api, org_member):
    read_only = PermissionSet.objects.get(key="read-only", organization=None)
    body = grant_body(org_member, access=None)
    body["permissionSetId"] = str(read_only.public_id)

    response = admin_api.post(api_url("grants"), body, content_type=JSON)

    assert response.status_code == 201, response.content
    grant = response.json()
    assert grant["target"]["type"] == "organization"
    assert grant["permissionSet"]["name"] == "Read only"
    assert grant["access"] == ["READ"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"access": ["FLY"]}, "access"),
        ({"access": []}, "access"),
        ({"access": ["DELETE"]}, "access"),  # social_media supports READ and UPDATE only
        ({"access": None}, None),
        ({"permissionSetId": str(uuid.uuid4())}, None),
        ({"subject": {"type": "robot", "id": str(uuid.uuid4())}}, "subject.type"),
        ({"target": {"type": "resource"}}, "target"),
        ({"extra": True}, None),
    ],
)
def test_grants_create_refuses_invalid_bodies_with_400(admin_api, group, video, change, field):
    body = {**grant_body(group, video), **change}
    if change.get("access", 0) is None:
        body.pop("access")

    error = error_of(admin_api.post(api_url("grants"), body, content_type=JSON), 400, "invalid")
    if field is not None:
        assert field in error["details"]


@pytest.mark.parametrize("which", ["user", "group", "resource", "permission_set"])
def test_grants_create_with_another_organizations_object_is_404(
    admin_api, group, video, other_organization, outsider, foreign_resource, which
):
    foreign_group = group_services.group_create(
        organization=other_organization, display_name="Globex team", actor=outsider
    )
    globex_set = group_services.permission_set_create(
        organization=other_organization, name="Globex auditors", actor=None
    )
    body = {
        "user": grant_body(outsider, video),
        "group": grant_body(foreign_group, video),
        "resource": grant_body(group, foreign_resource),
        "permission_set": {
            **grant_body(group, video, access=None),
            "permissionSetId": str(globex_set.public_id),
        },
    }[which]

    error_of(admin_api.post(api_url("grants"), body, content_type=JSON), 404, "not_found")
    assert not Grant.objects.exists()


def test_grants_create_is_refused_to_a_reader(api_for, reader, group, video):
    response = api_for(reader).post(api_url("grants"), grant_body(group, video), content_type=JSON)

    error_of(response, 403, "forbidden")


def test_grants_create_through_another_organization_is_404(outsider_api, group, video):
    error_of(outsider_api.post(api_url("grants"), grant_body(group, video), content_type=JSON), 404)


def test_grants_list_filters_by_subject_and_resource(
    admin_api, organization, group, marketing, video, org_member
):
    on_folder = grants.grant_add(
        organization=organization,
        subject=group,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )
    on_video = grants.grant_add(
        organization=organization,
        subject=org_member,
        target=video,
        access_types=["READ"],
        actor=None,
    )

    def ids(query):
        return [g["id"] for g in admin_api.get(api_url(f"grants{query}")).json()["data"]]

    assert ids("") == [str(on_folder.public_id), str(on_video.public_id)]
    assert ids(f"?subjectId={group.public_id}") == [str(on_folder.public_id)]
    assert ids(f"?subjectId={org_member.public_id}") == [str(on_video.public_id)]
    assert ids(f"?resourceId={marketing.public_id}") == [str(on_folder.public_id)]
    assert ids(f"?subjectId={uuid.uuid4()}") == []


def test_grants_list_is_open_to_a_reader_and_refused_to_a_member(api_for, reader, member_api):
    assert api_for(reader).get(api_url("grants")).status_code == 200
    error_of(member_api.get(api_url("grants")), 403)


def test_grants_list_of_another_organization_is_404(outsider_api):
    error_of(outsider_api.get(api_url("grants")), 404)


def test_grants_list_runs_the_same_queries_for_1_and_20_grants(admin_api, organization, org_admin):
    editor = group_services.permission_set_create(
        organization=organization, name="Editor", permissions=["access_read"], actor=None
    )

    def add(start, count):
        for number in range(start, start + count):
            flow = make_resource(organization, f"flow-{number:02}")
            grants.grant_add(
                organization=organization,
                subject=org_admin,
                target=flow,
                access_types=["READ"] if number % 2 else None,
                permission_set=None if number % 2 else editor,
                actor=None,
            )

    add(0, 2)
    one, body = query_count(admin_api, api_url("grants?limit=2"))
    assert len(body["data"]) == 2
    add(2, 38)
    twenty, body = query_count(admin_api, api_url("grants?limit=20"))
    assert len(body["data"]) == 20
    assert one == twenty


def test_grants_delete_revokes_the_grant(
    admin_api, organization, group, marketing, video, org_member
):
    group_services.membership_add(group=group, users=[org_member], actor=None)
    grant = grants.grant_add(
        organization=organization,
        subject=group,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )
    assert explain.can(org_member, "READ", video)

    assert admin_api.delete(api_url(f"grants/{grant.public_id}")).status_code == 204

    assert not Grant.objects.exists()
    assert not explain.can(org_member, "READ", video)
    assert len(api_events("grant.removed")) == 1


def test_grants_delete_is_refused_to_a_reader(api_for, reader, organization, group):
    grant = grants.grant_add(
        organization=organization,
        subject=group,
        target=organization,
        access_types=["READ"],
        actor=None,
    )

    error_of(api_for(reader).delete(api_url(f"grants/{grant.public_id}")), 403)
    assert Grant.objects.filter(pk=grant.pk).exists()


def test_grants_delete_of_another_organizations_grant_is_404(
    admin_api, other_organization, outsider, foreign_resource
):
    grant = grants.grant_add(
        organization=other_organization,
        subject=outsider,
        target=foreign_resource,
        access_types=["READ"],
        actor=None,
    )

    error_of(admin_api.delete(api_url(f"grants/{grant.public_id}")), 404)
    error_of(admin_api.delete(api_url(f"grants/{uuid.uuid4()}")), 404)
    assert Grant.objects.filter(pk=grant.pk).exists()


# --- access/check and access/explain ----------------------------------------------------------


def test_seed_scenario_over_the_api(admin_api, organization, org_member):
    """Seeds 000/002: a folder and a resource in it; a group gets READ on the folder; a user
    added to the group can read the resource at once, explain shows the path; removed, not."""
    folder = admin_api.post(
        api_url("resources"),
        {"type": "folder", "key": "marketing", "name": "Marketing"},
        content_type=JSON,
    ).json()
    video = admin_api.post(
        api_url("resources"),
        {"type": "social_media", "key": "training_video", "folderId": folder["id"]},
        content_type=JSON,
    ).json()
    sales = admin_api.post(api_url("groups"), {"name": "Sales"}, content_type=JSON).json()
    granted = admin_api.post(
        api_url("grants"),
        {
            "subject": {"type": "group", "id": sales["id"]},
            "target": {"type": "resource", "id": folder["id"]},
            "access": ["READ"],
        },
        content_type=JSON,
    )
    assert granted.status_code == 201, granted.content
    check = api_url(
        f"access/check?userId={org_member.public_id}&access=READ&resourceId={video['id']}"
    )
    assert admin_api.get(check).json() == {"allowed": False}

    added = admin_api.post(
        api_url(f"groups/{sales['id']}/members"),
        {"userId": str(org_member.public_id)},
        content_type=JSON,
    )
    assert added.status_code == 201

    assert admin_api.get(check).json() == {"allowed": True}
    why = admin_api.get(check.replace("access/check", "access/explain")).json()
    assert why["allowed"] is True
    (path,) = why["paths"]
    assert [step["kind"] for step in path["steps"]] == ["user", "group", "grant", "resource"]
    assert path["steps"][1] == {"kind": "group", "name": "Sales", "id": sales["id"]}
    assert path["steps"][2]["name"] == "grant READ on folder Marketing"
    assert path["steps"][2]["id"] == granted.json()["id"]
    assert path["steps"][3]["name"] == "contains social_media:training_video"
    assert f"remove {org_member.display_name} from Sales" in path["removableBy"]

    removed = admin_api.delete(api_url(f"groups/{sales['id']}/members/{org_member.public_id}"))
    assert removed.status_code == 204
    assert admin_api.get(check).json() == {"allowed": False}
    assert admin_api.get(check.replace("access/check", "access/explain")).json() == {
        "allowed": False,
        "paths": [],
    }
    actions = {e.action for e in AuditEvent.objects.filter(channel="api")}
    assert {"resource.created", "grant.added", "membership.added", "membership.removed"} <= actions


def test_access_check_on_the_organization(admin_api, organization, org_member):
    assert admin_api.get(check_url(org_member)).json() == {"allowed": False}
    grants.grant_add(
        organization=organization,
        subject=org_member,
        target=organization,
        access_types=["READ"],
        actor=None,
    )

    assert admin_api.get(check_url(org_member)).json() == {"allowed": True}
    why = admin_api.get(check_url(org_member, what="explain")).json()
    assert [step["kind"] for step in why["paths"][0]["steps"]] == ["user", "grant"]


def test_access_check_about_yourself_is_allowed(member_api, org_member, video):
    assert member_api.get(check_url(org_member, resource=video)).json() == {"allowed": False}
    assert member_api.get(check_url(org_member, resource=video, what="explain")).status_code == 200


def test_access_check_by_someone_who_sees_every_group(api_for, reader, org_member, video):
    assert api_for(reader).get(check_url(org_member, resource=video)).status_code == 200


@pytest.mark.parametrize("what", ["check", "explain"])
def test_access_check_about_someone_else_is_refused_to_a_member(member_api, org_admin, what):
    error_of(member_api.get(check_url(org_admin, what=what)), 403, "forbidden")


@pytest.mark.parametrize("what", ["check", "explain"])
def test_access_check_about_a_user_of_another_organization_is_404(admin_api, outsider, what):
    error_of(admin_api.get(check_url(outsider, what=what)), 404, "not_found")


def test_access_check_on_another_organizations_resource_is_404(
    admin_api, org_member, foreign_resource
):
    error_of(admin_api.get(check_url(org_member, resource=foreign_resource)), 404)


@pytest.mark.parametrize(
    "query",
    ["access=READ", "userId=not-a-uuid&access=READ", "userId={user}&access=FLY", "userId={user}"],
)
def test_access_check_refuses_bad_parameters_with_400(admin_api, org_member, query):
    url = api_url("access/check?" + query.format(user=org_member.public_id))

    error_of(admin_api.get(url), 400, "invalid")


def test_access_check_needs_a_key(org_member):
    error_of(Client().get(check_url(org_member)), 401)


# --- what a group, what a user can access -----------------------------------------------------


def test_group_access_lists_own_and_inherited_grants(
    admin_api, organization, group, marketing, org_admin
):
    team = group_services.group_create(
        organization=organization, display_name="Team", actor=org_admin
    )
    group_services.member_group_add(parent=group, child=team, actor=org_admin)
    grant = grants.grant_add(
        organization=organization,
        subject=group,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )

    own = admin_api.get(api_url(f"groups/{group.public_id}/access")).json()
    nested = admin_api.get(api_url(f"groups/{team.public_id}/access")).json()

    assert [item["grant"]["id"] for item in own["data"]] == [str(grant.public_id)]
    assert own["data"][0]["inheritedFrom"] is None
    assert own["data"][0]["access"] == ["READ"]
    assert nested["data"][0]["inheritedFrom"] == {"id": str(group.public_id), "name": "Editors"}


def test_group_access_hides_groups_the_caller_may_not_see(member_api, group, outsider_api):
    error_of(member_api.get(api_url(f"groups/{group.public_id}/access")), 404)
    error_of(outsider_api.get(api_url(f"groups/{group.public_id}/access")), 404)


def test_group_access_runs_the_same_queries_for_1_and_20_grants(admin_api, organization, group):
    def add(start, count):
        for number in range(start, start + count):
            flow = make_resource(organization, f"flow-{number:02}")
            grants.grant_add(
                organization=organization,
                subject=group,
                target=flow,
                access_types=["READ"],
                actor=None,
            )

    add(0, 1)
    one, body = query_count(admin_api, api_url(f"groups/{group.public_id}/access"))
    assert len(body["data"]) == 1
    add(1, 19)
    twenty, body = query_count(admin_api, api_url(f"groups/{group.public_id}/access"))
    assert len(body["data"]) == 20
    assert one == twenty


def test_user_access_lists_own_and_group_grants(
    admin_api, organization, group, marketing, org_member
):
    group_services.membership_add(group=group, users=[org_member], actor=None)
    through_group = grants.grant_add(
        organization=organization,
        subject=group,
        target=marketing,
        access_types=["READ"],
        actor=None,
    )
    own = grants.grant_add(
        organization=organization,
        subject=org_member,
        target=organization,
        access_types=["READ"],
        actor=None,
    )

    body = admin_api.get(api_url(f"users/{org_member.public_id}/access")).json()

    assert {item["grant"]["id"] for item in body["data"]} == {
        str(through_group.public_id),
        str(own.public_id),
    }


def test_user_access_is_open_to_the_user_and_refused_to_others(member_api, org_member, org_admin):
    assert member_api.get(api_url(f"users/{org_member.public_id}/access")).status_code == 200
    error_of(member_api.get(api_url(f"users/{org_admin.public_id}/access")), 403)


def test_user_access_of_another_organizations_user_is_404(admin_api, outsider):
    error_of(admin_api.get(api_url(f"users/{outsider.public_id}/access")), 404)


def test_user_access_runs_the_same_queries_for_1_and_20_grants(admin_api, organization, org_member):
    def add(start, count):
        for number in range(start, start + count):
            flow = make_resource(organization, f"flow-{number:02}")
            grants.grant_add(
                organization=organization,
                subject=org_member,
                target=flow,
                access_types=["READ"],
                actor=None,
            )

    add(0, 1)
    one, body = query_count(admin_api, api_url(f"users/{org_member.public_id}/access"))
    assert len(body["data"]) == 1
    add(1, 19)
    twenty, body = query_count(admin_api, api_url(f"users/{org_member.public_id}/access"))
    assert len(body["data"]) == 20
    assert one == twenty
