"""Scale data: a realistic, repeatable set of organizations for benchmarks (``seed_scale``).

Everything is decided by a seeded ``random.Random``, so one seed always gives the same people,
groups, nesting, memberships and grants. The plan is computed in memory and written with
PostgreSQL's COPY; the rows obey the invariants the services keep:

- every organization is created by ``organization_create`` (its two default groups, their
  permission sets and guardian rows, its audit event);
- every user of an organization is a direct member of its Users group (a few administrators
  also of Administrators);
- member-group edges only go from a shallower level to a deeper one (no cycle), at most
  ``depth`` edges deep; the effective table is the closure of direct memberships and edges,
  the ``direct`` flag telling them apart (``check_memberships`` agrees);
- guardian's rows on resources are derived from the grants as ``groups.grants`` does: a grant
  on a resource or on the folder it sits in gives its access codenames on the resource.
"""

import io
import random
import time
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

# --- names -----------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


LATIN_FIRST = _words(
    "Ann Anna Annabel Joanna Hanna Leanne Marianne Dianne John Johan Jonathan Allison Alice "
    "Liam Olivia Noah Emma Oliver Ava Elijah Sophia James Isabella William Mia Benjamin "
    "Charlotte Lucas Amelia Henry Harper Mason Evelyn Ethan Abigail Michael Emily Daniel "
    "Elizabeth Jacob Sofia Logan Ella Jackson Madison Sebastian Scarlett Jack Victoria Aiden "
    "Aria Owen Grace Samuel Chloe Matthew Camila Joseph Penelope Levi Riley Mateo Layla David "
    "Lillian John Nora Wyatt Zoey Carter Mila Julian Aubrey Luke Hannah Grayson Lily Isaac "
    "Addison Jayden Eleanor Theodore Natalie Gabriel Luna Anthony Savannah Dylan Brooklyn Leo "
    "Leah Lincoln Zoe Jaxon Stella Asher Hazel Christopher Ellie Josiah Paisley Andrew Audrey "
    "Thomas Skylar Joshua Violet Ezra Claire Hudson Bella Charles Lucy Caleb Anne Isaiah Li "
    "Wei Ming Priya Ravi Arjun Ananya Kenji Yuki Sakura Hiroshi Mei Chen Bo Cy Kim Lee Jin"
)
LATIN_LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen "
    "Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez "
    "Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy "
    "Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox "
    "Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price "
    "Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Li Liu Wang Zhang Chen Yang "
    "Huang Zhao Wu Zhou Singh Kumar Sharma Gupta Tanaka Suzuki Takahashi Watanabe Ito Nakamura "
    "Larsson Jensen Hansen Nielsen Svensson Olsen Andersson Johansson Karlsson Nilsson Eriksson "
    "Dawson Madison Hudson Allison Jameson Ericson Robson Dickson Wilkinson Hutchinson Stevenson"
)
ACCENTED_FIRST = _words(
    "José Zoë Renée Chloé Mélanie François Søren Åsa Björn Jürgen Łukasz Paweł Dorothée Inès "
    "Ángel Joaquín Raúl Sebastián Mónica Léa Noémie Agnès Thérèse Hélène Gaëlle Ólafur Þóra "
    "Şükrü Çağla Ömer Dvořák Tomáš Zdeněk Jiří Ružena Małgorzata Grzegorz Ștefan Ioana"
)
ACCENTED_LAST = _words(
    "Müller Schäfer Groß Nuñez Peña Muñoz Øvergaard Ångström Dvořák Novák Černý Wójcik "
    "Kowalczyk Lévesque Côté Gagné Bélanger Fernández Martín Sánchez Gómez Hernández Pérez "
    "Jiménez Ibáñez Özdemir Yılmaz Çelik Şahin Nørgaard Söderberg Łęcki Brâncuși Mäkinen"
)
CYRILLIC_FIRST = _words(
    "Александр Дмитрий Максим Сергей Андрей Алексей Иван Анна Мария Елена Ольга Наталья "
    "Татьяна Светлана Ирина Екатерина Юлия Михаил Николай Владимир Пётр Олена Богдан Тарас"
)
CYRILLIC_LAST = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанова Николаева Орлова Шевченко "
    "Бондаренко Коваленко Ткаченко"
)
CJK_FIRST = _words(
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 翔 "
    "太郎 花子 陽翔 結衣 蓮 民準 서연 지우 하준"
)
CJK_LAST = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 佐藤 鈴木 高橋 田中 渡辺 김 이 박 최 정"
)
ARABIC_FIRST = _words(
    "محمد أحمد علي عمر يوسف خالد حسن إبراهيم فاطمة عائشة مريم زينب نور ليلى سارة هدى"
)
ARABIC_LAST = _words(
    "العلي الحسن المصري الخطيب حداد منصور سليمان عبدالله الشامي النجار العمر القحطاني"
)

