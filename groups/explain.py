"""Questions about access, each answered in a bounded number of queries whatever the depth of
nesting: can user U do A on target T; who can access T; what can a group or a user access;
and **why** can U do A on T: every path that grants it, and what would take it away."""

import functools
from dataclasses import dataclass, field
from itertools import pairwise

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q
from guardian.core import ObjectPermissionChecker

from accounts.models import (
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)

from . import nesting, resource_types
from .models import (
    ACCESS_TYPES,
    Grant,
    Group,
    GroupPermissionSet,
    Membership,
    Resource,
    ResourceGroupObjectPermission,
    ResourceUserObjectPermission,
    access_codename,
)
from .services import permissions

# Routes shown per grant and starting group: nesting is a DAG, so their number is finite, but
# a dense one could have very many.
MAX_ROUTES = 50


def _target_chain(target) -> list:
    """[resource, its folder, the folder's folder, …] for a resource; [] for the organization."""
    if isinstance(target, Organization):
        return []
    chain, node = [], target
    while node is not None:
        chain.append(node)
        node = node.folder
    return chain


def _organization(target) -> Organization:
    return target if isinstance(target, Organization) else target.organization


def resolve(target):
    """A Resource for an instance of a registered model; Organizations and Resources as they are."""
    if isinstance(target, Organization | Resource):
        return target
    from .services.grants import resource_for

    return resource_for(target)


def can(user, access_type: str, target) -> bool:
    """Whether ``user`` may do ``access_type`` on ``target`` (a resource, an instance of a
    registered model, or the organization): what guardian says, from its rows."""
    target = resolve(target)
    if not user.is_active:
        return False
    codename = access_codename(access_type)
    if isinstance(target, Resource):
        if access_type not in resource_types.get(target.type).access_types:
            return False
        if user.is_superuser:  # as guardian's checker answers for superusers
            return True
        return _resource_access(user, codename, target)
    return ObjectPermissionChecker(user).has_perm(codename, target)


def _resource_access(user, codename: str, resource: Resource) -> bool:
    """Guardian's rows say ``user`` may ``codename`` on ``resource`` (given to them or to any
    group they are effectively in, at any depth of nesting, on the resource or on its whole
    organization): one query, whatever the depth, since the effective memberships are stored.
    Plain SQL written once: building it with the ORM cost more than running it."""
    on_resource = [user.pk, resource.pk, codename]
    on_organization = [user.pk, resource.organization_id, codename]
    with connection.cursor() as cursor:
        cursor.execute(
            _resource_access_sql(), [*on_resource, *on_resource, *on_organization, *on_organization]
        )
        return bool(cursor.fetchone()[0])


@functools.cache
def _resource_access_sql() -> str:
    memberships = Membership._meta.db_table
    permissions = Permission._meta.db_table

    def held(model, holder: str) -> str:
        table = model._meta.db_table
        who = (
            "t.user_id = %s"
            if holder == "user"
            else f"t.group_id IN (SELECT group_id FROM {memberships} WHERE user_id = %s)"
        )
        return (
            f"EXISTS (SELECT 1 FROM {table} t JOIN {permissions} p ON p.id = t.permission_id "
            f"WHERE {who} AND t.content_object_id = %s AND p.codename = %s)"
        )

    return "SELECT " + " OR ".join(
        [
            held(ResourceUserObjectPermission, "user"),
            held(ResourceGroupObjectPermission, "group"),
            held(OrganizationUserObjectPermission, "user"),
            held(OrganizationGroupObjectPermission, "group"),
        ]
    )


def _grant_access(grant, set_codenames) -> set[str]:
    if grant.permission_set_id:
        return {
            t for t in ACCESS_TYPES if access_codename(t) in set_codenames[grant.permission_set_id]
        }
    return set(grant.access_types)


def _grants_reaching(target):
    """The grants on the target, its folders and its organization."""
    chain = _target_chain(target)
    organization = _organization(target)
    return (
        Grant.objects.filter(organization=organization)
        .filter(Q(resource__in=chain) | Q(resource=None))
        .select_related(
            "organization", "subject_user", "subject_group", "resource", "permission_set"
        )
    )


