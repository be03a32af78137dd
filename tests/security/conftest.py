"""One small world for the security tests: Acme with every persona and one of each object
(group, member, member group, permission set, grant, resource, API key), and Globex with the
same, so that every URL and every channel can be tried by everyone."""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client

from accounts.api_keys import api_key_create, token_for
from accounts.models import ApiKey, Organization
from audit.models import AuditEvent
from groups import services as group_services
from groups.models import DeletedGroup, Grant, Group, PermissionSet, Resource
from groups.services import grants
from tests.conftest import make_member
from tests.factories import UserFactory

PERSONAS = ("anonymous", "member", "manager", "admin", "other_admin", "operator")


@dataclass
class Tenant:
    """One organization's objects, each the one its URLs and API bodies name."""

    organization: Organization
    admin: object
    group: Group  # a custom group, with a member, a member group, a set and a grant
    member_of_group: object
    child: Group  # a member group of ``group``
    permission_set: PermissionSet  # held by ``group``
    resource: Resource
    grant: Grant  # on ``resource``, to ``group``
    key: ApiKey  # the administrator's
    token: str
    audit_event: AuditEvent
    deleted: DeletedGroup  # a deleted group ("Drafts"), restorable
    secret: str = ""  # the administrator's key's secret (Conductor's keySecret)


@dataclass
class World:
    acme: Tenant
    globex: Tenant
    users: dict = field(default_factory=dict)  # persona -> user (None: anonymous)
    tokens: dict = field(default_factory=dict)  # persona -> a bearer token in Acme
    # persona -> (key id, secret) of their API key: Conductor's keyId and keySecret
    credentials: dict = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.users[persona]
        if user is not None:
            client.force_login(user)
        return client

    def conductor_client(self, persona: str) -> Client:
        """A client that authenticates as Conductor clients do: its token from
        ``POST /api/token {keyId, keySecret}`` (the persona's API key), sent as
        ``X-Authorization``. Personas without a key (anonymous, the operator) send none."""
        if persona not in self.credentials:
            return Client()
        key_id, secret = self.credentials[persona]
        response = Client().post(
            "/api/token",
            {"keyId": key_id, "keySecret": secret},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return Client(HTTP_X_AUTHORIZATION=response.json()["token"])


def build_tenant(name: str, admin_first: str) -> Tenant:
    from accounts import services as account_services

    organization = account_services.organization_create(name=name, actor=None)
    admin = make_member(organization, admin=True, first_name=admin_first, last_name="Admin")
    group = group_services.group_create(
        organization=organization,
        display_name="Editors",
        description="Edits things",
        actor=admin,
    )
    member_of_group = make_member(organization, first_name="Dee", last_name=name)
    group_services.membership_add(group=group, users=[member_of_group], actor=admin)
    child = group_services.group_create(
        organization=organization, display_name="Writers", actor=admin
    )
    group_services.member_group_add(parent=group, child=child, actor=admin)
    permission_set = group_services.permission_set_create(
        organization=organization,
        name="Auditors",
        permissions=["view_groups"],
        actor=admin,
    )
    group_services.group_permission_set_add(group=group, permission_set=permission_set, actor=admin)
    resource = grants.resource_create(
        organization=organization, type="WORKFLOW_DEF", key="checkout", actor=admin
    )
    grant = grants.grant_add(
        organization=organization,
        subject=group,
        target=resource,
        access_types=["READ"],
        actor=admin,
    )
    key, secret = api_key_create(organization=organization, name="ci", user=admin, actor=admin)
    drafts = group_services.group_create(
        organization=organization, display_name="Drafts", actor=admin
    )
    group_services.group_delete(group=drafts, actor=admin)
    return Tenant(
        organization=organization,
        admin=admin,
        group=group,
        member_of_group=member_of_group,
        child=child,
        permission_set=permission_set,
        resource=resource,
        grant=grant,
        key=key,
        token=token_for(key, secret),
        audit_event=AuditEvent.objects.filter(organization=organization).latest("pk"),
        deleted=DeletedGroup.objects.get(public_id=drafts.public_id),
        secret=secret,
    )


def build_world() -> World:
    acme = build_tenant("Acme", "Ann")
    globex = build_tenant("Globex", "Olga")
    organization = acme.organization
    # Conductor's API names groups by slug in the caller's own organization: Globex's Editors
    # gets its own, so that Acme's slug names nothing Olga may reach.
    globex.group = group_services.group_update(
        group=globex.group, slug="globex-editors", actor=globex.admin
    )
    # Bo Chen: a plain member of Acme (only in Acme Users).
    member = make_member(organization, first_name="Bo", last_name="Chen")
    # Cy Diaz: every right on Editors, nothing organization-wide.
    manager = make_member(organization, first_name="Cy", last_name="Diaz")
    group_services.group_rights_grant(
        group=acme.group,
        user=manager,
        rights=["view_group", "change_group", "delete_group", "manage_members"],
        actor=acme.admin,
    )
    # Opal Operator: staff and superuser, in no organization (the Django admin's user).
    operator = UserFactory(first_name="Opal", last_name="Operator", is_staff=True)
    operator.is_superuser = True
    operator.save()
    users = {
        "anonymous": None,
        "member": member,
        "manager": manager,
        "admin": acme.admin,
        "other_admin": globex.admin,
        "operator": operator,
    }
    tokens = {"admin": acme.token, "other_admin": globex.token}
    credentials = {
        "admin": (str(acme.key.public_id), acme.secret),
        "other_admin": (str(globex.key.public_id), globex.secret),
    }
    for persona in ("member", "manager"):
        key, secret = api_key_create(
            organization=organization, name=persona, user=users[persona], actor=None
        )
        tokens[persona] = token_for(key, secret)
        credentials[persona] = (str(key.public_id), secret)
    _sign_in_records()
    return World(acme=acme, globex=globex, users=users, tokens=tokens, credentials=credentials)


def _sign_in_records():
    """One row of each of django-axes' records, for the Django admin's pages about them."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    who = {"username": "mallory", "ip_address": "203.0.113.9", "user_agent": "curl"}
    where = {"http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**who, **where, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**who, **where)
    AccessLog.objects.create(**who, **where)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world for a whole module of read-mostly tests (the URL walk): built once inside a
    transaction that is rolled back when the module ends. Each test still runs in its own
    savepoint (``db``), so nothing a test writes reaches the next one."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
