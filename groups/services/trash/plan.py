"""What a restore would bring back now, and what it would leave out and why."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from ... import access, nesting
from ...models import (
    NAME_MAX_LENGTH,
    DeletedGroup,
    Group,
    Membership,
    PermissionSet,
    Resource,
)
from ..common import clean_name, default_group, users_in_organization
from ..names import check_name_free, generate_slug
from .snapshot import SELF, parse_time

User = get_user_model()


@dataclass
class RestorePlan:
    """What a restore would bring back, and what it would leave out and why."""

    display_name: str
    slug: str
    name_taken: bool
    members: list = field(default_factory=list)  # (user, entry)
    member_groups: list = field(default_factory=list)  # (group, entry)
    parent_groups: list = field(default_factory=list)  # (group, entry)
    permission_sets: list = field(default_factory=list)  # (permission set, entry)
    grants: list = field(default_factory=list)  # (resource or None, permission set, entry)
    user_rights: list = field(default_factory=list)  # (user, rights)
    group_rights: list = field(default_factory=list)  # (group or SELF, rights)
    rights_held: list = field(default_factory=list)  # (group, rights)
    skipped: list = field(default_factory=list)  # sentences

    @property
    def counts(self) -> dict:
        return {
            "members": len(self.members),
            "member_groups": len(self.member_groups),
            "parent_groups": len(self.parent_groups),
            "permission_sets": len(self.permission_sets),
            "grants": len(self.grants),
            "rights": len(self.user_rights) + len(self.group_rights) + len(self.rights_held),
        }


def free_name(organization, name: str) -> str:
    """``name`` if no group has it now, else “name (restored)”, “name (restored 2)”…"""
    taken = {
        n.lower()
        for n in Group.objects.filter(
            organization=organization, display_name__istartswith=name[:50]
        ).values_list("display_name", flat=True)
    }
    if name.lower() not in taken:
        return name
    n = 1
    while True:
        suffix = " (restored)" if n == 1 else f" (restored {n})"
        candidate = name[: NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
        n += 1


class _Checker:
    """The actor's rights, once per restore (no actor: the system, which may do everything)."""

    def __init__(self, actor):
        self.access = access.Access(actor) if actor is not None else None

    def can(self, action, obj) -> bool:
        return self.access is None or self.access.can(action, obj)