# (share, first names, last names): 72 % plain Latin, 10 % accented, 7 % Cyrillic, 6 % CJK,
# 5 % Arabic.
NAME_POOLS = (
    (0.72, LATIN_FIRST, LATIN_LAST),
    (0.10, ACCENTED_FIRST, ACCENTED_LAST),
    (0.07, CYRILLIC_FIRST, CYRILLIC_LAST),
    (0.06, CJK_FIRST, CJK_LAST),
    (0.05, ARABIC_FIRST, ARABIC_LAST),
)

DEPARTMENTS = _words(
    "Engineering Platform Payments Checkout Search Mobile Web Data Analytics Security "
    "Infrastructure Support Sales Marketing Finance Legal People Design Research Operations "
    "Logistics Procurement Quality Compliance Growth Billing Identity Messaging Video Audio"
)
TEAMS = _words(
    "Core Frontend Backend Reliability Tooling Onboarding Partners EMEA APAC Americas Nordics "
    "Berlin Tokyo Lagos São-Paulo Montréal Zürich Kraków Москва 東京 القاهرة Ops Guild Chapter "
    "Squad Tribe Reviewers Approvers Owners Readers Writers On-call Release Incident"
)
RESOURCE_TYPES = (
    "WORKFLOW_DEF",
    "TASK_DEF",
    "APPLICATION",
    "SECRET_NAME",
    "TAG",
    "DOMAIN",
    "ENV_VARIABLE",
    "WORKFLOW_SCHEDULE",
    "INTEGRATION_PROVIDER",
    "PROMPT",
)
ACCESS = ("CREATE", "READ", "UPDATE", "DELETE", "EXECUTE")


def person_name(rng: random.Random) -> tuple[str, str]:
    roll, total = rng.random(), 0.0
    for share, firsts, lasts in NAME_POOLS:
        total += share
        if roll < total:
            return rng.choice(firsts), rng.choice(lasts)
    return rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


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


# --- writing ---------------------------------------------------------------------------------


def _escape(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Loader:
    """COPY rows into tables, reserving primary keys from each table's sequence."""

    def __init__(self, cursor, progress):
        self.cursor = cursor
        self.progress = progress
        self.touched = set()

    def reserve(self, table: str, count: int) -> int:
        """The first of ``count`` fresh ids of ``table`` (its sequence moved past them)."""
        self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = self.cursor.fetchone()[0]
        self.cursor.execute(
            f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "
            f"(SELECT last_value FROM {sequence}))"
        )
        start = self.cursor.fetchone()[0] + 1
        self.cursor.execute("SELECT setval(%s, %s)", [sequence, start + count])
        self.touched.add(table)
        return start

    def finish(self) -> None:
        """Move each sequence to its table's largest id (reservations may overshoot)."""
        for table in sorted(self.touched):
            self.cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"(SELECT GREATEST(COALESCE(MAX(id), 0), 1) FROM {table}))",
                [table],
            )

    def copy(self, table: str, columns: tuple, rows, label: str, total: int | None = None) -> int:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        done, started, buffer = 0, time.monotonic(), io.StringIO()
        with self.cursor.copy(sql) as copy:
            for row in rows:
                buffer.write("\t".join(_escape(v) for v in row))
                buffer.write("\n")
                done += 1
                if done % 50_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
                    self.progress(label, done, total, started)
            copy.write(buffer.getvalue())
        self.progress(label, done, total, started, final=True)
        return done


