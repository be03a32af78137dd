"""The Resources pages: who can access each resource, with links to why."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.services import grants
from groups.views import resources as resource_views


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


@pytest.mark.parametrize(("persona", "status"), [("org_member", 403), ("outsider", 404)])
def test_resources_pages_are_refused_to_others(request, client, persona, status, workflow):
    """A member who may not read the access gets 403, as from the REST API (it was a 404
    here only); another organization's people get 404 (the organization is not theirs)."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(list_url(workflow.organization)).status_code == status
    assert client.get(detail_url(workflow)).status_code == status


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


def many(organization, count, folder=None):
    return [
        grants.resource_create(
            organization=organization,
            type="WORKFLOW_DEF",
            key=f"flow-{n:03}",
            name="Payroll" if n == 7 else "",
            folder=folder,
            actor=None,
        )
        for n in range(count)
    ]


def keys_on(body: str) -> list[str]:
    return re.findall(r'<span class="email">([^<]+)</span>', body)


@pytest.mark.django_db
def test_resources_list_pages_and_searches(client, org_admin, organization):
    flows = many(organization, 60)
    client.force_login(org_admin)
    first = client.get(list_url(organization)).content.decode()
    assert keys_on(first) == [f"WORKFLOW_DEF:flow-{n:03}" for n in range(25)]
    assert "Page 1 of 3 · 60 resources" in first
    last = client.get(list_url(organization), {"page": 3}).content.decode()
    assert keys_on(last) == [f"WORKFLOW_DEF:flow-{n:03}" for n in range(50, 60)]
    assert keys_on(client.get(list_url(organization), {"page": "x"}).content.decode())[0] == (
        "WORKFLOW_DEF:flow-000"
    )
    found = client.get(list_url(organization), {"q": " payroll "}).content.decode()
    assert keys_on(found) == [flows[7].ref]
    by_key = client.get(list_url(organization), {"q": "flow-05"}).content.decode()
    assert len(keys_on(by_key)) == 10
    for odd in ("%", "_", "\\", "x\x00"):
        response = client.get(list_url(organization), {"q": odd})
        assert response.status_code == 200 and keys_on(response.content.decode()) == []


@pytest.mark.django_db
def test_a_deep_resources_page_costs_the_queries_of_the_first(
    client, org_admin, organization, django_assert_num_queries
):
    many(organization, 80)
    client.force_login(org_admin)
    client.get(list_url(organization))
    counts = []
    for page in (1, 3):
        with CaptureQueriesContext(connection) as captured:
            client.get(list_url(organization), {"page": page})
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_big_folder_shows_its_first_contents_and_says_how_many(
    client, org_admin, organization, folder, monkeypatch
):
    monkeypatch.setattr(resource_views, "FOLDER_CONTENTS_SHOWN", 5)
    many(organization, 8, folder=folder)
    client.force_login(org_admin)
    body = client.get(detail_url(folder)).content.decode()
    assert body.count('<span class="small muted">WORKFLOW_DEF:flow-') == 5
    assert "The first 5 of 8" in body


@pytest.mark.django_db
def test_the_resources_search_answers_htmx_with_the_list_only(client, org_admin, organization):
    flows = many(organization, 30)
    client.force_login(org_admin)
    response = client.get(
        list_url(organization),
        {"q": "payroll"},
        headers={"HX-Request": "true", "HX-Target": "resource-list"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="resource-list">')
    assert "<html" not in body and 'id="resource-search"' not in body
    assert keys_on(body) == [flows[7].ref]
    whole = client.get(list_url(organization), {"q": "payroll"}).content.decode()
    assert "<html" in whole and 'id="resource-list"' in whole


@pytest.mark.django_db
def test_the_resources_page_costs_the_same_queries_for_more_resources(
    client, org_admin, organization
):
    client.force_login(org_admin)
    counts = []
    for start, stop in ((0, 30), (30, 90)):
        for n in range(start, stop):
            grants.resource_create(
                organization=organization, type="WORKFLOW_DEF", key=f"r-{n:03}", actor=None
            )
        with CaptureQueriesContext(connection) as captured:
            client.get(list_url(organization), {"page": 2})
        counts.append(len(captured))
    assert counts[0] == counts[1]
