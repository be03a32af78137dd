"""The GraphQL operations beyond the seed's examples: lists, members, refusals, visibility,
other organizations, the audit trail and query counts."""

import itertools

import pytest
from django.db import connection

from audit.models import AuditEvent
from groups import services as group_services
from groups.models import Group, MemberGroup, Membership
from tests.apis.graphql_helpers import data_of, error_of, post, query_count
from tests.conftest import make_member
from tests.helpers import audit_mark, changes_nothing, events_since, members

GROUPS = """query groups($ids: [ID!], $nameRegex: String, $offset: Int, $limit: Int) {
  authGroups(ids: $ids, nameRegex: $nameRegex, offset: $offset, limit: $limit) {
    count offset limit
    records { id name }
  }
}"""

GROUP_DETAIL = """query group($id: ID!, $memberType: MemberType, $offset: Int, $limit: Int) {
  authGroup(id: $id) {
    id name description slug kind isProtected organizationId
    organization { id name slug }
    memberCount
    permissionSets { id name isProtected }
    members(memberType: $memberType, offset: $offset, limit: $limit) {
      count offset limit
      records {
        createdAt memberType
        member {
          __typename
          ... on User { id name email }
          ... on AuthGroup { id name }
        }
      }
    }
  }
}"""

ADD = """mutation add($id: ID!, $members: [AuthGroupMemberInput!]!) {
  authGroupAddMembers(id: $id, members: $members) { id memberCount }
}"""

REMOVE = """mutation remove($id: ID!, $memberIds: [ID!]!) {
  authGroupRemoveMembers(id: $id, memberIds: $memberIds) { id memberCount }
}"""

DELETE = """mutation del($id: ID!) { authGroupDelete(id: $id) { id message } }"""

UPDATE = """mutation upd($input: UpdateAuthGroup!) {
  authGroupUpdate(input: $input) { id name description }
}"""


def gid(obj) -> str:
    return str(obj.public_id)


def user_member(user) -> dict:
    return {"__typename": "User", "id": gid(user), "name": user.display_name, "email": user.email}


def make_groups(organization, actor, count, *, start=1):
    return [
        group_services.group_create(
            organization=organization, display_name=f"Team {n:02d}", actor=actor
        )
        for n in range(start, start + count)
    ]


# --- authGroups -------------------------------------------------------------------------------


def test_auth_groups_lists_default_groups_first_with_the_page(admin_api, group):
    data = data_of(post(admin_api, GROUPS))

    assert data["authGroups"]["count"] == 3
    assert (data["authGroups"]["offset"], data["authGroups"]["limit"]) == (0, 30)
    names = [record["name"] for record in data["authGroups"]["records"]]
    assert names == ["Acme Administrators", "Acme Users", "Editors"]


def test_auth_groups_filters_by_ids_and_name_regex(admin_api, organization, org_admin, group):
    teams = make_groups(organization, org_admin, 3)

    by_ids = data_of(post(admin_api, GROUPS, {"ids": [gid(teams[0]), gid(group), "nonsense"]}))
    by_regex = data_of(post(admin_api, GROUPS, {"nameRegex": "^team 0[23]$"}))

    assert [r["name"] for r in by_ids["authGroups"]["records"]] == ["Editors", "Team 01"]
    assert by_ids["authGroups"]["count"] == 2
    assert [r["name"] for r in by_regex["authGroups"]["records"]] == ["Team 02", "Team 03"]


def test_auth_groups_pages_with_offset_and_limit(admin_api, organization, org_admin):
    make_groups(organization, org_admin, 5)

    data = data_of(post(admin_api, GROUPS, {"offset": 3, "limit": 2}))["authGroups"]
    past_the_end = data_of(post(admin_api, GROUPS, {"offset": 50, "limit": 2}))["authGroups"]

    assert [r["name"] for r in data["records"]] == ["Team 02", "Team 03"]
    assert (data["count"], data["offset"], data["limit"]) == (7, 3, 2)
    assert past_the_end["records"] == [] and past_the_end["count"] == 7


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"nameRegex": "(unclosed"}, "nameRegex is not a valid regular expression"),
        ({"limit": 101}, "limit must be between 0 and 100."),
        ({"offset": -1}, "offset cannot be negative."),
    ],
)
def test_auth_groups_refuses_bad_arguments(admin_api, variables, message):
    error = error_of(post(admin_api, GROUPS, variables), "BAD_USER_INPUT")

    assert error["message"].startswith(message)


def test_auth_groups_regex_the_database_cannot_read(admin_api, group):
    # Python's re accepts named groups; PostgreSQL's regular expressions do not.
    response = post(admin_api, GROUPS, {"nameRegex": "(?P<word>edit)ors"})

    if connection.vendor == "postgresql":
        error = error_of(response, "BAD_USER_INPUT")
        assert error["message"].startswith("nameRegex is not a valid regular expression")
        # The connection is still usable after the refusal.
        assert data_of(post(admin_api, GROUPS))["authGroups"]["count"] == 3
    else:
        assert data_of(response)["authGroups"]["records"][0]["name"] == "Editors"


