"""What one GraphQL request may cost is bounded (issue 15, item 9): long id lists are refused
as REST refuses them, lookups are linear, and a document too big is refused before it is
validated, each in GraphQL's error shape."""

import uuid

from tests.apis.graphql_helpers import error_of, post
from tests.helpers import changes_nothing

REMOVE = """mutation remove($id: ID!, $memberIds: [ID!]!) {
  authGroupRemoveMembers(id: $id, memberIds: $memberIds) { id }
}"""
ADD = """mutation add($id: ID!, $members: [AuthGroupMemberInput!]!) {
  authGroupAddMembers(id: $id, members: $members) { id }
}"""


def test_more_than_a_thousand_member_ids_are_refused(admin_api, group):
    ids = [str(uuid.uuid4()) for _ in range(1001)]
    with changes_nothing():
        error = error_of(
            post(admin_api, REMOVE, {"id": str(group.public_id), "memberIds": ids}),
            "BAD_USER_INPUT",
        )
    assert "At most 1,000 member ids" in error["message"]

    members = [{"id": i, "memberType": "User"} for i in ids]
    error = error_of(
        post(admin_api, ADD, {"id": str(group.public_id), "members": members}), "BAD_USER_INPUT"
    )
    assert "At most 1,000 member ids" in error["message"]


def test_a_thousand_unknown_ids_are_named_in_one_answer(admin_api, group):
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    error = error_of(
        post(admin_api, REMOVE, {"id": str(group.public_id), "memberIds": ids}), "NOT_FOUND"
    )
    assert error["extensions"]["memberIds"] == ids


def test_a_document_repeating_one_field_hundreds_of_times_is_refused_before_validation(
    admin_api,
):
    query = "{ authGroups { " + "count " * 700 + "} }"
    response = post(admin_api, query)
    assert response.status_code == 200, response.content  # GraphQL reports it in the body
    body = response.json()
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "Syntax Error: Document contains more than 500 tokens. Parsing aborted."
    ]


def test_an_ordinary_query_is_well_within_the_bound(admin_api):
    response = post(admin_api, "{ authGroups { count records { id name } } }")
    assert response.status_code == 200
    assert "errors" not in response.json()
