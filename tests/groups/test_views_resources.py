"""The Resources pages: who can access each resource, with links to why."""

import pytest
from django.urls import reverse

from groups import grants


@pytest.fixture
def folder(organization, org_admin):
    return grants.resource_create(
        organization=organization, type="folder", key="marketing", name="Marketing", actor=org_admin
    )


@pytest.fixture
def workflow(organization, org_admin, folder):
    return grants.resource_create(
        organization=organization,
        type="WORKFLOW_DEF",
        key="checkout",
        folder=folder,
        actor=org_admin,
    )


def list_url(organization):
    return reverse("groups:resource_list", args=[organization.slug])


def detail_url(resource):
    return reverse("groups:resource_detail", args=[resource.organization.slug, resource.public_id])


def test_resources_list_for_an_administrator(client, org_admin, workflow, folder):
    client.force_login(org_admin)
    body = client.get(list_url(workflow.organization)).content.decode()
    assert "WORKFLOW_DEF:checkout" in body and "folder:marketing" in body


@pytest.mark.parametrize("persona", ["org_member", "outsider"])
def test_resources_pages_are_a_404_for_others(request, client, persona, workflow):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(list_url(workflow.organization)).status_code == 404
    assert client.get(detail_url(workflow)).status_code == 404


def test_resources_need_sign_in(client, workflow):
    assert client.get(list_url(workflow.organization)).status_code == 302


def test_resource_detail_groups_access_by_type_with_folder_and_why_links(
    client, organization, org_admin, org_member, group, workflow, folder
):
    grants.grant_add(
        organization=organization, subject=group, target=folder, access_types=["READ"], actor=None
    )
    grants.grant_add(
        organization=organization,
        subject=org_member,
        target=workflow,
        access_types=["EXECUTE"],
        actor=None,
    )
    client.force_login(org_admin)
    body = client.get(detail_url(workflow)).content.decode()
    assert "through folder Marketing" in body
    assert reverse("groups:group_access", args=[organization.slug, group.public_id]) in body
    why = reverse("groups:user_detail", args=[organization.slug, org_member.public_id])
    assert f"{why}?access=EXECUTE&amp;target={workflow.public_id}" in body
    answer = client.get(why, {"access": "EXECUTE", "target": str(workflow.public_id)})
    body = answer.content.decode()
    assert '<span class="verdict-yes">Yes</span>' in body
    assert "Bo Chen can EXECUTE on WORKFLOW_DEF:checkout." in body


def test_resource_detail_of_another_organization_is_a_404(
    client, org_admin, other_organization, outsider
):
    foreign = grants.resource_create(
        organization=other_organization, type="TAG", key="secret", actor=None
    )
    client.force_login(org_admin)
    response = client.get(reverse("groups:resource_detail", args=["acme", foreign.public_id]))
    assert response.status_code == 404