def test_deep_or_alias_heavy_queries_are_refused(admin_api, group):
    nested = "id"
    for _ in range(4):
        nested = f"id members {{ records {{ member {{ ... on AuthGroup {{ {nested} }} }} }} }}"
    deep = f'{{ authGroup(id: "{gid(group)}") {{ {nested} }} }}'
    aliases = " ".join(f"a{n}: authGroups(offset: {n}) {{ count }}" for n in range(25))

    deep_error = error_of(post(admin_api, deep))
    alias_error = error_of(post(admin_api, f"{{ {aliases} }}"))

    assert "exceeds maximum operation depth" in deep_error["message"]
    assert "aliases found" in alias_error["message"]


# --- authGroup and its members ----------------------------------------------------------------


def test_auth_group_shows_its_fields_organization_and_permission_sets(
    admin_api, organization, administrators, org_admin
):
    data = data_of(post(admin_api, GROUP_DETAIL, {"id": gid(administrators)}))["authGroup"]

    assert data["name"] == "Acme Administrators"
    assert (data["kind"], data["isProtected"]) == ("administrators", True)
    assert data["organizationId"] == gid(organization)
    assert data["organization"] == {"id": gid(organization), "name": "Acme", "slug": "acme"}
    assert [p["name"] for p in data["permissionSets"]] == ["Administrator"]
    assert data["permissionSets"][0]["isProtected"] is True
    assert data["memberCount"] == 1
    assert data["members"]["records"][0]["member"] == user_member(org_admin)


def test_members_lists_people_and_groups_oldest_first(admin_api, organization, org_admin, group):
    bo = make_member(organization, first_name="Bo", last_name="Chen")
    cy = make_member(organization, first_name="Cy", last_name="Diaz")
    group_services.membership_add(group=group, users=[bo], actor=org_admin)
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", actor=org_admin
    )
    group_services.member_group_add(parent=group, child=marketing, actor=org_admin)
    group_services.membership_add(group=group, users=[cy], actor=org_admin)

    everyone = data_of(post(admin_api, GROUP_DETAIL, {"id": gid(group)}))["authGroup"]
    groups_only = data_of(post(admin_api, GROUP_DETAIL, {"id": gid(group), "memberType": "Group"}))
    people_page = data_of(
        post(admin_api, GROUP_DETAIL, {"id": gid(group), "memberType": "User", "offset": 1})
    )

    assert everyone["memberCount"] == 3
    assert [r["member"] for r in everyone["members"]["records"]] == [
        user_member(bo),
        {"__typename": "AuthGroup", "id": gid(marketing), "name": "Marketing"},
        user_member(cy),
    ]
    assert [r["memberType"] for r in everyone["members"]["records"]] == ["User", "Group", "User"]
    assert everyone["members"]["count"] == 3
    only = groups_only["authGroup"]["members"]
    assert (only["count"], [r["member"]["name"] for r in only["records"]]) == (1, ["Marketing"])
    page = people_page["authGroup"]["members"]
    assert (page["count"], page["offset"]) == (2, 1)
    assert [r["member"]["name"] for r in page["records"]] == ["Cy Diaz"]


def test_unknown_or_malformed_group_is_not_found(admin_api):
    for group_id in ("3f1d9f34-0000-4000-8000-000000000000", "not-a-uuid"):
        error = error_of(post(admin_api, GROUP_DETAIL, {"id": group_id}), "NOT_FOUND")
        assert error["message"] == "The requested object was not found"
        assert error["path"] == ["authGroup"]


# --- who sees what ----------------------------------------------------------------------------


def test_member_without_rights_sees_no_groups(member_api, group):
    assert data_of(post(member_api, GROUPS))["authGroups"] == {
        "count": 0,
        "offset": 0,
        "limit": 30,
        "records": [],
    }
    error_of(post(member_api, GROUP_DETAIL, {"id": gid(group)}), "NOT_FOUND")


def test_viewer_sees_the_group_and_its_members(viewer_api, group, org_admin, org_member):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)

    data = data_of(post(viewer_api, GROUP_DETAIL, {"id": gid(group)}))["authGroup"]

    assert [r["name"] for r in data_of(post(viewer_api, GROUPS))["authGroups"]["records"]] == [
        "Editors"
    ]
    assert data["memberCount"] == 1
    assert [r["member"] for r in data["members"]["records"]] == [user_member(org_member)]