def who_can_access(target) -> dict[str, list[Grant]]:
    """For each access type, the grants that give it on ``target`` (directly, through a folder,
    or on the whole organization), like Conductor's getPermissions."""
    target = resolve(target)
    grants = list(_grants_reaching(target))
    set_codenames = permissions.codenames_by_set(
        {g.permission_set_id for g in grants if g.permission_set_id}
    )
    supported = (
        resource_types.get(target.type).access_types
        if isinstance(target, Resource)
        else ACCESS_TYPES
    )
    result = {t: [] for t in supported}
    for grant in grants:
        for access_type in _grant_access(grant, set_codenames):
            if access_type in result:
                result[access_type].append(grant)
    return result


def group_access(group: Group) -> list[dict]:
    """What the members of ``group`` get: its grants and those of every group it is nested in."""
    above = nesting.above_ids([group.pk])
    grants = list(
        Grant.objects.filter(subject_group_id__in=above).select_related(
            "organization", "subject_group", "resource", "permission_set"
        )
    )
    set_codenames = permissions.codenames_by_set(
        {g.permission_set_id for g in grants if g.permission_set_id}
    )
    return [
        {
            "grant": grant,
            "access": sorted(_grant_access(grant, set_codenames), key=ACCESS_TYPES.index),
            "inherited_from": None if grant.subject_group_id == group.pk else grant.subject_group,
        }
        for grant in sorted(grants, key=lambda g: (g.subject_group_id != group.pk, g.pk))
    ]


def user_access(user, organization: Organization) -> list[dict]:
    """What ``user`` can access in ``organization``: their own grants and their groups'."""
    # The person's groups as values: the planner then reads the grants of each through the
    # subject indexes (as a subquery, it scanned the organization's million grants).
    groups = list(
        Group.objects.filter(organization=organization, user=user).values_list("pk", flat=True)
    )
    grants = list(
        Grant.objects.filter(organization=organization)
        .filter(Q(subject_user=user) | Q(subject_group__in=groups))
        .select_related(
            "organization", "subject_group", "subject_user", "resource", "permission_set"
        )
    )
    set_codenames = permissions.codenames_by_set(
        {g.permission_set_id for g in grants if g.permission_set_id}
    )
    return [
        {
            "grant": grant,
            "access": sorted(_grant_access(grant, set_codenames), key=ACCESS_TYPES.index),
        }
        for grant in grants
    ]


@dataclass
class Step:
    kind: str  # user, group, grant, folder, resource, organization
    name: str
    id: str = ""


@dataclass
class Path:
    steps: list[Step]
    removable_by: list[str] = field(default_factory=list)

    def __str__(self):
        return " → ".join(step.name for step in self.steps)