def restore_plan(*, deleted: DeletedGroup, display_name: str | None = None, actor) -> RestorePlan:
    """What restoring ``deleted`` would do now, without doing it (the restore page shows it;
    ``group_restore`` carries it out). ``display_name`` replaces the old name; without it, a
    name taken meanwhile becomes “Name (restored)”. Raises ValidationError for a bad name."""
    organization = deleted.organization
    snapshot = deleted.snapshot
    checker = _Checker(actor)
    if display_name is not None and str(display_name).strip():
        name = clean_name(display_name)
        check_name_free(organization, name)
        name_taken = False
    else:
        name = free_name(organization, deleted.display_name)
        name_taken = name != deleted.display_name
    slug = deleted.slug
    if Group.objects.filter(organization=organization, slug=slug).exists():
        slug = generate_slug(organization, name)
    plan = RestorePlan(display_name=name, slug=slug, name_taken=name_taken)
    skip = plan.skipped.append

    # Members: still in the organization, active, and not expired meanwhile.
    entries = snapshot.get("members", [])
    users = {
        str(u.public_id): u
        for u in User.objects.filter(public_id__in=[e["user_id"] for e in entries])
    }
    in_organization = users_in_organization(organization, list(users.values()))
    now = timezone.now()
    for entry in entries:
        user = users.get(entry["user_id"])
        who = f"{entry['name']} <{entry['email']}>"
        if user is None or user.pk not in in_organization:
            skip(f"Member {who}: no longer in {organization}.")
        elif not user.is_active:
            skip(f"Member {who}: deactivated.")
        elif entry.get("expires_at") and parse_time(entry["expires_at"]) <= now:
            skip(f"Member {who}: the membership expired on {entry['expires_at'][:10]}.")
        else:
            plan.members.append((user, entry))

    # Member groups and parent groups: still there, and no cycle. The restored group is a new
    # node of the nesting graph; its member groups go in first (what the group is made of),
    # then each parent edge unless the parent is now inside the group.
    graph = nesting.Graph(organization.pk)
    new = object()
    ids = [e["group_id"] for e in snapshot.get("member_groups", [])]
    ids += [e["group_id"] for e in snapshot.get("parent_groups", [])]
    groups = {
        str(g.public_id): g
        for g in Group.objects.filter(organization=organization, public_id__in=ids).select_related(
            "organization"
        )
    }
    for entry in snapshot.get("member_groups", []):
        child = groups.get(entry["group_id"])
        if child is None:
            skip(f"Member group “{entry['name']}”: it was deleted.")
            continue
        plan.member_groups.append((child, entry))
        graph.children[new].add(child.pk)
        graph.parents[child.pk].add(new)
    expiring = any(entry.get("expires_at") for _, entry in plan.members) or (
        Membership.objects.filter(
            group_id__in=set().union(*(graph.below(c.pk) for c, _ in plan.member_groups)),
            direct=True,
            expires_at__isnull=False,
        ).exists()
        if plan.member_groups
        else False
    )
    administrators = default_group(organization, Group.Kind.ADMINISTRATORS)
    for entry in snapshot.get("parent_groups", []):
        parent = groups.get(entry["group_id"])
        label = f"Member of “{entry['name']}”"
        if parent is None:
            skip(f"{label}: that group was deleted.")
        elif parent.kind == Group.Kind.USERS:
            skip(f"{label}: the Users group's members are the organization's users.")
        elif not checker.can("manage_members", parent):
            skip(f"{label}: you cannot manage the members of “{parent}”.")
        elif graph.path(new, parent.pk) is not None:
            skip(f"{label}: “{parent}” is now inside this group, so it would be a cycle.")
        elif expiring and administrators.pk in graph.above(parent.pk):
            skip(
                f"{label}: some memberships expire, and the members of “{parent}” are "
                "administrators."
            )
        else:
            plan.parent_groups.append((parent, entry))
            graph.children[parent.pk].add(new)
            graph.parents[new].add(parent.pk)

    # Permission sets held on the organization.
    entries = snapshot.get("permission_sets", [])
    grant_entries = snapshot.get("grants", [])
    set_ids = [e["id"] for e in entries] + [
        e["permission_set_id"] for e in grant_entries if e.get("permission_set_id")
    ]
    sets = {
        str(s.public_id): s
        for s in PermissionSet.objects.filter(
            Q(organization=organization) | Q(organization=None), public_id__in=set_ids
        )
    }
    can_sets = checker.can("manage_permission_sets", organization)
    for entry in entries:
        permission_set = sets.get(entry["id"])
        if permission_set is None:
            skip(f"Permission set “{entry['name']}”: it was deleted.")
        elif not can_sets:
            skip(f"Permission set “{entry['name']}”: you cannot manage permission sets.")
        else:
            plan.permission_sets.append((permission_set, entry))

    # Grants of the group: their resource and permission set must still exist.
    resources = {
        str(r.public_id): r
        for r in Resource.objects.filter(
            organization=organization,
            public_id__in=[e["resource_id"] for e in grant_entries if e.get("resource_id")],
        )
    }
    can_grant = checker.can("manage_access", organization)
    for entry in grant_entries:
        what = entry["permission_set"] or ", ".join(entry["access_types"])
        label = f"Grant of {what} on {entry['resource'] or organization}"
        resource = resources.get(entry["resource_id"]) if entry.get("resource_id") else None
        permission_set = sets.get(entry.get("permission_set_id") or "")
        if entry.get("resource_id") and resource is None:
            skip(f"{label}: the resource was deleted.")
        elif entry.get("permission_set_id") and permission_set is None:
            skip(f"{label}: the permission set was deleted.")
        elif not can_grant:
            skip(f"{label}: you cannot manage access in {organization}.")
        else:
            plan.grants.append((resource, permission_set, entry))

    # Rights on the group, and rights the group held on other groups.
    rights = snapshot.get("rights", [])
    holders = {
        str(u.public_id): u
        for u in User.objects.filter(
            public_id__in=[r["holder_id"] for r in rights if r["holder_type"] == "user"]
        )
    }
    holders_in = users_in_organization(organization, list(holders.values()))
    held = snapshot.get("rights_held", [])
    holder_groups = {
        str(g.public_id): g
        for g in Group.objects.filter(
            organization=organization,
            public_id__in=[r["holder_id"] for r in rights if r["holder_type"] == "group"]
            + [r["group_id"] for r in held],
        ).select_related("organization")
    }
    for entry in rights:
        label = f"Rights of {entry['name']} on the group"
        if entry["holder_type"] == "user":
            user = holders.get(entry["holder_id"])
            if user is None or user.pk not in holders_in:
                skip(f"{label}: no longer in {organization}.")
            else:
                plan.user_rights.append((user, entry["rights"]))
        elif entry["holder_id"] == SELF:
            plan.group_rights.append((SELF, entry["rights"]))
        elif entry["holder_id"] in holder_groups:
            plan.group_rights.append((holder_groups[entry["holder_id"]], entry["rights"]))
        else:
            skip(f"{label}: that group was deleted.")
    for entry in held:
        target = holder_groups.get(entry["group_id"])
        label = f"Rights on “{entry['name']}”"
        if target is None:
            skip(f"{label}: that group was deleted.")
        elif not checker.can("change", target):
            skip(f"{label}: you cannot change “{target}”.")
        else:
            plan.rights_held.append((target, entry["rights"]))
    return plan
