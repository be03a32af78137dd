"""Every URL pattern of the project, called by every persona, answers what the policy table
(tests/security/policy.py) says; a pattern without an entry fails the test."""

import pytest

from .policy import PERSONAS, POLICY
from .urlwalk import REDIRECT, call, concrete_url, outcome, url_patterns

PATTERNS = url_patterns()
# The schema and its docs describe the API, not an organization's data: the same for everyone.
PUBLIC_API = {
    "api:openapi-json",
    "api:openapi-view",
    "conductor:openapi-json",
    "conductor:openapi-view",
}


def _client(world, pattern, persona):
    """How the persona calls this pattern: Conductor's API with the token its key gets from
    ``POST /api/token`` (sent as X-Authorization; its token endpoint takes the key itself),
    everything else with the persona's session."""
    if pattern.namespace == "conductor" and pattern.key != "conductor:token":
        return world.conductor_client(persona)
    return world.client(persona)


def _suggestion(pattern, world) -> str:
    """A policy entry for ``pattern``: what each persona gets today on GET."""
    try:
        url = concrete_url(pattern.route, world)
    except KeyError as error:
        return f"    {pattern.key!r}: ...,  # {error}"
    observed = tuple(
        outcome(call(_client(world, pattern, p), "GET", url, key=pattern.key, world=world))
        for p in PERSONAS
    )
    spelled = ", ".join(
        str(o) if isinstance(o, int) else o.upper().replace("-", "_") for o in observed
    )
    return f'    {pattern.key!r}: {{"GET": ({spelled})}},  # {url}'


def missing_entries(world, policy=POLICY) -> str:
    """The patterns without a policy entry, each with a suggested entry; empty if none."""
    missing = [pattern for pattern in PATTERNS if pattern.key not in policy]
    if not missing:
        return ""
    lines = "\n".join(_suggestion(pattern, world) for pattern in missing)
    return (
        f"{len(missing)} URL pattern(s) have no entry in tests/security/policy.py POLICY. "
        "Check what each persona should get and add (suggested from what they get now on "
        "GET; use the right method):\n" + lines
    )


def test_every_url_pattern_has_a_policy(world):
    report = missing_entries(world)
    if report:
        pytest.fail(report, pytrace=False)


def test_a_pattern_without_an_entry_is_reported_with_a_suggestion(world):
    policy = {key: value for key, value in POLICY.items() if key != "groups:group_detail"}
    report = missing_entries(world, policy)
    assert report.startswith("1 URL pattern(s) have no entry")
    assert "'groups:group_detail': {\"GET\": (LOGIN, 404, 200, 200, 404, 200)}" in report


def test_policy_table_names_only_existing_patterns():
    keys = {pattern.key for pattern in PATTERNS}
    assert sorted(set(POLICY) - keys) == []


def _mismatches(world, pattern, method, expected, **headers):
    url = concrete_url(pattern.route, world)
    found = []
    for persona, wanted in zip(PERSONAS, expected, strict=True):
        client = _client(world, pattern, persona)
        response = call(
            client, method, url, key=pattern.key, world=world, persona=persona, **headers
        )
        got = outcome(response)
        if got != wanted:
            found.append(f"{method} {url} as {persona}: expected {wanted}, got {got}")
    return found


def _htmx(expected):
    # A write that redirects a plain browser re-renders the panel for htmx.
    return tuple(200 if wanted == REDIRECT else wanted for wanted in expected)


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.key)
def test_url_answers_each_persona_as_the_policy_says(shared_world, db, pattern):
    world = shared_world
    if pattern.key not in POLICY:
        pytest.fail(f"No policy for {pattern.key}: see test_every_url_pattern_has_a_policy")
    found = []
    for method, expected in POLICY[pattern.key].items():
        found += _mismatches(world, pattern, method, expected)
        if pattern.namespace in ("groups", "accounts"):
            # The same panel asked for by htmx (an already-open page).
            found += _mismatches(world, pattern, method, _htmx(expected), HTTP_HX_REQUEST="true")
        if (pattern.namespace == "api" or pattern.key == "graphql") and (
            pattern.key not in PUBLIC_API
        ):
            found += _bearer_mismatches(world, pattern, method, expected)
    assert not found, "\n".join(found)


def _bearer_mismatches(world, pattern, method, expected):
    """With each persona's API key instead of the session: the same answer."""
    from django.test import Client

    url = concrete_url(pattern.route, world)
    found = []
    for persona, wanted in zip(PERSONAS, expected, strict=True):
        token = world.tokens.get(persona)
        if token is None:
            continue
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        got = outcome(call(client, method, url, key=pattern.key, world=world, persona=persona))
        if got != wanted:
            found.append(f"{method} {url} with {persona}'s key: expected {wanted}, got {got}")
    return found


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_methods_a_url_does_not_list_are_refused_with_405(shared_world, db):
    """A method the policy table does not list for a URL (all the operations under one route,
    for the APIs) answers 405 to an administrator (404 where nothing is, as for GET): a view
    that starts taking a new method without a policy entry for it fails here."""
    world = shared_world
    listed: dict[str, set] = {}
    example = {}
    for pattern in PATTERNS:
        # Django's admin is Django's; Ninja serves its schema and docs to any method alike.
        if pattern.namespace == "admin" or pattern.key in PUBLIC_API or pattern.key not in POLICY:
            continue
        url = concrete_url(pattern.route, world)
        listed.setdefault(url, set()).update(POLICY[pattern.key])
        example[url] = pattern
    checked, wrong = 0, []
    for url, methods in listed.items():
        pattern = example[url]
        client = _client(world, pattern, "admin")
        for method in METHODS:
            if method in methods or (method == "GET" and "HEAD" in methods):
                continue
            response = call(client, method, url, key=pattern.key, world=world, persona="admin")
            nothing_there = POLICY[pattern.key].get("GET", (None,) * 6)[3] == 404
            if response.status_code != (404 if nothing_there else 405):
                wrong.append(f"{method} {url} ({pattern.key}): {response.status_code}")
            checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked > 100
