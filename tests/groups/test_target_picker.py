"""The “On” field of the Access tab's grant form and of the user page's access check: a select
while the organization has few resources, a search by name or key when it has many; any of
its resources may be chosen, nobody else's."""

import re

import pytest
from django.urls import reverse

from groups.forms import targets
from groups.models import Grant
from groups.services import grants
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

HTMX_PICK = {"HX-Request": "true", "HX-Target": "target-choices"}


def access_url(group):
    return reverse("groups:group_access", args=[group.organization.slug, group.public_id])


def grant_url(group):
    return reverse("groups:grant_add", args=[group.organization.slug, group.public_id])


def user_url(organization, person):
    return reverse("groups:user_detail", args=[organization.slug, person.public_id])


def workflows(organization, count):
    return [
        grants.resource_create(
            organization=organization,
            type="WORKFLOW_DEF",
            key=f"flow-{n:03}",
            name=f"Flow {n:03}" if n % 2 else "",
            actor=None,
        )
        for n in range(count)
    ]


def offered(body: str) -> list[str]:
    """The labels of the options or radio buttons named ``target``."""
    select = re.search(r'<select name="target".*?</select>', body, re.S)
    options = re.findall(
        r'<option value="[^"]+"[^>]*>([^<]*)</option>', select[0] if select else ""
    )
    radios = re.findall(r'name="target" value="[^"]+"[^>]*> ([^<\n]+)', body)
    return options + radios


def test_few_resources_are_offered_in_a_select(client, org_admin, group, organization):
    workflows(organization, 3)
    client.force_login(org_admin)
    body = client.get(access_url(group)).content.decode()
    assert '<select name="target" id="id_target" required>' in body
    assert offered(body)[:4] == [
        "All of Acme (every resource)",
        "WORKFLOW_DEF:flow-000",
        "Flow 001 (WORKFLOW_DEF:flow-001)",
        "WORKFLOW_DEF:flow-002",
    ]


def test_many_resources_are_found_by_name_or_key_and_granted(
    client, org_admin, group, organization
):
    flows = workflows(organization, targets.TARGET_SELECT_UP_TO + 5)
    client.force_login(org_admin)
    body = client.get(access_url(group)).content.decode()
    assert 'name="resource_q"' in body and 'form="target-search"' in body
    assert offered(body) == ["All of Acme (every resource)"]  # before a search

    by_key = client.get(access_url(group), {"resource_q": " flow-05 "}, headers=HTMX_PICK)
    assert by_key.status_code == 200 and "<html" not in by_key.content.decode()
    assert offered(by_key.content.decode()) == [
        "All of Acme (every resource)",
        *[targets.target_label(flow) for flow in flows[50:55]],
    ]
    by_name = client.get(access_url(group), {"resource_q": "flow 05"}, headers=HTMX_PICK)
    assert offered(by_name.content.decode())[1:] == [
        targets.target_label(flow) for flow in flows[50:55] if flow.name
    ]
    broad = client.get(access_url(group), {"resource_q": "flow"}, headers=HTMX_PICK)
    assert len(offered(broad.content.decode())) == 1 + targets.TARGET_MATCHES
    assert "type more of the name or key" in broad.content.decode()

    # Any resource may be granted on, the ones past the first fifty included.
    response = client.post(
        grant_url(group),
        {"target": str(flows[53].public_id), "access": ["READ"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Grant.objects.get(subject_group=group).resource == flows[53]


@pytest.mark.parametrize("target", ["", "nonsense", "00000000-0000-0000-0000-000000000000"])
def test_a_target_that_is_no_resource_of_the_organization_is_refused(
    client, org_admin, group, target
):
    client.force_login(org_admin)
    response = client.post(grant_url(group), {"target": target, "access": ["READ"]})
    assert response.status_code in (200, 302)
    assert not Grant.objects.filter(subject_group=group).exists()


def test_another_organizations_resource_is_refused(client, org_admin, group, other_organization):
    (theirs,) = workflows(other_organization, 1)
    client.force_login(org_admin)
    client.post(grant_url(group), {"target": str(theirs.public_id), "access": ["READ"]})
    assert not Grant.objects.filter(subject_group=group).exists()


@pytest.mark.parametrize("search", ["%", "_", "\\", "<b>", "flow\x00"])
def test_a_resource_search_with_odd_characters_is_no_error(
    client, org_admin, group, organization, search
):
    workflows(organization, targets.TARGET_SELECT_UP_TO + 1)
    client.force_login(org_admin)
    response = client.get(access_url(group), {"resource_q": search}, headers=HTMX_PICK)
    assert response.status_code == 200
    assert offered(response.content.decode()) == ["All of Acme (every resource)"]
    assert "<b>" not in response.content.decode()


def test_the_user_page_checks_access_on_a_resource_found_by_search(client, org_admin, organization):
    flows = workflows(organization, targets.TARGET_SELECT_UP_TO + 5)
    person = make_member(organization, email="pat@acme.example", first_name="Pat")
    grants.grant_add(
        organization=organization,
        subject=person,
        target=flows[54],
        access_types=["READ"],
        actor=None,
    )
    client.force_login(org_admin)
    found = client.get(
        user_url(organization, person), {"resource_q": "flow-054"}, headers=HTMX_PICK
    )
    assert offered(found.content.decode())[1:] == [targets.target_label(flows[54])]
    verdict = client.get(
        user_url(organization, person), {"access": "READ", "target": str(flows[54].public_id)}
    ).content.decode()
    assert "can READ on" in verdict and "verdict-yes" in verdict