def test_non_admin_sees_no_member_records_of_a_member_group_they_have_no_rights_on(
    manager_api, organization, group, org_admin, org_member
):
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", actor=org_admin
    )
    group_services.membership_add(group=marketing, users=[org_member], actor=org_admin)
    group_services.member_group_add(parent=group, child=marketing, actor=org_admin)
    query = """query($id: ID!) { authGroup(id: $id) { members { records { member {
        ... on AuthGroup { name memberCount permissionSets { name }
                           members { count records { createdAt } } } } } } } }"""

    data = data_of(post(manager_api, query, {"id": gid(group)}))

    [record] = data["authGroup"]["members"]["records"]
    assert record["member"] == {
        "name": "Marketing",
        "memberCount": None,
        "permissionSets": [],
        "members": {"count": 0, "records": []},
    }


def test_manager_without_delete_right_is_forbidden(api_for, organization, group, org_admin):
    editor = make_member(organization, first_name="Ed", last_name="Itor")
    group_services.group_rights_grant(
        group=group, user=editor, rights=["view_group", "manage_members"], actor=org_admin
    )

    client = api_for(editor)

    with changes_nothing():
        error = error_of(post(client, DELETE, {"id": gid(group)}), "FORBIDDEN")

    assert "permission" in error["message"]


# --- refusals with aiWARE's messages ------------------------------------------------------------


def test_deleting_a_default_group_is_refused(admin_api, administrators, users_group):
    for default in (administrators, users_group):
        with changes_nothing():
            error = error_of(post(admin_api, DELETE, {"id": gid(default)}), "CONFLICT")
        assert error["message"] == "This auth group is a protected group."


def test_removing_the_last_administrator_is_refused(admin_api, administrators, org_admin):
    with changes_nothing():
        error = error_of(
            post(admin_api, REMOVE, {"id": gid(administrators), "memberIds": [gid(org_admin)]}),
            "CONFLICT",
        )

    assert error["message"] == (
        "This operation will remove the last member of the Administrators group"
    )


def test_unknown_member_ids_add_nothing(admin_api, group, org_member, stranger):
    unknown = "3f1d9f34-0000-4000-8000-000000000000"
    wanted = [
        {"id": gid(org_member), "memberType": "User"},
        {"id": unknown, "memberType": "User"},
        {"id": gid(stranger), "memberType": "User"},  # Globex's: not found in Acme
        {"id": gid(org_member), "memberType": "Group"},  # a person is not a group
    ]

    with changes_nothing():
        error = error_of(post(admin_api, ADD, {"id": gid(group), "members": wanted}), "NOT_FOUND")

    assert error["message"] == "One or more of the provided memberIds were not found"
    assert error["extensions"]["memberIds"] == [unknown, gid(stranger), gid(org_member)]


def test_unknown_member_ids_remove_nothing(admin_api, group, org_admin, org_member):
    group_services.membership_add(group=group, users=[org_member], actor=org_admin)

    with changes_nothing():
        error = error_of(
            post(admin_api, REMOVE, {"id": gid(group), "memberIds": [gid(org_member), "nope"]}),
            "NOT_FOUND",
        )

    assert error["message"] == "One or more of the provided memberIds were not found"


def test_update_refuses_a_taken_name_with_the_field(admin_api, organization, org_admin, group):
    make_groups(organization, org_admin, 1)

    with changes_nothing():
        error = error_of(
            post(admin_api, UPDATE, {"input": {"id": gid(group), "name": "team 01"}}),
            "BAD_USER_INPUT",
        )

    assert error["message"] == "A group named “team 01” already exists."
    assert error["extensions"]["fields"] == {"name": ["A group named “team 01” already exists."]}


def test_update_changes_only_the_fields_given(admin_api, group):
    data = data_of(post(admin_api, UPDATE, {"input": {"id": gid(group), "description": "New"}}))

    assert data["authGroupUpdate"] == {
        "id": gid(group),
        "name": "Editors",
        "description": "New",
    }


# --- members: add and remove, people and groups, with the audit trail ---------------------------


def test_add_and_remove_people_and_groups_audited_on_channel_api(
    admin_api, organization, group, org_admin, org_member
):
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", actor=org_admin
    )
    mark = audit_mark()
    wanted = [
        {"id": gid(org_member), "memberType": "User"},
        {"id": gid(marketing), "memberType": "Group"},
    ]

    added = data_of(post(admin_api, ADD, {"id": gid(group), "members": wanted}))
    again = data_of(post(admin_api, ADD, {"id": gid(group), "members": wanted}))
    removed = data_of(
        post(admin_api, REMOVE, {"id": gid(group), "memberIds": [gid(org_member), gid(marketing)]})
    )

    assert added["authGroupAddMembers"]["memberCount"] == 2
    assert again["authGroupAddMembers"]["memberCount"] == 2  # adding a member again: a no-op
    assert removed["authGroupRemoveMembers"]["memberCount"] == 0
    assert members(group) == set()
    assert not MemberGroup.objects.filter(parent=group).exists()
    events = events_since(mark)
    assert [e.action for e in events] == [
        "membership.added",
        "member_group.added",
        "membership.removed",
        "member_group.removed",
    ]
    assert {(e.channel, e.actor_id, e.target_id) for e in events} == {
        (AuditEvent.Channel.API, org_admin.pk, gid(group))
    }


