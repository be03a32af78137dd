"""Hardening (issue 9): faults. A database error in the middle of a change leaves nothing
behind and shows a page without internals; a lost database connection is a 503 with
Retry-After, and the next request after the database returns is served again."""

import contextlib
import socket
import threading

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.api_keys import api_key_create, token_for
from audit.models import AuditEvent
from groups.models import Group, Membership
from tests.apis.api_helpers import api_url
from tests.conftest import make_member
from tests.helpers import database_state

FAULT = "injected fault: audit trail unavailable"


@contextlib.contextmanager
def failing_audit_of(email: str):
    """A real database trigger that refuses the audit event of adding ``email`` to a group:
    the change fails at its last statements, after its memberships were written."""
    if connection.vendor == "postgresql":
        create = [
            f"""CREATE FUNCTION hardening_fault() RETURNS trigger AS $$
                BEGIN
                  IF NEW.action = 'membership.added' AND NEW.after::text LIKE '%{email}%' THEN
                    RAISE EXCEPTION '{FAULT}';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER hardening_fault BEFORE INSERT ON accounts_auditevent
               FOR EACH ROW EXECUTE FUNCTION hardening_fault()""",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS hardening_fault ON accounts_auditevent",
            "DROP FUNCTION IF EXISTS hardening_fault()",
        ]
    else:
        create = [
            f"""CREATE TRIGGER hardening_fault BEFORE INSERT ON accounts_auditevent
                WHEN NEW.action = 'membership.added' AND NEW.after LIKE '%{email}%'
                BEGIN SELECT RAISE(ABORT, '{FAULT}'); END"""
        ]
        drop = ["DROP TRIGGER IF EXISTS hardening_fault"]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_change_rolls_everything_back_and_hides_internals(
    organization, org_admin, group
):
    # Two people are added in one change; the database refuses the second one's audit event,
    # after both memberships (and the first audit event) were written in the transaction.
    first = make_member(organization, first_name="Ada", last_name="First")
    second = make_member(organization, first_name="Ben", last_name="Second")
    before = database_state()
    audit_events = AuditEvent.objects.count()
    client = Client(raise_request_exception=False)
    client.force_login(org_admin)

    with failing_audit_of(second.email):
        response = client.post(
            reverse("groups:members_add", args=[organization.slug, group.public_id]),
            {"users": [str(first.public_id), str(second.public_id)]},
        )

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "Nothing was changed" in body
    for internal in (FAULT, "Traceback", "accounts_auditevent", "membership_add", "SQL"):
        assert internal not in body
    # Committed state: nothing of the change is left, not even its first half.
    assert database_state() == before
    assert AuditEvent.objects.count() == audit_events
    assert not Membership.objects.filter(group=group).exists()
    # And the same change succeeds once the database accepts it.
    retried = client.post(
        reverse("groups:members_add", args=[organization.slug, group.public_id]),
        {"users": [str(first.public_id), str(second.public_id)]},
    )
    assert retried.status_code == 302
    assert set(Membership.objects.filter(group=group).values_list("user_id", flat=True)) == {
        first.pk,
        second.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_change_answers_the_api_in_its_error_shape(
    organization, org_admin, group
):
    first = make_member(organization, first_name="Ada", last_name="First")
    second = make_member(organization, first_name="Ben", last_name="Second")
    key, secret = api_key_create(organization=organization, name="t", user=org_admin, actor=None)
    api = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}"
    )
    before = database_state()

    with failing_audit_of(second.email):
        response = api.post(
            api_url(f"groups/{group.public_id}/members"),
            {"userIds": [str(first.public_id), str(second.public_id)]},
            content_type="application/json",
        )

    assert response.status_code == 500
    assert response.json()["code"] == "error"
    assert FAULT not in response.content.decode()
    assert database_state() == before


class TcpProxy:
    """A tiny TCP proxy between the app and PostgreSQL that the test can cut and restore.
    Cut: every open connection is closed and new ones are hung up on at once, as when the
    database host goes away."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def cut(self):
        self.up = False
        with self.lock:
            ends, self.open = self.open, set()
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()


@pytest.fixture
def database_through_proxy(transactional_db):
    """Routes this thread's database connection (the one the test client's requests use)
    through a TcpProxy; puts it back afterwards."""
    settings_dict = connection.settings_dict
    original = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy((original[0] or "127.0.0.1", int(original[1] or 5432)))
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        proxy.restore()
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = original
        proxy.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a TCP proxy needs PostgreSQL")
def test_a_lost_database_gives_a_503_page_and_the_app_recovers(
    live_server, organization, org_admin, group, database_through_proxy
):
    # The live server answers each request in a thread of its own, with a database connection
    # of its own made through the proxy: cutting the proxy is losing the database.
    proxy = database_through_proxy
    signed_in = Client()
    signed_in.force_login(org_admin)
    browser = requests.Session()
    browser.cookies.set("sessionid", signed_in.cookies["sessionid"].value)
    key, secret = api_key_create(organization=organization, name="t", user=org_admin, actor=None)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token_for(key, secret)}"
    page = live_server.url + reverse("groups:group_list", args=[organization.slug])
    groups_api = live_server.url + api_url("groups")
    assert browser.get(page, allow_redirects=False).status_code == 200

    proxy.cut()
    for response in (
        browser.get(page, allow_redirects=False),
        browser.get(page, headers={"HX-Request": "true"}, allow_redirects=False),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "briefly unavailable" in response.text
        assert "Nothing was changed" in response.text
        assert "OperationalError" not in response.text and "Traceback" not in response.text
        assert "no-store" in response.headers["Cache-Control"]
    refused = api.post(groups_api, json={"name": "Lost", "slug": "lost"})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "30"
    assert refused.json()["status"] == 503
    assert "OperationalError" not in refused.text

    proxy.restore()
    assert browser.get(page, allow_redirects=False).status_code == 200
    assert api.post(groups_api, json={"name": "Back", "slug": "back"}).status_code == 201
    connection.close()  # this thread's connection died with the proxy too
    names = set(
        Group.objects.filter(organization=organization).values_list("display_name", flat=True)
    )
    assert "Back" in names
    assert "Lost" not in names
