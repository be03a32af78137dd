import random
import sys
import time

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts import person_names
from accounts.models import Organization
from accounts.services import organization_create
from audit.recording import Channel, audit_record
from bench.scale.loading import Loader, load_organization, secondary_indexes
from bench.scale.names import ACCESS, DEPARTMENTS, TEAMS
from bench.scale.planning import LARGE_NAME, LARGE_SLUG, PRESETS, Sizes, plan_organization
from groups.models import PermissionSet

# Tables whose secondary indexes are dropped during a large load and rebuilt after it (one
# sorted build is faster than millions of random inserts). Constraint indexes stay.
BULK_TABLES = (
    "accounts_user",
    "groups_membership",
    "groups_grant",
    "groups_resource",
    "groups_resourceuserobjectpermission",
    "groups_resourcegroupobjectpermission",
)
REBUILD_FROM_USERS = 50_000


class Command(BaseCommand):
    help = (
        "Generate a large, realistic, repeatable data set on PostgreSQL for benchmarks: one "
        f"large organization (“{LARGE_NAME}”) and many small ones, loaded with COPY. "
        "The same --seed gives the same data. Needs an empty-of-it database: refuses if the "
        "large organization exists (--if-absent: say so and succeed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), default="ci")
        parser.add_argument("--users", type=int, help="Users of the large organization.")
        parser.add_argument("--groups", type=int, help="Custom groups of the large organization.")
        parser.add_argument(
            "--memberships", type=int, help="Effective memberships of the large organization."
        )
        parser.add_argument("--depth", type=int, help="Deepest nesting (member-group edges).")
        parser.add_argument("--grants", type=int, help="Grants in the large organization.")
        parser.add_argument("--small-organizations", type=int, help="How many small ones.")
        parser.add_argument("--big-group", type=int, help="Direct members of the largest group.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-absent", action="store_true", help="Do nothing (and succeed) if already seeded."
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Load with every index in place (default: rebuild them after large loads).",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale needs PostgreSQL (it loads with COPY): set DATABASE_URL="
                "postgres://… . SQLite is not meant for this size."
            )
        sizes = PRESETS[options["preset"]]
        overrides = {
            name: options[name]
            for name in (
                "users",
                "groups",
                "memberships",
                "depth",
                "grants",
                "small_organizations",
                "big_group",
            )
            if options[name] is not None
        }
        sizes = Sizes(**{**sizes.__dict__, **overrides})
        if sizes.users < 1 or sizes.groups < 1 or sizes.depth < 1 or sizes.depth > 20:
            raise CommandError("--users and --groups must be at least 1, --depth 1 to 20.")
        if Organization.objects.filter(slug=LARGE_SLUG).exists():
            if options["if_absent"]:
                self.stdout.write(f"{LARGE_NAME} is already there: nothing to do.")
                return
            raise CommandError(
                f"{LARGE_NAME} ({LARGE_SLUG}) already exists: seed an empty "
                "database (or pass --if-absent)."
            )
        self.started = time.monotonic()
        self.say(
            f"Seeding with seed {options['seed']}: {sizes.users:,} users, {sizes.groups:,} "
            f"groups, ~{sizes.memberships:,} memberships, depth {sizes.depth}, "
            f"{sizes.grants:,} grants, {sizes.small_organizations} small organizations."
        )
        codenames = {
            "resource": dict(
                Permission.objects.filter(
                    content_type__app_label="groups", content_type__model="resource"
                ).values_list("codename", "pk")
            ),
            "read_only_set": PermissionSet.objects.get(key="read-only").pk,
        }
        codenames["resource"] = {
            access: codenames["resource"][f"access_{access.lower()}"] for access in ACCESS
        }
        rebuild = sizes.users >= REBUILD_FROM_USERS and not options["keep_indexes"]
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            self._skip_fk_triggers(cursor)
            dropped = []
            if rebuild:
                dropped = secondary_indexes(cursor, BULK_TABLES)
                for name, _definition in dropped:
                    cursor.execute(f'DROP INDEX "{name}"')
                self.say(f"Dropped {len(dropped)} secondary indexes for the load.")
            loader = Loader(raw, self.progress)
            # Small ones first: creating an organization runs the services' queries, which
            # want the indexes that a large load drops for a while.
            rng = random.Random(f"{options['seed']}:small")
            for n in range(sizes.small_organizations):
                users = rng.randint(5, 60)
                small = Sizes(
                    users=users,
                    groups=rng.randint(3, 12),
                    memberships=users * 3,
                    depth=2,
                    grants=rng.randint(5, 40),
                    small_organizations=0,
                    big_group=max(1, users // 2),
                )
                name = f"{rng.choice(DEPARTMENTS)} {rng.choice(TEAMS)} Ltd {n + 1}"
                self._organization(
                    loader,
                    name,
                    f"small-{n + 1}",
                    small,
                    random.Random(f"{options['seed']}:small:{n}"),
                    codenames,
                    large=False,
                    quiet=True,
                )
            self.say(f"{sizes.small_organizations} small organizations loaded.")
            summary = self._organization(
                loader,
                LARGE_NAME,
                LARGE_SLUG,
                sizes,
                random.Random(options["seed"]),
                codenames,
                large=True,
            )
            loader.finish()
            # Loaded with triggers off (replica role): the table of names is filled here.
            person_names.refresh(cursor)
            for name, definition in dropped:
                started = time.monotonic()
                cursor.execute(definition)
                self.say(f"Rebuilt index {name} in {time.monotonic() - started:.1f}s.")
        with connection.cursor() as cursor:
            for table in (*BULK_TABLES, "groups_group", "auth_group", "groups_membergroup"):
                cursor.execute(f"ANALYZE {table}")
        self.say(
            f"Done: {LARGE_NAME} has {summary['users']:,} users, {summary['groups']:,} "
            f"groups, {summary['member_groups']:,} member-group edges, "
            f"{summary['memberships']:,} memberships, {summary['resources']:,} resources, "
            f"{summary['grants']:,} grants; plus {sizes.small_organizations} small "
            "organizations."
        )

    def _organization(self, loader, name, slug, sizes, rng, codenames, *, large, quiet=False):
        previous = loader.progress
        if quiet:
            loader.progress = lambda *args, **kwargs: None
        try:
            organization = organization_create(
                name=name, slug=slug, channel=Channel.COMMAND, actor=None
            )
            plan = plan_organization(rng, sizes, f"{slug}.example", large=large)
            if not quiet:
                self.say(f"Planned {name}: {len(plan.users):,} users, {len(plan.groups):,} groups.")
            summary = load_organization(loader, organization, plan, codenames=codenames)
            del summary["user_base"]
            audit_record(
                action="organization.seeded",
                organization=organization,
                target=organization,
                after=summary,
                channel=Channel.COMMAND,
                actor=None,
            )
        finally:
            loader.progress = previous
        return summary

    def _skip_fk_triggers(self, cursor) -> None:
        """The rows are consistent by construction: skip per-row foreign-key checks when the
        database role may (superuser); otherwise load with them."""
        cursor.execute("SELECT current_setting('is_superuser')")
        if cursor.fetchone()[0] == "on":
            cursor.execute("SET LOCAL session_replication_role = replica")

    def say(self, text: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:7.1f}s] {text}")

    def progress(self, label, done, total, started, final=False) -> None:
        rate = done / max(time.monotonic() - started, 1e-6)
        of = f"/{total:,}" if total else ""
        line = f"  {label}: {done:,}{of} rows ({rate:,.0f}/s)"
        if final:
            self.say(line.strip())
        elif sys.stdout.isatty():
            self.stdout.write("\r" + line, ending="")
        elif done % 500_000 == 0:
            self.stdout.write(line)
