"""Unknown and read-only fields (organization, kind, protected, is_superuser, public_id,
created_by, …) are refused by the API with an error naming them, and never applied by a form."""

import json

import pytest
from django.test import Client

from groups.models import Group

from .checksum import checksum

API = "/t/acme/api/v1/"
TAMPERING = {
    "organization": "globex",
    "organizationId": "00000000-0000-0000-0000-000000000001",
    "kind": "administrators",
    "protected": True,
    "isSuperuser": True,
    "is_superuser": True,
    "id": "00000000-0000-0000-0000-000000000002",
    "public_id": "00000000-0000-0000-0000-000000000002",
    "createdBy": "00000000-0000-0000-0000-000000000003",
    "created_by": 1,
}


def bodies(world):
    acme = world.acme
    member = str(world.users["member"].public_id)
    group = f"groups/{acme.group.public_id}"
    return [
        ("POST", "groups", {"name": "Tampered"}),
        ("PUT", group, {"name": "Editors"}),
        ("PATCH", group, {"description": "x"}),
        ("POST", f"{group}/members", {"userId": member}),
        ("POST", f"{group}/roles", {"roleId": str(acme.permission_set.public_id)}),
        ("PUT", f"{group}/roles", {"roles": []}),
        ("POST", f"{group}/member-groups", {"groupId": str(acme.child.public_id)}),
        ("POST", "resources", {"type": "WORKFLOW_DEF", "key": "tampered"}),
        ("PATCH", f"resources/{acme.resource.public_id}", {"folderId": None}),
        (
            "POST",
            "grants",
            {
                "subject": {"type": "group", "id": str(acme.group.public_id)},
                "target": {"type": "organization"},
                "access": ["READ"],
            },
        ),
    ]


@pytest.mark.parametrize("field", sorted(TAMPERING))
def test_api_bodies_refuse_unknown_and_read_only_fields_naming_them(world, field):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    for method, path, body in bodies(world):
        before = checksum()
        response = client.generic(
            method,
            API + path,
            json.dumps({**body, field: TAMPERING[field]}),
            content_type="application/json",
        )
        assert response.status_code == 400, (method, path, field, response.content)
        assert field in json.dumps(response.json()["details"]), response.json()
        assert checksum() == before


def test_nested_api_objects_refuse_unknown_fields_too(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    body = {
        "subject": {"type": "group", "id": str(world.acme.group.public_id), "kind": "x"},
        "target": {"type": "organization", "organization": "globex"},
        "access": ["READ"],
    }
    before = checksum()
    response = client.post(API + "grants", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    details = json.dumps(response.json()["details"])
    assert "kind" in details and "organization" in details
    assert checksum() == before


def test_forms_never_apply_read_only_fields(world):
    """Django forms take only their own fields: the extra ones are not applied, anywhere."""
    ann = world.client("admin")
    globex = world.globex
    tampering = {
        "organization": str(globex.organization.pk),
        "kind": "administrators",
        "protected": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "public_id": "00000000-0000-0000-0000-000000000002",
        "created_by": str(globex.admin.pk),
        "slug": "acme-administrators",
    }
    response = ann.post(
        "/t/acme/portal/access-management/groups/new/",
        {"display_name": "Tampered", "description": "", **tampering},
    )
    assert response.status_code == 302
    group = Group.objects.get(display_name="Tampered")
    assert group.organization == world.acme.organization
    assert group.kind == Group.Kind.CUSTOM
    assert str(group.public_id) != tampering["public_id"]
    assert group.created_by == world.acme.admin
    assert group.slug == "tampered"

    editors = world.acme.group
    response = ann.post(
        f"/t/acme/portal/access-management/groups/{editors.public_id}/settings/",
        {"display_name": "Editors", "description": "Edits things", **tampering},
    )
    editors.refresh_from_db()
    assert (editors.kind, editors.organization, editors.slug) == (
        Group.Kind.CUSTOM,
        world.acme.organization,
        "editors",
    )
    world.acme.admin.refresh_from_db()
    assert not world.acme.admin.is_superuser and not world.acme.admin.is_staff

    response = ann.post(
        "/t/acme/portal/access-management/settings/api-keys/",
        {"name": "Tampered", "user": str(world.acme.admin.public_id), **tampering},
    )
    assert response.status_code == 200
    key = world.acme.admin.api_keys.get(name="Tampered")
    assert key.organization == world.acme.organization
    assert str(key.public_id) != tampering["public_id"]
