"""One rule, one answer, whatever the channel: each access rule is asked by every persona through
every channel that offers it (the Admin Center, REST, GraphQL, the Conductor API), and every
channel must give the settled answer, normalized by ``channels`` to ``allowed``, ``forbidden``
or ``not_found`` (for lists: the names of the groups shown). A refused write changes nothing.

Each rule's settled answers are data, one row per persona. No management command takes the user
who asks (they are the operator's shell and act with ``actor=None``), so none is asked here.
"""

import json

import pytest
from django.db import transaction
from django.test import Client

from accounts import services as account_services
from accounts.api_keys import api_key_create, token_for
from groups import services as group_services
from groups.services import grants
from tests.conftest import make_member

from . import channels
from .channels import ALLOWED, FORBIDDEN, NOT_FOUND
from .checksum import checksum

# Who asks. Each is a person of Acme except the outsider.
PERSONAS = {
    "admin": "in Acme Administrators: every capability",
    "manager": "every right (view, change, delete, manage members) on Editors only",
    "member": "a plain member: Acme Users' Full access, view_organization only",
    "read_only": "in Readers, a group holding the default Read only set",
    "single": "in Access managers, a group whose set gives manage_access (and view_organization)",
    "outsider": "the administrator of Globex, another organization",
}
ACME_GROUPS = frozenset(
    {"Acme Administrators", "Acme Users", "Editors", "Readers", "Access managers"}
)


