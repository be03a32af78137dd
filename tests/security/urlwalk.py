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


def outcome(response):
    """A response as the policy table spells it: a status, or LOGIN / ADMIN_LOGIN / REDIRECT."""
    location = response.get("Location", "") or response.get("HX-Redirect", "")
    if response.status_code == 302 or response.has_header("HX-Redirect"):
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
        if response.status_code == 302:
            return REDIRECT
    return response.status_code


def api_request(key: str, world) -> tuple[dict, dict]:
    """A valid body (or query) for an API operation, so that what answers is the access check
    and not the body's validation (which runs first, and answers 400 to anyone)."""
    acme = world.acme
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
        "api:grants_create": {
            "subject": {"type": "group", "id": group},
            "target": {"type": "resource", "id": str(acme.resource.public_id)},
            "access": ["EXECUTE"],
        },
    }
    check = {"userId": member, "access": "READ", "resourceId": str(acme.resource.public_id)}
    queries = {"api:access_check": check, "api:access_explain": check}
    return bodies.get(key, {}), queries.get(key, {})


def call(client, method: str, url: str, *, key: str = "", world=None, **extra):
    """One request, whose writes are rolled back."""
    body, query = api_request(key, world) if "/api/" in url and world else ({}, {})
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, query, **extra)
        elif method == "POST" and "/api/" not in url:
            response = client.post(url, {}, **extra)
        else:
            response = client.generic(
                method, url, json.dumps(body), content_type="application/json", **extra
            )
        transaction.set_rollback(True)
    return response
