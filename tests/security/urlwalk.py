"""Walk every URL pattern of the project and call each one as a persona.

``url_patterns()`` lists every pattern (recursively, as Django resolves them) with the key the
policy table uses: the pattern's namespaced name (``groups:group_detail``, ``api:groups_list``)
or, for an unnamed one, its full route. ``concrete_url()`` fills the route's parameters with
objects of the world (``tests/security/conftest.py``); ``call()`` makes one request in a
savepoint that is rolled back, so a persona's successful write never changes what the next
persona sees.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

LOGIN = "login"  # 302 to the sign-in page; for htmx, HX-Redirect to it
ADMIN_LOGIN = "admin-login"  # 302 to the Django admin's sign-in page
REDIRECT = "redirect"  # 302 elsewhere (a write that succeeded, a signed-in user sent home)


@dataclass(frozen=True)
class Pattern:
    key: str
    route: str
    namespace: str


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Pattern(key=name or route, route=route, namespace=namespace)


def url_patterns() -> list[Pattern]:
    """Every URL pattern, once per key (Ninja repeats a route once per operation name)."""
    seen = {}
    for pattern in _walk(get_resolver()):
        seen.setdefault(pattern.key, pattern)
    return list(seen.values())


def _admin_object(route, world):
    """The object an admin URL names: one of Acme's, of the model in the route."""
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    model = apps.get_model(match.group(1), match.group(2))
    acme = world.acme
    known = [
        acme.group,
        acme.permission_set,
        acme.organization,
        world.users["member"],
        acme.audit_event,
        acme.key,
        acme.resource,
        acme.grant,
        acme.deleted,
    ]
    for obj in known:
        if isinstance(obj, model):
            return obj
    return model._default_manager.order_by("pk").first()


def _value(name, route, world):
    acme = world.acme
    if route.startswith("admin/"):
        # The Django admin addresses rows by primary key.
        admin_values = {
            "content_type_id": lambda: ContentType.objects.get_for_model(acme.group).pk,
            "user_id": lambda: world.users["member"].pk,
            "group_id": lambda: acme.group.pk,
            "id": lambda: world.users["member"].pk,
            "app_label": lambda: "groups",
            "url": lambda: "no-such-page/",
        }
        if name in admin_values:
            return admin_values[name]()
        if name in ("object_id", "object_pk"):
            if name == "object_id" and route.startswith("admin/r/"):
                return acme.group.pk
            obj = _admin_object(route, world)
            return obj.pk if obj is not None else 1
    if route.startswith("api/"):
        # Conductor's API names a group by its slug, a user by their email, a target by its
        # type and key; any other path under /api/ is its JSON 404.
        conductor_values = {
            "group_id": acme.group.slug,
            "user_id": acme.member_of_group.email,
            "target_type": acme.resource.type,
            "target_id": acme.resource.key,
            "rest": "no-such-endpoint",
        }
        if name in conductor_values:
            return conductor_values[name]
    values = {
        "org_slug": acme.organization.slug,
        "group_id": acme.group.public_id,
        "user_id": acme.member_of_group.public_id,
        "grant_id": acme.grant.public_id,
        "child_id": acme.child.public_id,
        "set_id": acme.permission_set.public_id,
        "role_id": acme.permission_set.public_id,
        "resource_id": acme.resource.public_id,
        "key_id": acme.key.public_id,
        "deleted_id": acme.deleted.public_id,
    }
    if name not in values:
        raise KeyError(
            f"No value for the URL parameter <{name}> (in {route}): add it to "
            "tests/security/urlwalk.py _value()."
        )
    return values[name]


def concrete_url(route: str, world) -> str:
    def fill(match):
        return str(_value(match.group(1), route, world))

    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", fill, route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", fill, url)
    return "/" + url.replace("^", "").replace("$", "")


# GraphQL answers refusals as 200 with ``errors[].extensions.code``: spelled as the status a
# REST API would give, so the table reads the same for every API.
GRAPHQL_CODES = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}


