"""Schemathesis drives every operation of the API's own OpenAPI schema with generated input, as
an administrator of a seeded organization: never a 5xx, every response matches the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from accounts.api_keys import api_key_create, token_for
from groups import services

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/t/acme/api/v1/openapi.json", app)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: a request must not close the connection that holds the
    test's transaction (Django closes it at request end when autocommit is off)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(organization, org_admin, org_member):
    services.group_create(organization=organization, display_name="Editors", actor=org_admin)
    key, secret = api_key_create(organization=organization, name="fuzz", user=org_admin, actor=None)
    return token_for(key, secret)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_every_generated_request_within_its_schema(case, token):
    case.path_parameters = {**(case.path_parameters or {}), "org_slug": "acme"}
    # Typed input can still break a rule (a name already taken, a cursor we never gave out):
    # such a 400 or 409 is right, so "schema-valid data is accepted" is not checked. Every
    # other check runs: no 5xx, status codes, content types and bodies as the schema says.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}", "Host": "localhost"},
        excluded_checks=[positive_data_acceptance],
    )
