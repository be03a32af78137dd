"""Helpers of the GraphQL tests: POST an operation, read its data or its one error."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

URL = "/graphql"


def post(client, query, variables=None, **headers):
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def data_of(response) -> dict:
    """The data of a successful operation (a 200 without errors)."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def error_of(response, code=None) -> dict:
    """The one GraphQL error of the answer (a 200: GraphQL reports errors in the body)."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body.get("errors", [])) == 1, body
    error = body["errors"][0]
    if code is not None:
        assert error["extensions"]["code"] == code, error
    return error


def query_count(client, query, variables=None) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = post(client, query, variables)
    return len(captured.captured_queries), data_of(response)
