"""The throughput benchmark's load generator (bench/throughput.py), against a live server: it
sends exactly the requests asked, from the clients asked, counts what is not a 200, and a
session made for a person is signed in."""

import pytest
from django.urls import reverse

from bench import throughput

pytestmark = pytest.mark.django_db(transaction=True)


def port_of(live_server) -> int:
    return int(live_server.url.rsplit(":", 1)[1])


def test_the_generator_sends_a_fixed_number_of_requests_and_counts_errors(live_server):
    port = port_of(live_server)
    ok = throughput.load(port, "login", reverse("login"), {}, total=30, clients=4)
    assert (ok.requests, len(ok.latencies), ok.errors) == (30, 30, 0)
    assert ok.rate > 0 and ok.percentile(95) >= ok.percentile(50) > 0
    missing = throughput.load(port, "missing", "/no-such-page/", {}, total=7, clients=3)
    assert (len(missing.latencies), missing.errors) == (7, 7)


def test_a_made_session_is_signed_in(live_server, organization, org_admin):
    page = reverse("groups:group_list", args=[organization.slug])
    signed_in = {"Cookie": throughput.session_cookie(org_admin)}
    result = throughput.load(port_of(live_server), "groups", page, signed_in, total=3, clients=1)
    assert result.errors == 0
    anonymous = throughput.load(port_of(live_server), "groups", page, {}, total=3, clients=1)
    assert anonymous.errors == 3  # a redirect to sign in is not a 200
