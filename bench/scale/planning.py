"""The sizes of the scale data, its presets, and the plan of one organization: everything
decided in memory by a seeded ``random.Random``, so one seed always gives the same data."""

import random
from dataclasses import dataclass, field

from django.utils.text import slugify

from .names import ACCESS, DEPARTMENTS, RESOURCE_TYPES, TEAMS, new_uuid, person_name

# --- sizes -----------------------------------------------------------------------------------


@dataclass
class Sizes:
    users: int
    groups: int
    memberships: int  # effective rows of the large organization (Users group included)
    depth: int
    grants: int
    small_organizations: int
    big_group: int = 0  # direct members of the largest group (0: a fifth of the users)

    def __post_init__(self):
        if not self.big_group:
            self.big_group = max(1, self.users // 5)


PRESETS = {
    "ci": Sizes(users=300, groups=40, memberships=1500, depth=6, grants=200, small_organizations=2),
    "medium": Sizes(
        users=200_000,
        groups=20_000,
        memberships=1_000_000,
        depth=6,
        grants=200_000,
        small_organizations=50,
        big_group=200_000,
    ),
    "full": Sizes(
        users=1_000_000,
        groups=100_000,
        memberships=5_000_000,
        depth=6,
        grants=1_000_000,
        small_organizations=200,
        big_group=200_000,
    ),
}

LARGE_SLUG = "megacorp"
LARGE_NAME = "Megacorp"
BIG_GROUP_NAME = "Everyone in Engineering"
CHAIN_NAME = "Nesting level {}"


# --- the plan of one organization -------------------------------------------------------------


@dataclass
class OrgPlan:
    users: list = field(default_factory=list)  # (public_id, email, first, last)
    admins: list = field(default_factory=list)  # user indexes
    groups: list = field(default_factory=list)  # (public_id, display_name, slug, description)
    parents: list = field(default_factory=list)  # per group: list of parent indexes
    direct: list = field(default_factory=list)  # per group: set of user indexes
    resources: list = field(default_factory=list)  # (public_id, type, key, name, folder index)
    grants: list = field(default_factory=list)  # (public_id, ("g"|"u", idx), res idx, set, types)


def plan_organization(rng: random.Random, sizes: Sizes, domain: str, *, large: bool) -> OrgPlan:
    """Decide (in memory, deterministically) everything about one organization."""
    plan = OrgPlan()
    for i in range(sizes.users):
        first, last = person_name(rng)
        plan.users.append((new_uuid(rng), f"p{i:07d}@{domain}", first, last))
    plan.admins = list(range(min(5, sizes.users)))

    # Groups: a chain of depth+1 groups (level 0 at the top) so the deepest nesting exists, the
    # big group, then groups of which about a third nest under a group one level up.
    used_names, used_slugs = set(), {"administrators", "users"}
    level = []

    def add_group(name, description, lvl, parents):
        base, n = name, 2
        while name.lower() in used_names:
            name, n = f"{base} {n}", n + 1
        used_names.add(name.lower())
        slug_base = slugify(name, allow_unicode=True)[:90] or "group"
        slug, n = slug_base, 2
        while slug in used_slugs:
            slug, n = f"{slug_base}-{n}", n + 1
        used_slugs.add(slug)
        plan.groups.append((new_uuid(rng), name, slug, description))
        plan.parents.append(parents)
        level.append(lvl)

    count = max(sizes.groups, sizes.depth + 2)
    for lvl in range(sizes.depth + 1):
        add_group(CHAIN_NAME.format(lvl), "The deepest nesting.", lvl, [lvl - 1] if lvl else [])
    add_group(BIG_GROUP_NAME if large else "Everyone", "Most of the organization.", 0, [])
    by_level = [[i] for i in range(sizes.depth + 1)]
    while len(plan.groups) < count:
        name = f"{rng.choice(DEPARTMENTS)} {rng.choice(TEAMS)}"
        nested = rng.random() < 0.35
        lvl = rng.randint(1, sizes.depth) if nested else 0
        parents = []
        if lvl:
            parents = [rng.choice(by_level[lvl - 1])]
            if rng.random() < 0.05:
                second = rng.choice(by_level[lvl - 1])
                if second not in parents:
                    parents.append(second)
        by_level[lvl].append(len(plan.groups))
        add_group(name, f"{name} team.", lvl, parents)

    # Direct memberships. Each direct row of a group counts once for it and once for every
    # group above it, so sizes are scaled by that fan-out to land near the effective target.
    above = []
    for parents in plan.parents:
        reach = set()
        for p in parents:
            reach |= above[p] | {p}
        above.append(reach)
    big = sizes.depth + 1
    target = max(0, sizes.memberships - sizes.users - len(plan.admins))
    big_size = min(sizes.big_group, sizes.users, target)
    weights = [0.0 if g == big else rng.paretovariate(1.3) for g in range(len(plan.groups))]
    spread = sum(w * (1 + len(above[g])) for g, w in enumerate(weights)) or 1.0
    rest = max(0, target - big_size)
    for g, w in enumerate(weights):
        want = big_size if g == big else round(rest * w / spread)
        want = max(1, min(want, sizes.users // 2 if g != big else sizes.users))
        plan.direct.append(set(rng.sample(range(sizes.users), min(want, sizes.users))))

    # Resources (1 % folders, half the others in a folder) and grants on them.
    n_resources = max(1, sizes.grants // 10)
    folders = []
    for r in range(n_resources):
        if r % 100 == 0:
            plan.resources.append((new_uuid(rng), "folder", f"folder-{r}", f"Folder {r}", None))
            folders.append(r)
            continue
        kind = RESOURCE_TYPES[r % len(RESOURCE_TYPES)]
        folder = rng.choice(folders) if rng.random() < 0.5 else None
        key = f"{kind.lower()}-{r}"
        plan.resources.append((new_uuid(rng), kind, key, "", folder))
    # The permission check through every level: the top of the chain may read resource 1.
    plan.grants.append((new_uuid(rng), ("g", 0), min(1, n_resources - 1), False, ["READ"]))
    taken = {(("g", 0), min(1, n_resources - 1), False)}
    tries = 0
    while len(plan.grants) < sizes.grants and tries < sizes.grants * 3:
        tries += 1
        subject = (
            ("g", rng.randrange(len(plan.groups)))
            if rng.random() < 0.7
            else ("u", rng.randrange(sizes.users))
        )
        resource = rng.randrange(n_resources)
        read_only = rng.random() < 0.1
        if (subject, resource, read_only) in taken:
            continue
        taken.add((subject, resource, read_only))
        types = [] if read_only else sorted(rng.sample(ACCESS, rng.randint(1, 3)), key=ACCESS.index)
        plan.grants.append((new_uuid(rng), subject, resource, read_only, types))
    return plan


def effective(plan: OrgPlan):
    """Yield (group index, user index, direct) for the closure of direct rows and edges."""
    children = [[] for _ in plan.groups]
    for g, parents in enumerate(plan.parents):
        for p in parents:
            children[p].append(g)
    for g in range(len(plan.groups)):
        below, stack = {g}, [g]
        while stack:
            for c in children[stack.pop()]:
                if c not in below:
                    below.add(c)
                    stack.append(c)
        members = set().union(*(plan.direct[b] for b in below))
        own = plan.direct[g]
        for u in sorted(members):
            yield g, u, u in own