def build_world() -> channels.World:
    organization = account_services.organization_create(name="Acme", actor=None)
    globex = account_services.organization_create(name="Globex", actor=None)
    people = {
        "admin": make_member(organization, admin=True, first_name="Ann", last_name="Lee"),
        "manager": make_member(organization, first_name="Cy", last_name="Diaz"),
        "member": make_member(organization, first_name="Bo", last_name="Chen"),
        "read_only": make_member(organization, first_name="Ro", last_name="Reed"),
        "single": make_member(organization, first_name="Sol", last_name="Vega"),
        "outsider": make_member(globex, admin=True, first_name="Olga", last_name="Ode"),
        # Dee: a plain member of Acme, in Editors; the person whose access is asked about.
        "dee": make_member(organization, first_name="Dee", last_name="Park"),
        # Eve: a plain member of Acme, in no custom group; the one added to Editors.
        "eve": make_member(organization, first_name="Eve", last_name="Moss"),
    }
    editors = group_services.group_create(
        organization=organization, display_name="Editors", actor=None
    )
    group_services.membership_add(group=editors, users=[people["dee"]], actor=None)
    group_services.group_rights_grant(
        group=editors,
        user=people["manager"],
        rights=["view_group", "change_group", "delete_group", "manage_members"],
        actor=None,
    )
    readers = group_services.group_create(
        organization=organization, display_name="Readers", actor=None
    )
    group_services.membership_add(group=readers, users=[people["read_only"]], actor=None)
    group_services.group_permission_set_add(
        group=readers,
        permission_set=group_services.permission_set_by_key("read-only"),
        actor=None,
    )
    access_manager = group_services.permission_set_create(
        organization=organization,
        name="Access manager",
        permissions=["view_organization", "manage_access"],
        actor=None,
    )
    managers = group_services.group_create(
        organization=organization, display_name="Access managers", actor=None
    )
    group_services.membership_add(group=managers, users=[people["single"]], actor=None)
    group_services.group_permission_set_add(
        group=managers, permission_set=access_manager, actor=None
    )
    checkout = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="checkout", actor=None
    )
    grants.grant_add(
        organization=organization,
        subject=editors,
        target=checkout,
        access_types=["READ"],
        actor=None,
    )
    deploy = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="deploy", actor=None
    )
    world = channels.World(
        organization=organization,
        people=people,
        editors=editors,
        checkout=checkout,
        deploy=deploy,
    )
    for persona in PERSONAS:
        user = people[persona]
        key, secret = api_key_create(
            organization=globex if persona == "outsider" else organization,
            name=persona,
            user=user,
            actor=None,
        )
        world.tokens[persona] = token_for(key, secret)
        response = Client().post(
            "/api/token",
            json.dumps({"keyId": str(key.public_id), "keySecret": secret}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        world.conductor_tokens[persona] = response.json()["token"]
    return world


@pytest.fixture(scope="module")
def acme(django_db_setup, django_db_blocker):
    """Acme and its personas, built once for the module inside a transaction rolled back at
    its end; each test runs in its own savepoint (``db``), so a write does not reach the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(acme, db) -> channels.World:
    """This module's Acme (not the security suite's ``world``), in the test's savepoint."""
    return acme


def cases(answers: dict, asks: dict, *, left_out=()) -> list:
    """One case per persona and channel, with the settled answer; ``left_out`` names the
    (persona, channel) pairs a channel cannot ask."""
    return [
        pytest.param(persona, channel, expected, id=f"{persona}-{channel}")
        for persona, expected in answers.items()
        for channel in asks
        if (persona, channel) not in left_out
    ]


def write(world, persona, ask, done) -> str:
    """Ask for a change; ``allowed`` only if it was made, and a refusal must change nothing."""
    before = checksum()
    answer = ask(world, persona)
    if answer == ALLOWED and not done(world):
        return "allowed, but nothing was done"
    if answer != ALLOWED:
        assert checksum() == before, f"refused ({answer}), yet something changed"
    return answer


# Conductor acts in the key's organization and names nothing outside it: the outsider cannot
# ask it about Acme's organization-wide lists, resources or groups to come.
OUTSIDER_CANNOT_NAME_ACME = {("outsider", "conductor")}


# --- 1. See a group ---------------------------------------------------------------------------

SEE_A_GROUP = {
    "admin": ALLOWED,
    "manager": ALLOWED,
    "read_only": ALLOWED,
    "member": NOT_FOUND,
    "single": NOT_FOUND,
    "outsider": NOT_FOUND,
}


@pytest.mark.parametrize(
    ("persona", "channel", "expected"), cases(SEE_A_GROUP, channels.SEE_A_GROUP)
)
def test_seeing_a_group_is_the_same_on_every_channel(world, persona, channel, expected):
    assert channels.SEE_A_GROUP[channel](world, persona) == expected


# --- 2. List groups ---------------------------------------------------------------------------

LIST_GROUPS = {
    "admin": ACME_GROUPS,
    "read_only": ACME_GROUPS,
    "manager": frozenset({"Editors"}),
    "member": frozenset(),
    "single": frozenset(),
    # Acme is not theirs: the organization itself is not found.
    "outsider": NOT_FOUND,
}


@pytest.mark.parametrize(
    ("persona", "channel", "expected"),
    cases(LIST_GROUPS, channels.LIST_GROUPS, left_out=OUTSIDER_CANNOT_NAME_ACME),
)
def test_listing_groups_is_the_same_on_every_channel(world, persona, channel, expected):
    assert channels.LIST_GROUPS[channel](world, persona) == expected


# --- 3. See a group's members -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "channel", "expected"), cases(SEE_A_GROUP, channels.SEE_MEMBERS)
)
def test_seeing_a_groups_members_is_the_same_on_every_channel(world, persona, channel, expected):
    assert channels.SEE_MEMBERS[channel](world, persona) == expected


# --- 4. Add a member to Editors ---------------------------------------------------------------

ADD_A_MEMBER = {
    "admin": ALLOWED,
    "manager": ALLOWED,
    "read_only": FORBIDDEN,
    "member": NOT_FOUND,
    "single": NOT_FOUND,
    "outsider": NOT_FOUND,
}