def _graphql_refusal(response):
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return None
    errors = response.json().get("errors") if response.content.startswith(b"{") else None
    if not errors:
        return None
    return GRAPHQL_CODES.get(errors[0].get("extensions", {}).get("code"), 400)


def outcome(response):
    """A response as the policy table spells it: a status, or LOGIN / ADMIN_LOGIN / REDIRECT."""
    refused = _graphql_refusal(response)
    if refused is not None:
        return refused
    location = response.get("Location", "") or response.get("HX-Redirect", "")
    if response.status_code == 302 or response.has_header("HX-Redirect"):
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
        if response.status_code == 302:
            return REDIRECT
    return response.status_code


def _is_api(url: str) -> bool:
    return "/api/" in url or url.startswith("/graphql")


def api_request(key: str, world, persona: str = "") -> tuple[dict | list, dict]:
    """A valid body (or query) for an API operation, so that what answers is the access check
    and not the body's validation (which runs first, and answers 400 to anyone)."""
    acme = world.acme
    if key.startswith("conductor:") or key == "graphql":
        return _conductor_or_graphql_request(key, world, persona)
    member = str(world.users["member"].public_id)
    group = str(acme.group.public_id)
    bodies = {
        "api:groups_create": {"name": "Policy"},
        "api:groups_update": {"name": "Editors"},
        "api:groups_patch": {"description": "Edits things"},
        "api:members_add": {"userId": member},
        "api:roles_add": {"roleId": str(acme.permission_set.public_id)},
        "api:roles_replace": {"roles": [str(acme.permission_set.public_id)]},
        "api:member_groups_add": {"groupId": str(acme.child.public_id)},
        "api:resources_create": {"type": "WORKFLOW_DEF", "key": "policy"},
        "api:resources_move": {"folderId": None},
        "api:members_batch_add": {"emails": [world.users["member"].email]},
        "api:deleted_groups_restore": {"name": "Drafts"},
        "api:grants_create": {
            "subject": {"type": "group", "id": group},
            "target": {"type": "resource", "id": str(acme.resource.public_id)},
            "access": ["EXECUTE"],
        },
    }
    check = {"userId": member, "access": "READ", "resourceId": str(acme.resource.public_id)}
    queries = {"api:access_check": check, "api:access_explain": check}
    return bodies.get(key, {}), queries.get(key, {})


GRAPHQL_QUERY = "query Group($id: ID!) { authGroup(id: $id) { id name } }"


def _conductor_or_graphql_request(key, world, persona):
    acme = world.acme
    if key == "graphql":
        # Editors by id, in Acme (named for the session; a key must be one of Acme's).
        body = {"query": GRAPHQL_QUERY, "variables": {"id": str(acme.group.public_id)}}
        return body, {"organization": acme.organization.slug}
    dee = [acme.member_of_group.email]
    authorization = {
        "subject": {"type": "GROUP", "id": acme.group.slug},
        "target": {"type": acme.resource.type, "id": acme.resource.key},
        "access": ["READ"],
    }
    key_id, secret = world.credentials.get(persona, ("", ""))
    bodies = {
        "conductor:token": {"keyId": key_id, "keySecret": secret},
        "conductor:group_upsert": {"description": "Editors team"},
        "conductor:group_users_add": dee,
        "conductor:group_users_remove": dee,
        "conductor:authorization_grant": authorization,
        "conductor:authorization_remove": authorization,
    }
    target = {"type": acme.resource.type, "id": acme.resource.key}
    return bodies.get(key, {}), {"conductor:user_check_permissions": target}.get(key, {})


def call(client, method: str, url: str, *, key: str = "", world=None, persona="", **extra):
    """One request, whose writes are rolled back."""
    api = _is_api(url)
    body, query = api_request(key, world, persona) if api and world else ({}, {})
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, query, **extra)
        elif method == "POST" and not api:
            response = client.post(url, {}, **extra)
        else:
            if query:
                url = f"{url}?{urlencode(query)}"
            response = client.generic(
                method, url, json.dumps(body), content_type="application/json", **extra
            )
        transaction.set_rollback(True)
    return response