def explain(user, access_type: str, target) -> list[Path]:
    """Every path that gives ``user`` ``access_type`` on ``target``, e.g. "Ann Lee → Sales EMEA
    → member of Sales → grant Editor on folder Marketing → contains training_video", each with
    what would cut it. No path: the user cannot."""
    target = resolve(target)
    organization = _organization(target)
    if not user.is_active:
        return []
    if (
        isinstance(target, Resource)
        and access_type not in resource_types.get(target.type).access_types
    ):
        # As ``can`` says: no grant, role or operator status gives what the type lacks.
        return []
    reaching = list(_grants_reaching(target))
    set_codenames = permissions.codenames_by_set(
        {g.permission_set_id for g in reaching if g.permission_set_id}
    )
    grants = [g for g in reaching if access_type in _grant_access(g, set_codenames)]
    # Roles: permission sets a group holds on the organization give access to everything in it.
    roles = list(
        GroupPermissionSet.objects.filter(
            group__organization=organization,
            permission_set__permissions__codename=access_codename(access_type),
            permission_set__permissions__content_type__model="organization",
        ).select_related("permission_set", "group")
    )
    operator = []
    if user.is_superuser:
        operator = [
            Path(
                [
                    Step("user", user.display_name, str(user.public_id)),
                    Step("operator", "is an operator (superuser): every access everywhere"),
                ],
                ["take away the operator (superuser) status"],
            )
        ]
    if not grants and not roles:
        return operator
    direct = set(
        Membership.objects.filter(
            user=user, direct=True, group__group__organization=organization
        ).values_list("group_id", flat=True)
    )
    # The groups above the person's own, not the organization's whole graph.
    graph = nesting.Graph.upward(direct)
    rows = Group.objects.filter(pk__in=direct | graph.nodes()).values_list(
        "pk", "display_name", "public_id", "kind"
    )
    names = {pk: name for pk, name, _, _ in rows}
    public = {pk: public_id for pk, _, public_id, _ in rows}
    kinds = {pk: kind for pk, _, _, kind in rows}
    chain = _target_chain(target)
    sources = []
    for grant in grants:
        tail = _grant_steps(grant, access_type, chain, organization)
        cut = f"revoke the grant “{grant}”"
        sources.append((grant.subject_user_id, grant.subject_group_id, tail, cut))
    for role in roles:
        tail = [Step("grant", f"role {role.permission_set} on {organization}")]
        if chain:
            tail.append(Step("resource", f"includes {chain[0]}", str(chain[0].public_id)))
        # A default group's role is fixed (the services refuse to change it): only leaving
        # the group cuts such a path.
        cut = (
            f"take the role {role.permission_set} from {role.group}"
            if role.group.kind == Group.Kind.CUSTOM
            else None
        )
        sources.append((None, role.group_id, tail, cut))
    users_group = next((pk for pk, kind in kinds.items() if kind == Group.Kind.USERS), None)
    paths = list(operator)
    for subject_user_id, subject_group_id, tail, cut in sources:
        cut = [cut] if cut else []
        if subject_user_id:
            if subject_user_id == user.pk:
                me = Step("user", user.display_name, str(user.public_id))
                paths.append(Path([me, *tail], cut))
            continue
        for start in sorted(direct):
            for route in _routes(graph, start, subject_group_id):
                steps = [Step("user", user.display_name, str(user.public_id))]
                steps += [Step("group", names[g], str(public[g])) for g in route]
                removal = [
                    f"remove {user.display_name} from {organization} (everyone in it is in "
                    f"{names[route[0]]})"
                    if route[0] == users_group
                    else f"remove {user.display_name} from {names[route[0]]}"
                ]
                removal += [
                    f"take {names[child]} out of {names[parent]}"
                    for child, parent in pairwise(route)
                ]
                paths.append(Path(steps + tail, removal + cut))
    return paths


def _routes(graph, start, goal, limit=MAX_ROUTES) -> list[list]:
    """Every chain of group ids from ``start`` (a group the user is directly in) up to
    ``goal``, through member-group edges: with a diamond of nested groups each route is a
    separate path, since cutting one leaves the others. In memory; at most ``limit``."""
    if start == goal:
        return [[start]]
    if goal not in graph.above(start):
        return []
    routes, stack = [], [(start, [start])]
    while stack and len(routes) < limit:
        node, route = stack.pop()
        for parent in sorted(graph.parents[node], reverse=True):
            if parent == goal:
                routes.append([*route, parent])
            elif parent not in route:
                stack.append((parent, [*route, parent]))
    return routes[:limit]


def _grant_steps(grant, access_type, chain, organization) -> list[Step]:
    what = grant.permission_set.name if grant.permission_set_id else access_type
    if grant.resource_id is None:
        steps = [Step("grant", f"grant {what} on {organization}", str(grant.public_id))]
        if chain:
            steps.append(Step("resource", f"includes {chain[0]}", str(chain[0].public_id)))
        return steps
    on = "folder " if resource_types.get(grant.resource.type).folder else ""
    steps = [Step("grant", f"grant {what} on {on}{grant.resource}", str(grant.public_id))]
    index = next(i for i, r in enumerate(chain) if r.pk == grant.resource_id)
    for inner in reversed(chain[:index]):
        steps.append(Step("resource", f"contains {inner}", str(inner.public_id)))
    return steps