@pytest.mark.parametrize(
    ("persona", "channel", "expected"), cases(ADD_A_MEMBER, channels.ADD_A_MEMBER)
)
def test_adding_a_member_is_the_same_on_every_channel(world, persona, channel, expected):
    answer = write(world, persona, channels.ADD_A_MEMBER[channel], channels.eve_in_editors)
    assert answer == expected


# --- 5. See what a person can access ----------------------------------------------------------

# About Dee, a plain member in Editors: anyone of Acme may see that she is there, only those who
# see every group may see her access.
SEE_DEES_ACCESS = {
    "admin": ALLOWED,
    "read_only": ALLOWED,
    "manager": FORBIDDEN,
    "member": FORBIDDEN,
    "single": FORBIDDEN,
    "outsider": NOT_FOUND,
}


def access_cases() -> list:
    about_dee = [
        pytest.param(persona, "dee", channel, expected, id=f"{persona}-about-dee-{channel}")
        for persona, expected in SEE_DEES_ACCESS.items()
        for channel in channels.SEE_ACCESS
    ]
    # Everyone of Acme may see their own access (the outsider is no person of Acme).
    about_themselves = [
        pytest.param(persona, persona, channel, ALLOWED, id=f"{persona}-about-self-{channel}")
        for persona in PERSONAS
        if persona != "outsider"
        for channel in channels.SEE_ACCESS
    ]
    return about_dee + about_themselves


@pytest.mark.parametrize(("persona", "whom", "channel", "expected"), access_cases())
def test_seeing_what_a_person_can_access_is_the_same_on_every_channel(
    world, persona, whom, channel, expected
):
    person = world.people[whom]
    assert channels.SEE_ACCESS[channel](world, persona, person) == expected


# --- 6. Read the organization's grants and resources ------------------------------------------

READ_GRANTS = {
    "admin": ALLOWED,
    "read_only": ALLOWED,
    "single": ALLOWED,
    "manager": FORBIDDEN,
    "member": FORBIDDEN,
    "outsider": NOT_FOUND,
}


@pytest.mark.parametrize(
    ("persona", "channel", "expected"),
    cases(
        READ_GRANTS,
        channels.READ_GRANTS,
        left_out={("outsider", "conductor_who_can_access")},
    ),
)
def test_reading_grants_and_resources_is_the_same_on_every_channel(
    world, persona, channel, expected
):
    assert channels.READ_GRANTS[channel](world, persona) == expected


# --- 7. Grant access --------------------------------------------------------------------------

# Access managers only (403 for the others), and only to a subject they can see: Sol manages
# access but sees no group, so Editors is a 404 to him (nobody hands out to what they cannot see).
GRANT_ACCESS = {
    "admin": ALLOWED,
    "single": NOT_FOUND,
    "read_only": FORBIDDEN,
    "manager": FORBIDDEN,
    "member": FORBIDDEN,
    "outsider": NOT_FOUND,
}


@pytest.mark.parametrize(
    ("persona", "channel", "expected"), cases(GRANT_ACCESS, channels.GRANT_ACCESS)
)
def test_granting_access_is_the_same_on_every_channel(world, persona, channel, expected):
    answer = write(world, persona, channels.GRANT_ACCESS[channel], channels.editors_may_read_deploy)
    assert answer == expected


# --- 8. Create a group ------------------------------------------------------------------------

CREATE_A_GROUP = {
    "admin": ALLOWED,
    "manager": FORBIDDEN,
    "member": FORBIDDEN,
    "read_only": FORBIDDEN,
    "single": FORBIDDEN,
    "outsider": NOT_FOUND,
}


@pytest.mark.parametrize(
    ("persona", "channel", "expected"),
    cases(CREATE_A_GROUP, channels.CREATE_A_GROUP, left_out=OUTSIDER_CANNOT_NAME_ACME),
)
def test_creating_a_group_is_the_same_on_every_channel(world, persona, channel, expected):
    answer = write(world, persona, channels.CREATE_A_GROUP[channel], channels.reviewers_exist)
    assert answer == expected
