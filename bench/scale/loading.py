"""Writing a planned organization with PostgreSQL's COPY, primary keys reserved from each
table's sequence, guardian's rows derived from the grants as ``groups.grants`` derives them."""

import io
import time

from django.db import connection
from django.utils import timezone

from .planning import OrgPlan, effective

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