def load_organization(loader: Loader, organization, plan: OrgPlan, *, codenames) -> dict:
    """Write one planned organization (which exists, with its default groups) by COPY."""
    from groups.models import Group

    now = timezone.now()
    defaults = {g.kind: g.pk for g in Group.objects.filter(organization=organization)}
    admins_group, users_group = defaults["administrators"], defaults["users"]

    user_base = loader.reserve("accounts_user", len(plan.users))
    loader.copy(
        "accounts_user",
        (
            "id",
            "password",
            "is_superuser",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
            "public_id",
            "email",
        ),
        (
            (user_base + i, "!seed_scale", False, first, last, False, True, now, pid, email)
            for i, (pid, email, first, last) in enumerate(plan.users)
        ),
        "users",
        len(plan.users),
    )

    group_base = loader.reserve("auth_group", len(plan.groups))
    loader.copy(
        "auth_group",
        ("id", "name"),
        ((group_base + g, f"{organization.pk}:{row[2]}") for g, row in enumerate(plan.groups)),
        "groups",
        len(plan.groups),
    )
    loader.copy(
        "groups_group",
        (
            "group_ptr_id",
            "public_id",
            "organization_id",
            "display_name",
            "slug",
            "description",
            "kind",
            "created_at",
            "updated_at",
        ),
        (
            (group_base + g, pid, organization.pk, name, slug, desc, "custom", now, now)
            for g, (pid, name, slug, desc) in enumerate(plan.groups)
        ),
        "groups (details)",
        len(plan.groups),
    )
    edges = [(p, g) for g, parents in enumerate(plan.parents) for p in parents]
    edge_base = loader.reserve("groups_membergroup", len(edges))
    loader.copy(
        "groups_membergroup",
        ("id", "parent_id", "child_id", "added_at"),
        ((edge_base + i, group_base + p, group_base + c, now) for i, (p, c) in enumerate(edges)),
        "member groups",
        len(edges),
    )

    def membership_rows():
        for u in range(len(plan.users)):
            yield users_group, user_base + u, True
        for u in plan.admins:
            yield admins_group, user_base + u, True
        for g, u, direct in effective(plan):
            yield group_base + g, user_base + u, direct

    # The count is known once written: reserve generously, ``finish`` sets the sequence.
    membership_base = loader.reserve("groups_membership", 0)
    memberships = loader.copy(
        "groups_membership",
        ("id", "group_id", "user_id", "direct", "added_at"),
        ((membership_base + i, g, u, d, now) for i, (g, u, d) in enumerate(membership_rows())),
        "memberships",
    )

    resource_base = loader.reserve("groups_resource", len(plan.resources))
    loader.copy(
        "groups_resource",
        ("id", "public_id", "organization_id", "type", "key", "name", "folder_id", "created_at"),
        (
            (
                resource_base + r,
                pid,
                organization.pk,
                kind,
                key,
                name,
                None if folder is None else resource_base + folder,
                now,
            )
            for r, (pid, kind, key, name, folder) in enumerate(plan.resources)
        ),
        "resources",
        len(plan.resources),
    )

    read_only_set = codenames["read_only_set"]
    grant_base = loader.reserve("groups_grant", len(plan.grants))

    def subject_ids(subject):
        kind, index = subject
        return (None, group_base + index) if kind == "g" else (user_base + index, None)

    def grant_rows():
        for i, (pid, subject, resource, read_only, types) in enumerate(plan.grants):
            user_id, group_id = subject_ids(subject)
            yield (
                grant_base + i,
                pid,
                organization.pk,
                user_id,
                group_id,
                resource_base + resource,
                read_only_set if read_only else None,
                _json_list(types),
                now,
            )

    loader.copy(
        "groups_grant",
        (
            "id",
            "public_id",
            "organization_id",
            "subject_user_id",
            "subject_group_id",
            "resource_id",
            "permission_set_id",
            "access_types",
            "created_at",
        ),
        grant_rows(),
        "grants",
        len(plan.grants),
    )

    # Guardian's rows, as groups.grants derives them: a grant on a resource or its folder gives
    # the resource the grant's access codenames (a permission set: its codenames that are
    # access types of resources; the "Read only" set gives READ).
    contents = {}
    for r, row in enumerate(plan.resources):
        if row[4] is not None:
            contents.setdefault(row[4], []).append(r)
    wanted = {"u": set(), "g": set()}
    for _pid, subject, resource, read_only, types in plan.grants:
        names = ["READ"] if read_only else types
        for r in (resource, *contents.get(resource, ())):
            for access in names:
                wanted[subject[0]].add((r, subject[1], access))
    permission = codenames["resource"]
    for kind, table, holder, base in (
        ("u", "groups_resourceuserobjectpermission", "user_id", user_base),
        ("g", "groups_resourcegroupobjectpermission", "group_id", group_base),
    ):
        rows = sorted(wanted[kind])
        start = loader.reserve(table, len(rows))
        loader.copy(
            table,
            ("id", "content_object_id", holder, "permission_id"),
            (
                (start + i, resource_base + r, base + s, permission[access])
                for i, (r, s, access) in enumerate(rows)
            ),
            f"guardian rows ({kind})",
            len(rows),
        )
    return {
        "users": len(plan.users),
        "groups": len(plan.groups) + 2,
        "member_groups": len(edges),
        "memberships": memberships,
        "resources": len(plan.resources),
        "grants": len(plan.grants),
        "user_base": user_base,
    }


def _json_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def secondary_indexes(cursor, tables) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` that no constraint owns."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(tables)],
    )
    return cursor.fetchall()


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"
