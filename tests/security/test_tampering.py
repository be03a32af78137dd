"""Unknown and read-only fields (organization, kind, protected, is_superuser, public_id,
created_by, …) are refused with an error naming them, and change nothing: by the API's bodies
and by every Admin Center form post."""

import json

import pytest
from django.test import Client
from django.urls import resolve

from groups.models import Group

from .checksum import checksum
from .policy import POLICY
from .urlwalk import concrete_url, url_patterns

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


FORM_TAMPERING = {
    "organization": "globex",
    "kind": "administrators",
    "protected": "on",
    "is_superuser": "on",
    "is_staff": "on",
    "public_id": "00000000-0000-0000-0000-000000000002",
    "created_by": "1",
    "slug": "acme-administrators",
}


def _admin_center_posts():
    """Every Admin Center pattern that takes a POST (the policy table says which)."""
    for pattern in url_patterns():
        if pattern.namespace in ("groups", "accounts") and "POST" in POLICY.get(pattern.key, {}):
            yield pattern


def test_every_admin_center_post_view_declares_the_fields_it_takes(world):
    """A new POST view must say what it takes (``adminsite.fields.takes``), or this fails."""
    checked = 0
    for pattern in _admin_center_posts():
        view = resolve(concrete_url(pattern.route, world)).func
        assert getattr(view, "takes_fields", None), f"{pattern.key}: decorate it with @takes(…)"
        checked += 1
    assert checked >= 15


def test_form_posts_refuse_read_only_and_unknown_fields_naming_them(world):
    """Every Admin Center form post with fields it does not take answers 400 naming each of
    them (a page; for htmx, the text the page shows as an error) and changes nothing."""
    ann = world.client("admin")
    before = checksum()
    for pattern in _admin_center_posts():
        url = concrete_url(pattern.route, world)
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = ann.post(url, FORM_TAMPERING, **headers)
            assert response.status_code == 400, (pattern.key, headers, response.status_code)
            body = response.content.decode()
            assert all(f"“{field}”" in body for field in FORM_TAMPERING), (pattern.key, body)
    assert checksum() == before
    response = ann.post(
        "/t/acme/portal/access-management/groups/new/",
        {"display_name": "Tampered", "organization": "globex"},
        HTTP_HX_REQUEST="true",
    )
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "This form does not take the field “organization”. Nothing was changed."
    )
    assert not Group.objects.filter(display_name="Tampered").exists()


def test_the_fields_a_form_takes_are_still_accepted(world):
    """The guard refuses only what a view does not take: the forms' own posts go through."""
    ann = world.client("admin")
    response = ann.post(
        "/t/acme/portal/access-management/groups/new/",
        {"display_name": "Accepted", "description": "", "csrfmiddlewaretoken": "ignored-here"},
    )
    assert response.status_code == 302
    group = Group.objects.get(display_name="Accepted")
    assert (group.organization, group.kind) == (world.acme.organization, Group.Kind.CUSTOM)
    assert group.created_by == world.acme.admin


def test_conductor_bodies_refuse_unknown_and_read_only_fields_naming_them(world):
    """The Conductor API's bodies refuse what Conductor does not define (its error shape, the
    field in ``validationErrors``), top level and nested, and change nothing."""
    conductor = world.conductor_client("admin")
    key_id, secret = world.credentials["admin"]
    target = {"type": "WORKFLOW_DEF", "id": "tampered"}
    subject = {"type": "GROUP", "id": world.acme.group.slug}
    cases = [
        ("PUT", f"/api/groups/{world.acme.group.slug}", {"description": "Editors"}),
        ("POST", "/api/auth/authorization", {"subject": subject, "target": target}),
        ("DELETE", "/api/auth/authorization", {"subject": subject, "target": target}),
    ]
    before = checksum()
    for field, value in (("organization", "globex"), ("kind", "administrators")):
        for method, path, body in cases:
            for tampered in (
                {**body, field: value, "access": ["READ"]},
                {**body, "subject": {**subject, field: value}, "access": ["READ"]},
            ):
                if method == "PUT" and "access" in tampered:
                    tampered = {"description": "Editors", field: value}
                response = conductor.generic(
                    method, path, json.dumps(tampered), content_type="application/json"
                )
                assert response.status_code == 400, (method, path, tampered, response.content)
                errors = response.json()["validationErrors"]
                assert any(field in json.dumps(error) for error in errors), response.json()
        response = Client().post(
            "/api/token",
            {"keyId": key_id, "keySecret": secret, field: value},
            content_type="application/json",
        )
        assert response.status_code == 400 and field in response.content.decode()
    assert checksum() == before
