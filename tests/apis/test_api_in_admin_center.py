"""What the seeds' APIs do shows in the Admin Center like any other change: the group in the
list, its members in the Members tab, and sentences in the Audit log saying it came via the API."""

from django.urls import reverse
from django.utils.html import strip_tags

from accounts.api_keys import api_key_create
from groups.models import Group
from tests.apis.graphql_helpers import data_of, post
from tests.apis.test_conductor_api import Conductor, exchange


def _pages(client, organization, group) -> str:
    """The groups list, the group's Members tab and the Audit log, as one text as read."""
    urls = [
        reverse("groups:group_list", args=[organization.slug]),
        reverse("groups:group_detail", args=[organization.slug, group.public_id]),
        reverse("audit:audit_log", args=[organization.slug]),
    ]
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    return " ".join(strip_tags("\n".join(bodies)).split())


def test_graphql_changes_show_in_the_admin_center(
    client, admin_api, organization, org_admin, org_member
):
    created = data_of(
        post(
            admin_api,
            'mutation { authGroupCreate(input: {name: "Launch crew", description: "x"}) { id } }',
        )
    )["authGroupCreate"]
    query = """mutation add($id: ID!, $user: ID!) {
      authGroupAddMembers(id: $id, members: [{id: $user, memberType: User}]) { id }
    }"""
    data_of(post(admin_api, query, {"id": created["id"], "user": str(org_member.public_id)}))
    group = Group.objects.get(public_id=created["id"])

    client.force_login(org_admin)
    text = _pages(client, organization, group)

    assert "Launch crew" in text and org_member.display_name in text
    assert "created the group Launch crew, via the API" in text
    assert f"added {org_member.display_name} to Launch crew, via the API" in text


def test_conductor_changes_show_in_the_admin_center(client, organization, org_admin, org_member):
    key, secret = api_key_create(organization=organization, name="sdk", user=org_admin, actor=None)
    conductor = Conductor(client, exchange(client, key.public_id, secret).json()["token"])
    body = {"description": "Release crew", "roles": ["USER"]}
    assert conductor.call("put", "groups/release-crew", body).status_code == 200
    added = conductor.call("post", f"groups/release-crew/users/{org_member.email}")
    assert added.status_code == 200
    group = Group.objects.get(organization=organization, slug="release-crew")

    client.force_login(org_admin)
    text = _pages(client, organization, group)

    assert "Release crew" in text and org_member.display_name in text
    assert "created the group Release crew, via the API" in text
    assert f"added {org_member.display_name} to Release crew, via the API" in text