def test_removing_an_inherited_member_is_refused(admin_api, organization, group, org_admin):
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", actor=org_admin
    )
    dee = make_member(organization, first_name="Dee", last_name="Ng")
    group_services.membership_add(group=marketing, users=[dee], actor=org_admin)
    group_services.member_group_add(parent=group, child=marketing, actor=org_admin)

    with changes_nothing():
        error = error_of(
            post(admin_api, REMOVE, {"id": gid(group), "memberIds": [gid(dee)]}), "CONFLICT"
        )

    assert "only through a member group" in error["message"]
    assert Membership.objects.filter(group=group, user=dee, direct=False).exists()


def test_a_nesting_cycle_adds_nothing(admin_api, organization, group, org_admin, org_member):
    marketing = group_services.group_create(
        organization=organization, display_name="Marketing", actor=org_admin
    )
    group_services.member_group_add(parent=marketing, child=group, actor=org_admin)
    wanted = [
        {"id": gid(org_member), "memberType": "User"},
        {"id": gid(marketing), "memberType": "Group"},
    ]

    with changes_nothing():
        error = error_of(post(admin_api, ADD, {"id": gid(group), "members": wanted}), "CONFLICT")

    assert "cycle" in error["message"]


def test_a_group_manager_cannot_create_groups(manager_api, organization):
    # Cy holds rights on Editors only: creating groups is an organization capability.
    create = 'mutation { authGroupCreate(input: {name: "Nope"}) { id } }'

    with changes_nothing():
        error = error_of(post(manager_api, create), "FORBIDDEN")

    assert error["message"] == "You do not have permission to create groups in Acme."


# --- other organizations ----------------------------------------------------------------------


def test_other_organizations_groups_are_not_found(outsider_api, group, org_member):
    with changes_nothing():
        for operation, variables in [
            (GROUP_DETAIL, {"id": gid(group)}),
            (DELETE, {"id": gid(group)}),
            (UPDATE, {"input": {"id": gid(group), "name": "Taken over"}}),
            (ADD, {"id": gid(group), "members": [{"id": gid(org_member), "memberType": "User"}]}),
            (REMOVE, {"id": gid(group), "memberIds": [gid(org_member)]}),
        ]:
            error = error_of(post(outsider_api, operation, variables), "NOT_FOUND")
            assert error["message"] == "The requested object was not found"

    assert data_of(post(outsider_api, GROUPS, {"ids": [gid(group)]}))["authGroups"]["count"] == 0


def test_another_organizations_group_cannot_become_a_member(admin_api, group, other_organization):
    globex_group = group_services.default_group(other_organization, Group.Kind.USERS)

    with changes_nothing():
        error = error_of(
            post(
                admin_api,
                ADD,
                {"id": gid(group), "members": [{"id": gid(globex_group), "memberType": "Group"}]},
            ),
            "NOT_FOUND",
        )

    assert error["extensions"]["memberIds"] == [gid(globex_group)]


# --- query counts -----------------------------------------------------------------------------

EVERYTHING = """query($limit: Int) { authGroups(limit: $limit) { count records {
  id name memberCount organization { name } permissionSets { name }
  members(limit: 50) { count records { createdAt member {
    ... on User { id name email }
    ... on AuthGroup { id name memberCount members { count records { createdAt } } } } } }
} } }"""


def test_auth_groups_query_count_does_not_grow_with_groups_or_members(
    admin_api, organization, org_admin
):
    people = [make_member(organization, first_name=f"P{n}", last_name="Q") for n in range(20)]
    first, second = make_groups(organization, org_admin, 2)
    for group in (first, second):
        group_services.membership_add(group=group, users=people[:1], actor=org_admin)
    group_services.member_group_add(parent=first, child=second, actor=org_admin)
    small, data = query_count(admin_api, EVERYTHING, {"limit": 100})
    assert data["authGroups"]["count"] == 4

    more = make_groups(organization, org_admin, 19, start=3)
    for group in [first, second, *more]:
        group_services.membership_add(group=group, users=people, actor=org_admin)
    for parent, child in itertools.pairwise([second, *more]):
        group_services.member_group_add(parent=parent, child=child, actor=org_admin)
    large, data = query_count(admin_api, EVERYTHING, {"limit": 100})

    assert data["authGroups"]["count"] == 23
    assert large == small
