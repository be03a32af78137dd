"""Hardening (issue 9): a bounded load test on loopback. Fifty clients at once send a fixed
number of requests, reads and writes mixed, through the browser's pages and the API; every
answer is a success and the database is consistent afterwards (the membership checker agrees
with its recursive-query oracle, and every person ends where their last request put them)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.core.servers.basehttp import (
    WSGIRequestHandler,
    WSGIServer,
    get_internal_wsgi_application,
)
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.api_keys import api_key_create, token_for
from groups import services as group_services
from groups.models import Group, Membership
from tests.apis.api_helpers import api_url
from tests.conftest import make_member

CLIENTS = 50
WORKERS = 8  # the server's threads, as a gunicorn worker's; each holds one database connection
ROUNDS = 2  # each round: add, read, remove, read; then a final add and a group created
EXPECTED_REQUESTS = CLIENTS * (ROUNDS * 4 + 3)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="fifty concurrent writers need PostgreSQL (SQLite serializes every writer)",
    ),
    pytest.mark.django_db(transaction=True),
]


class PooledWSGIServer(WSGIServer):
    """Django's WSGI server with a fixed pool of threads, as gunicorn's threaded worker: fifty
    clients queue for eight threads (and eight database connections) instead of opening fifty
    of each. Each connection is answered and closed (no keep-alive: not a ThreadingMixIn)."""

    request_queue_size = 128

    def __init__(self, *args, workers: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = ThreadPoolExecutor(workers)

    def process_request(self, request, client_address):
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            connections.close_all()

    def server_close(self):
        super().server_close()
        self.pool.shutdown(wait=True)


@pytest.fixture
def app_server(transactional_db):
    """The whole application (every middleware, WhiteNoise included) on a loopback port."""
    server = PooledWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, workers=WORKERS)
    server.set_app(get_internal_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_fifty_concurrent_clients_get_no_error_and_leave_a_consistent_database(
    app_server, organization, org_admin, group
):
    # Editors is nested in Marketing: each change of Editors' members re-derives Marketing's.
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", description="", actor=org_admin
    )
    group_services.member_group_add(parent=marketing, child=group, actor=org_admin)
    people = [
        make_member(organization, first_name=f"Load{i}", last_name="Tester") for i in range(CLIENTS)
    ]
    key, secret = api_key_create(organization=organization, name="load", user=org_admin, actor=None)
    token = token_for(key, secret)
    signed_in = Client()
    signed_in.force_login(org_admin)
    session_cookie = signed_in.cookies["sessionid"].value

    base = app_server
    members = base + api_url(f"groups/{group.public_id}/members")
    group_page = base + reverse("groups:group_detail", args=[organization.slug, group.public_id])
    list_page = base + reverse("groups:group_list", args=[organization.slug])
    create_page = base + reverse("groups:group_create", args=[organization.slug])

    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(index: int) -> None:
        person = str(people[index].public_id)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        browser = requests.Session()
        browser.cookies.set("sessionid", session_cookie)

        def send(expected: set[int], method, url, **kwargs):
            try:
                response = method(url, timeout=120, allow_redirects=False, **kwargs)
                status = response.status_code
            except requests.RequestException as error:
                status, response = type(error).__name__, None
            with lock:
                statuses[status] += 1
                if status not in expected:
                    body = response.text[:200] if response is not None else ""
                    failures.append(f"client {index}: {url} -> {status} {body}")
            return response

        start.wait()
        for round_ in range(ROUNDS):
            send({201}, api.post, members, json={"userId": person})
            if (index + round_) % 2:
                send({200}, browser.get, group_page, headers={"HX-Request": "true"})
            else:
                send({200}, api.get, members + "?limit=100")
            send({204}, api.delete, f"{members}/{person}")
            send({200}, browser.get, list_page)
        send({201}, api.post, members, json={"userId": person})
        # A write through the browser's form too (its CSRF token, as htmx sends it).
        form = send({200}, browser.get, create_page)
        if form is not None:
            send(
                {302},
                browser.post,
                create_page,
                data={"display_name": f"Load group {index}", "description": ""},
                headers={"X-CSRFToken": browser.cookies.get("csrftoken", "")},
            )

    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, f"{len(failures)} failed requests:\n" + "\n".join(failures[:20])
    assert sum(statuses.values()) == EXPECTED_REQUESTS, statuses
    # Every person's last request added them: all are direct members of Editors, and members
    # of Marketing through it.
    direct = set(
        Membership.objects.filter(group=group, direct=True).values_list("user_id", flat=True)
    )
    assert direct == {person.pk for person in people}
    inherited = set(Membership.objects.filter(group=marketing).values_list("user_id", flat=True))
    assert inherited >= direct
    assert (
        Group.objects.filter(
            organization=organization, display_name__startswith="Load group"
        ).count()
        == CLIENTS
    )
    report = StringIO()
    call_command("check_memberships", organization.slug, stdout=report)
    assert "all correct" in report.getvalue()
