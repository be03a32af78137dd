"""How each channel is asked the questions of ``test_rules_across_channels.py``, and its answer
normalized to one word: ``allowed``, ``forbidden`` (403, GraphQL ``FORBIDDEN``) or ``not_found``
(404, GraphQL ``NOT_FOUND``); a list answers the names of the groups it shows. Anything else
(a 500, a 200 that did not do or show what was asked) is spelled out, so that a failing case
says what the channel did.

Only HTTP (literal URLs and bodies) and the models: the channels' modules move between apps,
their URLs and bodies are the contract.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client

from accounts.models import Organization
from groups.models import Grant, Group, Resource

ALLOWED = "allowed"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"

ORGANIZATION = "acme"  # the slug every question names
CENTER = f"/t/{ORGANIZATION}/portal/access-management/"
REST = f"/t/{ORGANIZATION}/api/v1/"
JSON = "application/json"
HTMX = {"HX-Request": "true"}
STATUSES = {200: ALLOWED, 201: ALLOWED, 204: ALLOWED, 403: FORBIDDEN, 404: NOT_FOUND}
GRAPHQL_CODES = {"FORBIDDEN": FORBIDDEN, "NOT_FOUND": NOT_FOUND}
GROUP_ROW = re.compile(r'class="group-row" data-group-id="([0-9a-f-]{36})"')


@dataclass
class World:
    """Acme, its people and the objects the questions name (see the test module's fixture)."""

    organization: Organization
    people: dict  # persona (or "dee", "eve") -> user
    editors: Group  # a custom group; Dee is its member; the manager holds every right on it
    checkout: Resource  # WORKFLOW_DEF:checkout, which Editors may READ
    deploy: Resource  # WORKFLOW_DEF:deploy, on which nobody has a grant yet
    tokens: dict = field(default_factory=dict)  # persona -> bearer token of their API key
    conductor_tokens: dict = field(default_factory=dict)  # persona -> token of POST /api/token

    def browser(self, persona: str) -> Client:
        """The Admin Center, signed in as the persona."""
        client = Client(raise_request_exception=False)
        client.force_login(self.people[persona])
        return client

    def rest(self, persona: str) -> Client:
        return Client(
            raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {self.tokens[persona]}"
        )

    def conductor(self, persona: str) -> Client:
        return Client(
            raise_request_exception=False, HTTP_X_AUTHORIZATION=self.conductor_tokens[persona]
        )

    def graphql(self, persona: str, query: str, variables: dict | None = None):
        """An operation with the persona's API key, naming Acme (``X-Organization``): another
        organization's key gets its 404 rather than acting in its own organization."""
        body = json.dumps({"query": query, "variables": variables or {}})
        return self.rest(persona).post(
            "/graphql", body, content_type=JSON, HTTP_X_ORGANIZATION=ORGANIZATION
        )

    def group_names(self, ids) -> frozenset:
        """Names of groups given by public id (an id of no Acme group stays as it is)."""
        names = {
            str(g.public_id): g.display_name
            for g in Group.objects.filter(organization=self.organization)
        }
        return frozenset(names.get(str(i), str(i)) for i in ids)


# --- answers ---------------------------------------------------------------------------------


def by_status(response) -> str:
    return STATUSES.get(response.status_code, f"HTTP {response.status_code}")


def by_graphql(response, shows: Callable[[dict], bool] = lambda data: True) -> str:
    """GraphQL's refusals are ``errors[].extensions.code`` (in a 200, or in the 404 of an
    organization the key cannot act in); an answer without the object asked for is a
    ``not_found`` (``shows`` says whether it is there)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if body.get("errors"):
        code = body["errors"][0].get("extensions", {}).get("code")
        return GRAPHQL_CODES.get(code, f"GraphQL {code}")
    return ALLOWED if shows(body["data"]) else NOT_FOUND


def showing(response, text: str, what: str) -> str:
    """``allowed`` only if the page or answer shows ``text``."""
    answer = by_status(response)
    if answer == ALLOWED and text not in content_of(response):
        return f"allowed, without {what}"
    return answer


def content_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --- 1. See a group (Editors) ----------------------------------------------------------------


def _group_in(data, field_name, group) -> bool:
    return any(r["id"] == str(group.public_id) for r in data[field_name]["records"])


AUTH_GROUP = "query($id: ID!) { authGroup(id: $id) { id name } }"
AUTH_GROUPS_BY_ID = "query($ids: [ID!]) { authGroups(ids: $ids) { records { id } } }"

SEE_A_GROUP = {
    "admin_center": lambda w, p: by_status(
        w.browser(p).get(f"{CENTER}groups/{w.editors.public_id}/")
    ),
    "admin_center_htmx": lambda w, p: by_status(
        w.browser(p).get(
            f"{CENTER}groups/{w.editors.public_id}/", headers={**HTMX, "HX-Target": "group-panel"}
        )
    ),
    "rest": lambda w, p: by_status(w.rest(p).get(f"{REST}groups/{w.editors.public_id}")),
    "graphql_authGroup": lambda w, p: by_graphql(
        w.graphql(p, AUTH_GROUP, {"id": str(w.editors.public_id)})
    ),
    "graphql_authGroups_ids": lambda w, p: by_graphql(
        w.graphql(p, AUTH_GROUPS_BY_ID, {"ids": [str(w.editors.public_id)]}),
        lambda data: _group_in(data, "authGroups", w.editors),
    ),
    "conductor": lambda w, p: by_status(w.conductor(p).get(f"/api/groups/{w.editors.slug}")),
}


# --- 2. List groups: the names of the groups shown, or the refusal ---------------------------


def _listed(response, names: Callable) -> str | frozenset:
    answer = by_status(response)
    return names(response) if answer == ALLOWED else answer


def _admin_center_list(w, p):
    response = w.browser(p).get(f"{CENTER}groups/")
    return _listed(response, lambda r: w.group_names(GROUP_ROW.findall(r.content.decode())))


def _rest_list(w, p):
    response = w.rest(p).get(f"{REST}groups", {"limit": 100})
    return _listed(response, lambda r: w.group_names(g["id"] for g in r.json()["data"]))


def _graphql_list(w, p):
    response = w.graphql(p, "{ authGroups(limit: 100) { records { id } } }")
    answer = by_graphql(response)
    if answer != ALLOWED:
        return answer
    return w.group_names(r["id"] for r in response.json()["data"]["authGroups"]["records"])


def _conductor_list(w, p):
    """Conductor names a group by its slug, in the key's organization (Acme's here)."""
    response = w.conductor(p).get("/api/groups")
    slugs = {g.slug: g.display_name for g in Group.objects.filter(organization=w.organization)}
    return _listed(response, lambda r: frozenset(slugs.get(g["id"], g["id"]) for g in r.json()))


LIST_GROUPS = {
    "admin_center": _admin_center_list,
    "rest": _rest_list,
    "graphql": _graphql_list,
    "conductor": _conductor_list,
}


# --- 3. See a group's members (Dee, in Editors) ----------------------------------------------

AUTH_GROUP_MEMBERS = """
query($id: ID!) {
  authGroup(id: $id) { members { records { member { ... on User { id } } } } }
}
"""


def _graphql_members(w, p):
    dee = str(w.people["dee"].public_id)
    response = w.graphql(p, AUTH_GROUP_MEMBERS, {"id": str(w.editors.public_id)})
    answer = by_graphql(response)
    records = answer == ALLOWED and response.json()["data"]["authGroup"]["members"]["records"]
    if answer == ALLOWED and not any(r["member"].get("id") == dee for r in records):
        return "allowed, without the members"
    return answer


SEE_MEMBERS = {
    "admin_center_members_tab": lambda w, p: showing(
        w.browser(p).get(
            f"{CENTER}groups/{w.editors.public_id}/", headers={**HTMX, "HX-Target": "member-table"}
        ),
        w.people["dee"].email,
        "the members",
    ),
    "admin_center_export_csv": lambda w, p: showing(
        w.browser(p).get(f"{CENTER}groups/{w.editors.public_id}/members/export.csv"),
        w.people["dee"].email,
        "the members",
    ),
    "rest": lambda w, p: showing(
        w.rest(p).get(f"{REST}groups/{w.editors.public_id}/members"),
        str(w.people["dee"].public_id),
        "the members",
    ),
    "graphql": _graphql_members,
    "conductor": lambda w, p: showing(
        w.conductor(p).get(f"/api/groups/{w.editors.slug}/users"),
        w.people["dee"].email,
        "the members",
    ),
}


# --- 4. Add a member (Eve) to Editors --------------------------------------------------------

ADD_MEMBERS = """
mutation($id: ID!, $members: [AuthGroupMemberInput!]!) {
  authGroupAddMembers(id: $id, members: $members) { id }
}
"""


def eve_in_editors(w) -> bool:
    return w.editors.user_set.filter(pk=w.people["eve"].pk).exists()


ADD_A_MEMBER = {
    "admin_center": lambda w, p: by_status(
        w.browser(p).post(
            f"{CENTER}groups/{w.editors.public_id}/members/add/",
            {"users": [str(w.people["eve"].public_id)]},
            headers=HTMX,
        )
    ),
    "rest": lambda w, p: by_status(
        w.rest(p).post(
            f"{REST}groups/{w.editors.public_id}/members",
            {"userId": str(w.people["eve"].public_id)},
            content_type=JSON,
        )
    ),
    "graphql": lambda w, p: by_graphql(
        w.graphql(
            p,
            ADD_MEMBERS,
            {
                "id": str(w.editors.public_id),
                "members": [{"id": str(w.people["eve"].public_id), "memberType": "User"}],
            },
        )
    ),
    "conductor": lambda w, p: by_status(
        w.conductor(p).post(f"/api/groups/{w.editors.slug}/users/{w.people['eve'].email}")
    ),
}


# --- 5. See what a person can access ---------------------------------------------------------


def _rest_question(path):
    def ask(w, p, person):
        params = {"userId": str(person.public_id), "access": "READ"}
        params["resourceId"] = str(w.checkout.public_id)
        return by_status(w.rest(p).get(f"{REST}{path}", params))

    return ask


SEE_ACCESS = {
    "admin_center_person_page": lambda w, p, person: by_status(
        w.browser(p).get(f"{CENTER}users/{person.public_id}/")
    ),
    "rest_users_access": lambda w, p, person: by_status(
        w.rest(p).get(f"{REST}users/{person.public_id}/access")
    ),
    "rest_users_permissions": lambda w, p, person: by_status(
        w.rest(p).get(f"{REST}users/{person.public_id}/permissions")
    ),
    "rest_access_check": _rest_question("access/check"),
    "rest_access_explain": _rest_question("access/explain"),
    "conductor_users_permissions": lambda w, p, person: by_status(
        w.conductor(p).get(f"/api/users/{person.email}/permissions")
    ),
    "conductor_check_permissions": lambda w, p, person: by_status(
        w.conductor(p).get(
            f"/api/users/{person.email}/checkPermissions",
            {"type": w.checkout.type, "id": w.checkout.key},
        )
    ),
}


# --- 6. Read the organization's grants and resources -----------------------------------------

READ_GRANTS = {
    "admin_center_resources": lambda w, p: by_status(w.browser(p).get(f"{CENTER}resources/")),
    "admin_center_resource": lambda w, p: by_status(
        w.browser(p).get(f"{CENTER}resources/{w.checkout.public_id}/")
    ),
    "rest_grants": lambda w, p: by_status(w.rest(p).get(f"{REST}grants")),
    "rest_resources": lambda w, p: by_status(w.rest(p).get(f"{REST}resources")),
    "rest_resource": lambda w, p: by_status(
        w.rest(p).get(f"{REST}resources/{w.checkout.public_id}")
    ),
    "conductor_who_can_access": lambda w, p: by_status(
        w.conductor(p).get(f"/api/auth/authorization/{w.checkout.type}/{w.checkout.key}")
    ),
}


# --- 7. Grant access: Editors may READ WORKFLOW_DEF:deploy -----------------------------------


def editors_may_read_deploy(w) -> bool:
    return Grant.objects.filter(subject_group=w.editors, resource=w.deploy).exists()


GRANT_ACCESS = {
    "admin_center": lambda w, p: by_status(
        w.browser(p).post(
            f"{CENTER}groups/{w.editors.public_id}/access/add/",
            {"target": str(w.deploy.public_id), "access": ["READ"]},
            headers=HTMX,
        )
    ),
    "rest": lambda w, p: by_status(
        w.rest(p).post(
            f"{REST}grants",
            {
                "subject": {"type": "group", "id": str(w.editors.public_id)},
                "target": {"type": "resource", "id": str(w.deploy.public_id)},
                "access": ["READ"],
            },
            content_type=JSON,
        )
    ),
    "conductor": lambda w, p: by_status(
        w.conductor(p).post(
            "/api/auth/authorization",
            {
                "subject": {"type": "GROUP", "id": w.editors.slug},
                "target": {"type": w.deploy.type, "id": w.deploy.key},
                "access": ["READ"],
            },
            content_type=JSON,
        )
    ),
}


# --- 8. Create a group (Reviewers) -----------------------------------------------------------

NEW_GROUP = "Reviewers"
CREATE = "mutation($input: CreateAuthGroup!) { authGroupCreate(input: $input) { id } }"


def reviewers_exist(w) -> bool:
    return Group.objects.filter(organization=w.organization, display_name=NEW_GROUP).exists()


CREATE_A_GROUP = {
    "admin_center": lambda w, p: by_status(
        w.browser(p).post(
            f"{CENTER}groups/new/", {"display_name": NEW_GROUP, "description": ""}, headers=HTMX
        )
    ),
    "rest": lambda w, p: by_status(
        w.rest(p).post(f"{REST}groups", {"name": NEW_GROUP}, content_type=JSON)
    ),
    "graphql": lambda w, p: by_graphql(
        w.graphql(p, CREATE, {"input": {"name": NEW_GROUP, "description": ""}})
    ),
    "conductor": lambda w, p: by_status(
        w.conductor(p).put(
            f"/api/groups/{NEW_GROUP.lower()}", {"description": NEW_GROUP}, content_type=JSON
        )
    ),
}
