"""Guardian's rows derived from groups, permission sets and grants (internal to the services).

Guardian's rows are an index: after each change, the rows of the objects concerned are
recomputed from the permission sets groups hold and from the grants, in the same transaction, so
``user.has_perm(...)`` and guardian's queries tell the truth. Only the services call this.
"""

from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db.models import Q

from accounts.models import OrganizationGroupObjectPermission, OrganizationUserObjectPermission

from .. import nesting, resource_types
from ..models import (
    Grant,
    Group,
    GroupPermissionSet,
    PermissionSet,
    Resource,
    ResourceGroupObjectPermission,
    ResourceUserObjectPermission,
    access_codename,
)


def sync_organization_permissions(group: Group) -> None:
    """Make guardian's rows for ``group`` on its organization equal to the union of the
    capabilities of the permission sets it holds."""
    # The sets it holds as roles, and the grants on the organization itself.
    # The set ids first, each from its own index: one query joining sets to their links and
    # grants with an OR read every group and grant holding a common set (0.5 s at 1M grants).
    organization_grants = Grant.objects.filter(subject_group=group, resource=None)
    set_ids = set(
        GroupPermissionSet.objects.filter(group=group).values_list("permission_set_id", flat=True)
    ) | set(
        organization_grants.exclude(permission_set=None).values_list("permission_set_id", flat=True)
    )
    wanted = set(
        Permission.objects.filter(permission_sets__in=set_ids).values_list("pk", flat=True)
        if set_ids
        else []
    )
    for access_types in organization_grants.filter(permission_set=None).values_list(
        "access_types", flat=True
    ):
        wanted |= set(
            Permission.objects.filter(
                content_type__app_label="accounts",
                content_type__model="organization",
                codename__in=[access_codename(t) for t in access_types],
            ).values_list("pk", flat=True)
        )
    rows = OrganizationGroupObjectPermission.objects.filter(
        group_id=group.pk, content_object=group.organization
    )
    current = set(rows.values_list("permission_id", flat=True))
    rows.filter(permission_id__in=current - wanted).delete()
    OrganizationGroupObjectPermission.objects.bulk_create(
        [
            OrganizationGroupObjectPermission(
                group_id=group.pk, permission_id=pk, content_object=group.organization
            )
            for pk in wanted - current
        ]
    )


def capabilities_conferred_by(group: Group) -> set[str]:
    """The organization capabilities a member of ``group`` gets from it: those of its
    permission sets and organization grants, and of every group it is nested in."""
    return set(
        OrganizationGroupObjectPermission.objects.filter(
            group_id__in=nesting.above_ids([group.pk]), content_object=group.organization_id
        ).values_list("permission__codename", flat=True)
    )


def codenames_by_set(permission_set_ids) -> dict:
    """For each permission set id: its codenames."""
    codenames = defaultdict(set)
    for set_id, codename in Permission.objects.filter(
        permission_sets__in=permission_set_ids
    ).values_list("permission_sets", "codename"):
        codenames[set_id].add(codename)
    return codenames


def _grant_codenames(grant, set_codenames) -> set[str]:
    if grant.permission_set_id:
        return set(set_codenames[grant.permission_set_id])
    return {access_codename(t) for t in grant.access_types}


def _chain(resource, folders) -> list:
    """The resource and the folders it sits in, innermost first."""
    chain, node = [], resource
    while node is not None:
        chain.append(node.pk)
        node = folders.get(node.folder_id) if node.folder_id else None
    return chain


def with_contents(resources) -> list:
    """These resources and, for folders, everything inside them (any depth)."""
    result, frontier = list(resources), [r.pk for r in resources]
    while frontier:
        inside = list(Resource.objects.filter(folder_id__in=frontier))
        result.extend(inside)
        frontier = [r.pk for r in inside]
    return result


def sync_resources(resources) -> None:
    """Recompute guardian's rows on these resources from the grants on them and their folders."""
    if not resources:
        return
    organization_id = resources[0].organization_id
    folders = {
        f.pk: f
        for f in Resource.objects.filter(organization_id=organization_id, type__in=_folder_types())
    }
    chains = {r.pk: _chain(r, folders) for r in resources}
    targets = set().union(*chains.values())
    grants = list(Grant.objects.filter(resource_id__in=targets))
    set_codenames = codenames_by_set({g.permission_set_id for g in grants if g.permission_set_id})
    by_target = defaultdict(list)
    for grant in grants:
        by_target[grant.resource_id].append(grant)
    permissions = {
        p.codename: p.pk
        for p in Permission.objects.filter(
            content_type__app_label="groups", content_type__model="resource"
        )
    }
    for table, field in (
        (ResourceUserObjectPermission, "subject_user_id"),
        (ResourceGroupObjectPermission, "subject_group_id"),
    ):
        holder = "user_id" if table is ResourceUserObjectPermission else "group_id"
        wanted = set()
        for resource in resources:
            supported = {access_codename(t) for t in resource_types.get(resource.type).access_types}
            for target in chains[resource.pk]:
                for grant in by_target[target]:
                    subject_id = getattr(grant, field)
                    if subject_id is None:
                        continue
                    for codename in _grant_codenames(grant, set_codenames) & supported:
                        wanted.add((resource.pk, subject_id, permissions[codename]))
        current = set(
            table.objects.filter(content_object__in=resources).values_list(
                "content_object_id", holder, "permission_id"
            )
        )
        stale = current - wanted
        if stale:
            condition = Q(pk__in=[])
            for resource_id, subject_id, permission_id in stale:
                condition |= Q(
                    content_object_id=resource_id,
                    **{holder: subject_id},
                    permission_id=permission_id,
                )
            table.objects.filter(condition).delete()
        table.objects.bulk_create(
            [
                table(content_object_id=r, **{holder: s}, permission_id=p)
                for r, s, p in wanted - current
            ]
        )


def _folder_types() -> list[str]:
    return [key for key, t in resource_types.REGISTRY.items() if t.folder]


def sync_user_organization_permissions(user, organization) -> None:
    """A user's rows on the organization: what the grants on the organization give them."""
    grants = list(Grant.objects.filter(organization=organization, resource=None, subject_user=user))
    set_codenames = codenames_by_set({g.permission_set_id for g in grants if g.permission_set_id})
    wanted = set()
    for grant in grants:
        wanted |= _grant_codenames(grant, set_codenames)
    wanted_ids = set(
        Permission.objects.filter(
            content_type__app_label="accounts",
            content_type__model="organization",
            codename__in=wanted,
        ).values_list("pk", flat=True)
    )
    rows = OrganizationUserObjectPermission.objects.filter(user=user, content_object=organization)
    current = set(rows.values_list("permission_id", flat=True))
    rows.filter(permission_id__in=current - wanted_ids).delete()
    OrganizationUserObjectPermission.objects.bulk_create(
        [
            OrganizationUserObjectPermission(
                user=user, content_object=organization, permission_id=pk
            )
            for pk in wanted_ids - current
        ]
    )


def sync_target(organization, subject, resource) -> None:
    if resource is None:
        if isinstance(subject, Group):
            sync_organization_permissions(subject)
        else:
            sync_user_organization_permissions(subject, organization)
    else:
        sync_resources(with_contents([resource]))


def sync_permission_set(permission_set: PermissionSet) -> None:
    """After a permission set changed: re-derive every grant that uses it."""
    for grant in Grant.objects.filter(permission_set=permission_set).select_related(
        "organization", "subject_user", "subject_group__organization", "resource"
    ):
        sync_target(grant.organization, grant.subject, grant.resource)
