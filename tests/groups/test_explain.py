"""Effective-access questions: who can access a target, what a group or a user can access, can
user U do A on T, and why (every path, and what would cut it), in a bounded number of queries
whatever the depth of nesting."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from groups import explain, resource_types, services
from groups.models import ACCESS_TYPES, Resource
from groups.services import grants
from tests.conftest import make_member

from ..factories import UserFactory

User = get_user_model()


# --- helpers ------------------------------------------------------------------------------


def resource(organization, ref, *, name="", folder=None) -> Resource:
    kind, key = ref.split(":", 1)
    return grants.resource_create(
        organization=organization, type=kind, key=key, name=name, folder=folder, actor=None
    )


def grant(subject, target, *access_types, permission_set=None):
    organization = target if not isinstance(target, Resource) else target.organization
    return grants.grant_add(
        organization=organization,
        subject=subject,
        target=target,
        permission_set=permission_set,
        access_types=list(access_types) if access_types else None,
        actor=None,
    )


def group_named(organization, name):
    return services.group_create(organization=organization, display_name=name, actor=None)


def fresh(user):
    return User.objects.get(pk=user.pk)


def queries_of(operation) -> int:
    with CaptureQueriesContext(connection) as captured:
        operation()
    return len(captured)


def lines(paths) -> list[str]:
    return sorted(str(path) for path in paths)


@pytest.fixture
def dee(organization):
    # Dee Park: a plain member of Acme, put in Sales EMEA by the scenario.
    return make_member(organization, first_name="Dee", last_name="Park")


@pytest.fixture
def scenario(organization, dee):
    """Seed 002's example: Sales EMEA is a member of Sales; Sales holds Editor on the folder
    Marketing, which contains the training video; Dee is in Sales EMEA."""
    sales = group_named(organization, "Sales")
    emea = group_named(organization, "Sales EMEA")
    services.member_group_add(parent=sales, child=emea, actor=None)
    services.membership_add(group=emea, users=[dee], actor=None)
    editor = services.permission_set_create(
        organization=organization,
        name="Editor",
        permissions=["access_read", "access_update"],
        actor=None,
    )
    marketing = resource(organization, "folder:marketing", name="Marketing")
    video = resource(
        organization, "WORKFLOW_DEF:training_video", name="training_video", folder=marketing
    )
    folder_grant = grant(sales, marketing, permission_set=editor)
    return {
        "sales": sales,
        "emea": emea,
        "editor": editor,
        "marketing": marketing,
        "video": video,
        "grant": folder_grant,
    }


# --- can and explain --------------------------------------------------------------------------


def test_explain_gives_the_nested_path_through_the_folder(scenario, dee):
    (path,) = explain.explain(fresh(dee), "READ", scenario["video"])

    assert str(path) == (
        "Dee Park → Sales EMEA → Sales → grant Editor on folder Marketing → contains training_video"
    )
    assert [step.kind for step in path.steps] == [
        "user",
        "group",
        "group",
        "grant",
        "resource",
    ]
    assert path.steps[1].id == str(scenario["emea"].public_id)
    assert path.steps[3].id == str(scenario["grant"].public_id)
    assert path.removable_by == [
        "remove Dee Park from Sales EMEA",
        "take Sales EMEA out of Sales",
        "revoke the grant “Sales may Editor on Marketing”",
    ]
    assert explain.can(fresh(dee), "READ", scenario["video"])
    assert explain.can(fresh(dee), "UPDATE", scenario["video"])


@pytest.mark.parametrize("cut", ["membership", "edge", "grant"])
def test_explain_removable_by_each_cuts_the_path(scenario, dee, cut):
    video = scenario["video"]
    with transaction.atomic():
        if cut == "membership":
            services.membership_remove(group=scenario["emea"], users=[dee], actor=None)
        elif cut == "edge":
            services.member_group_remove(
                parent=scenario["sales"], child=scenario["emea"], actor=None
            )
        else:
            grants.grant_delete(grant=scenario["grant"], actor=None)

        assert not explain.can(fresh(dee), "READ", video)
        assert explain.explain(fresh(dee), "READ", video) == []
        transaction.set_rollback(True)

    assert explain.can(fresh(dee), "READ", video)


def test_explain_lists_every_path_and_a_direct_grant(organization, scenario, dee):
    video = scenario["video"]
    grant(dee, video, "READ")
    grant(scenario["emea"], organization, "READ")

    paths = explain.explain(fresh(dee), "READ", video)

    assert lines(paths) == [
        "Dee Park → Sales EMEA → Sales → grant Editor on folder Marketing → "
        "contains training_video",
        "Dee Park → Sales EMEA → grant READ on Acme → includes training_video",
        "Dee Park → grant READ on training_video",
    ]
    direct = next(path for path in paths if len(path.steps) == 2)
    assert direct.removable_by == ["revoke the grant “Dee Park may READ on training_video”"]


def test_explain_only_gives_paths_for_the_access_type_asked(scenario, dee):
    grant(dee, scenario["video"], "EXECUTE")

    assert lines(explain.explain(fresh(dee), "EXECUTE", scenario["video"])) == [
        "Dee Park → grant EXECUTE on training_video"
    ]
    assert explain.explain(fresh(dee), "DELETE", scenario["video"]) == []
    assert not explain.can(fresh(dee), "DELETE", scenario["video"])


def test_explain_gives_the_role_path_of_an_organization_admin(scenario, org_admin):
    (path,) = explain.explain(fresh(org_admin), "DELETE", scenario["video"])

    assert str(path) == (
        "Ann Lee → Acme Administrators → role Administrator on Acme → includes training_video"
    )
    # The Administrators group's role is fixed: only leaving the group cuts this path.
    assert path.removable_by == ["remove Ann Lee from Acme Administrators"]
    assert explain.can(fresh(org_admin), "DELETE", scenario["video"])


def test_explain_offers_taking_a_role_from_a_custom_group(scenario, dee):
    services.group_permission_set_add(
        group=scenario["emea"],
        permission_set=services.permission_set_by_key("read-only"),
        actor=None,
    )

    role_path = next(
        path
        for path in explain.explain(fresh(dee), "READ", scenario["video"])
        if "role" in str(path)
    )

    assert str(role_path) == (
        "Dee Park → Sales EMEA → role Read only on Acme → includes training_video"
    )
    assert role_path.removable_by == [
        "remove Dee Park from Sales EMEA",
        "take the role Read only from Sales EMEA",
    ]


def test_explain_through_the_users_group_offers_leaving_the_organization(
    scenario, dee, users_group
):
    grant(users_group, scenario["video"], "EXECUTE")

    (path,) = explain.explain(fresh(dee), "EXECUTE", scenario["video"])

    assert str(path) == "Dee Park → Acme Users → grant EXECUTE on training_video"
    assert path.removable_by == [
        "remove Dee Park from Acme (everyone in it is in Acme Users)",
        "revoke the grant “Acme Users may EXECUTE on training_video”",
    ]


def test_explain_gives_the_operator_path_of_a_superuser(scenario):
    operator = UserFactory(first_name="Op", last_name="Root", is_superuser=True)

    (path,) = explain.explain(operator, "DELETE", scenario["video"])

    assert str(path) == "Op Root → is an operator (superuser): every access everywhere"
    assert path.removable_by == ["take away the operator (superuser) status"]
    assert explain.can(operator, "DELETE", scenario["video"])


def test_explain_gives_nothing_to_someone_without_access(scenario, org_member, outsider):
    for user in (org_member, outsider):
        assert explain.explain(fresh(user), "READ", scenario["video"]) == []
        assert not explain.can(fresh(user), "READ", scenario["video"])
        assert not explain.can(fresh(user), "READ", scenario["video"].organization)


def test_explain_on_the_organization_itself(organization, scenario, dee):
    grant(scenario["sales"], organization, "EXECUTE")

    (path,) = explain.explain(fresh(dee), "EXECUTE", organization)

    assert str(path) == "Dee Park → Sales EMEA → Sales → grant EXECUTE on Acme"
    assert explain.can(fresh(dee), "EXECUTE", organization)
    assert not explain.can(fresh(dee), "READ", organization)


def test_explain_agrees_with_can_on_access_a_resource_type_does_not_support(
    organization, org_admin, dee
):
    resource_types.register("report", "Report", ["READ"])
    try:
        sales = resource(organization, "report:sales")
        everything = services.permission_set_create(
            organization=organization,
            name="Everything",
            permissions=["access_read", "access_update"],
            actor=None,
        )
        grant(dee, sales, permission_set=everything)

        for user in (dee, org_admin):
            assert explain.can(fresh(user), "READ", sales)
            assert explain.explain(fresh(user), "READ", sales)
            assert not explain.can(fresh(user), "UPDATE", sales)
            assert explain.explain(fresh(user), "UPDATE", sales) == []
    finally:
        resource_types.REGISTRY.pop("report", None)


# --- who can access, what a group or a user can access ----------------------------------------


def test_who_can_access_groups_grants_by_access_type(
    organization, other_organization, scenario, dee
):
    video = scenario["video"]
    readers = group_named(organization, "Readers")
    direct = grant(dee, video, "READ", "DELETE")
    everywhere = grant(readers, organization, "EXECUTE")
    grant(readers, resource(organization, "WORKFLOW_DEF:elsewhere"), "CREATE")
    grant(
        services.group_create(organization=other_organization, display_name="Far", actor=None),
        other_organization,
        "READ",
    )

    result = explain.who_can_access(video)

    assert list(result) == list(ACCESS_TYPES)
    assert set(result["READ"]) == {scenario["grant"], direct}
    assert result["UPDATE"] == [scenario["grant"]]
    assert result["DELETE"] == [direct]
    assert result["EXECUTE"] == [everywhere]
    assert result["CREATE"] == []


def test_who_can_access_the_folder_and_the_organization(organization, scenario):
    readers = group_named(organization, "Readers")
    everywhere = grant(readers, organization, "READ")

    on_folder = explain.who_can_access(scenario["marketing"])
    on_organization = explain.who_can_access(organization)

    assert set(on_folder["READ"]) == {scenario["grant"], everywhere}
    assert on_organization["READ"] == [everywhere]


def test_who_can_access_lists_only_the_access_types_of_the_resource_type(organization, dee):
    resource_types.register("report", "Report", ["READ"])
    try:
        sales = resource(organization, "report:sales")
        made = grant(dee, sales, "READ")

        assert explain.who_can_access(sales) == {"READ": [made]}
    finally:
        resource_types.REGISTRY.pop("report", None)


def test_group_access_includes_grants_inherited_from_parent_groups(organization, scenario):
    own = grant(scenario["emea"], scenario["video"], "EXECUTE")
    top = group_named(organization, "Company")
    services.member_group_add(parent=top, child=scenario["sales"], actor=None)
    company_wide = grant(top, organization, "READ")

    items = explain.group_access(scenario["emea"])

    assert [(item["grant"], item["access"], item["inherited_from"]) for item in items] == [
        (own, ["EXECUTE"], None),
        (scenario["grant"], ["READ", "UPDATE"], scenario["sales"]),
        (company_wide, ["READ"], top),
    ]
    assert [item["inherited_from"] for item in explain.group_access(scenario["sales"])] == [
        None,
        top,
    ]


def test_group_access_of_a_group_without_grants_is_empty(organization):
    assert explain.group_access(group_named(organization, "Nobody")) == []


def test_user_access_covers_direct_and_group_grants(
    organization, other_organization, scenario, dee
):
    direct = grant(dee, scenario["video"], "DELETE")
    org_wide = grant(dee, organization, "EXECUTE")
    grant(group_named(organization, "Others"), organization, "READ")
    grant(
        services.group_create(organization=other_organization, display_name="Far", actor=None),
        other_organization,
        "READ",
    )

    items = explain.user_access(fresh(dee), organization)

    assert {item["grant"]: item["access"] for item in items} == {
        direct: ["DELETE"],
        org_wide: ["EXECUTE"],
        scenario["grant"]: ["READ", "UPDATE"],
    }


def test_user_access_is_empty_for_someone_without_grants(organization, org_member):
    assert explain.user_access(org_member, organization) == []


# --- bounded queries --------------------------------------------------------------------------


def nested(organization, depth: int, prefix: str, user, target):
    """A chain of ``depth`` groups below a top group holding READ on ``target``; ``user`` is in
    the bottom group. Returns [top, …, bottom]."""
    chain = [group_named(organization, f"{prefix} 0")]
    for n in range(1, depth + 1):
        child = group_named(organization, f"{prefix} {n}")
        services.member_group_add(parent=chain[-1], child=child, actor=None)
        chain.append(child)
    services.membership_add(group=chain[-1], users=[user], actor=None)
    grant(chain[0], target, "READ")
    return chain


@pytest.fixture
def depths(organization):
    """Two users who can READ their own workflow: one through 1 level of nesting, one through
    6."""
    shallow_user = make_member(organization, first_name="Sha", last_name="Llow")
    deep_user = make_member(organization, first_name="Dee", last_name="Pest")
    shallow = resource(organization, "WORKFLOW_DEF:shallow")
    deep = resource(organization, "WORKFLOW_DEF:deep")
    return {
        1: (
            fresh(shallow_user),
            shallow,
            nested(organization, 1, "Shallow", shallow_user, shallow),
        ),
        6: (fresh(deep_user), deep, nested(organization, 6, "Deep", deep_user, deep)),
    }


def test_can_runs_the_same_queries_at_depth_1_and_6(depths):
    counts = {}
    for depth, (user, target, _chain) in depths.items():
        target = Resource.objects.get(pk=target.pk)
        assert explain.can(user, "READ", target)
        target = Resource.objects.get(pk=target.pk)
        counts[depth] = queries_of(
            lambda user=user, target=target: explain.can(user, "READ", target)
        )

    assert counts[1] == counts[6]


def test_explain_runs_the_same_queries_at_depth_1_and_6(depths):
    counts = {}
    for depth, (user, target, _chain) in depths.items():
        (path,) = explain.explain(user, "READ", target)
        assert len(path.steps) == 1 + (depth + 1) + 1
        assert len(path.removable_by) == 1 + depth + 1
        target = Resource.objects.get(pk=target.pk)
        counts[depth] = queries_of(
            lambda user=user, target=target: explain.explain(user, "READ", target)
        )

    assert counts[1] == counts[6]


def test_group_and_user_access_run_the_same_queries_at_depth_1_and_6(organization, depths):
    group_counts, user_counts = {}, {}
    for depth, (user, _target, chain) in depths.items():
        assert len(explain.group_access(chain[-1])) == 1
        group_counts[depth] = queries_of(
            lambda chain=chain: [str(item["grant"]) for item in explain.group_access(chain[-1])]
        )
        user_counts[depth] = queries_of(
            lambda user=user: [
                str(item["grant"]) for item in explain.user_access(user, organization)
            ]
        )

    assert group_counts[1] == group_counts[6]
    assert user_counts[1] == user_counts[6]


def test_explain_runs_the_same_queries_for_1_and_5_organization_grants(organization, dee):
    target = resource(organization, "WORKFLOW_DEF:checkout")
    groups = [group_named(organization, f"Team {n}") for n in range(5)]
    services.membership_add(group=groups[0], users=[dee], actor=None)
    grant(groups[0], organization, "READ")
    one = queries_of(lambda: explain.explain(fresh(dee), "READ", target))

    for team in groups[1:]:
        services.membership_add(group=team, users=[dee], actor=None)
        grant(team, organization, "READ")
    five = queries_of(lambda: explain.explain(fresh(dee), "READ", target))

    assert len(explain.explain(fresh(dee), "READ", target)) == 5
    assert one == five


def test_group_and_user_access_run_the_same_queries_for_1_and_3_organization_grants(
    organization, dee
):
    team = group_named(organization, "Team")
    services.membership_add(group=team, users=[dee], actor=None)
    sets = [
        services.permission_set_create(
            organization=organization, name=name, permissions=["access_execute"], actor=None
        )
        for name in ("Reader", "Runner", "Writer")
    ]
    grant(team, organization, permission_set=sets[0])

    def count():
        return queries_of(
            lambda: [
                str(item["grant"])
                for item in explain.group_access(team)
                + explain.user_access(fresh(dee), organization)
            ]
        )

    one = count()
    grant(team, organization, permission_set=sets[1])
    grant(team, organization, permission_set=sets[2])
    three = count()

    assert len(explain.group_access(team)) == 3
    assert one == three


def test_explain_gives_every_route_through_a_diamond_of_groups(organization, scenario, dee):
    # Sales EMEA is in Sales directly and also through Sales Europe: two routes, two paths.
    europe = group_named(organization, "Sales Europe")
    services.member_group_add(parent=scenario["sales"], child=europe, actor=None)
    services.member_group_add(parent=europe, child=scenario["emea"], actor=None)

    paths = explain.explain(fresh(dee), "READ", scenario["video"])

    assert lines(paths) == [
        "Dee Park → Sales EMEA → Sales Europe → Sales → grant Editor on folder Marketing → "
        "contains training_video",
        "Dee Park → Sales EMEA → Sales → grant Editor on folder Marketing → "
        "contains training_video",
    ]
    services.member_group_remove(parent=scenario["sales"], child=scenario["emea"], actor=None)
    assert explain.can(fresh(dee), "READ", scenario["video"])
    assert len(explain.explain(fresh(dee), "READ", scenario["video"])) == 1
