"""``python -m bench``: server time (p50/p95/p99) and SQL queries of each line of issue 8, on the
large organization of ``seed_scale``, next to the nearest Django-admin equivalent on the same data
in the same run. Creates the data first if the database has none.

Runs in process with Django's test client (the whole middleware stack, templates included; no
network), warm: each line is run a few times before it is measured. Query counts and the slowest
statement come from one extra run under ``CaptureQueriesContext``.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale python -m bench
    python -m bench --preset medium --only search
"""

import argparse
import os
import statistics
import sys
import time

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_scale"


def configure(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminsite.settings")
    os.environ["DEBUG"] = "0"  # production-like: no debug toolbar of any kind, cached templates
    os.environ["SECURE_SSL"] = "0"  # the test client speaks plain HTTP
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["ADMIN_CENTER_BENCH"] = "1"  # installs the bench app (seed_scale) with DEBUG off
    import django

    django.setup()


class Line:
    def __init__(
        self,
        name,
        ours,
        theirs=None,
        theirs_name="",
        runs=30,
        prepare=None,
        warmup=2,
        at_least=5,
        cleanup=None,
    ):
        self.name, self.ours, self.theirs, self.theirs_name = name, ours, theirs, theirs_name
        self.runs, self.prepare = runs, prepare or (lambda: None)
        self.warmup, self.at_least = warmup, at_least
        self.cleanup = cleanup or (lambda: None)  # leaves the data as it was found


def measure(
    call, runs: int, prepare, budget: float = 20.0, warmup: int = 2, at_least: int = 5
) -> dict:
    """Time ``call`` (``prepare`` runs before each call, untimed) until ``runs`` or the budget."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        prepare()
        call()
    prepare()
    reset_queries()  # each request clears the log when it starts (request_started)
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        call()
    captured_ms = (time.perf_counter() - t0) * 1000
    statements = list(captured.captured_queries)  # a property: read it now
    slowest = max((float(q["time"]) for q in statements), default=0.0)
    times, started = [], time.perf_counter()
    if runs == 1:  # a slow line measured once: the captured run is that one
        times.append(captured_ms)
    while len(times) < runs and (len(times) < at_least or time.perf_counter() - started < budget):
        prepare()
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()

    def pct(p):
        return times[min(len(times) - 1, round(p / 100 * (len(times) - 1)))]

    return {
        "p50": statistics.median(times),
        "p95": pct(95),
        "p99": pct(99),
        "queries": len(statements),
        "slowest": slowest * 1000,
        "runs": len(times),
    }


def ok(response, *codes):
    if response.status_code not in (codes or (200,)):
        raise RuntimeError(f"{response.status_code} from {response.request.get('PATH_INFO')}")
    return response


def build_lines(only: str):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Organization
    from groups import explain, queries, services
    from groups.models import Group, Membership, Resource

    from .scale.planning import BIG_GROUP_NAME, CHAIN_NAME, LARGE_SLUG

    User = get_user_model()
    org = Organization.objects.get(slug=LARGE_SLUG)
    admins = Group.objects.get(organization=org, kind=Group.Kind.ADMINISTRATORS)
    admin = User.objects.filter(memberships__group_id=admins.pk).order_by("pk").first()
    operator = User.objects.filter(email="bench-operator@example.com").first()
    if operator is None:
        operator = User.objects.create_superuser("bench-operator@example.com", None)
    ours, theirs = Client(), Client()
    ours.force_login(admin)
    theirs.force_login(operator)
    hx = {"HTTP_HX_REQUEST": "true"}

    big = Group.objects.get(organization=org, display_name=BIG_GROUP_NAME)
    chain = [
        Group.objects.get(organization=org, display_name=CHAIN_NAME.format(level))
        for level in range(7)
    ]
    deepest = chain[-1]
    big_members = Membership.objects.filter(group_id=big.pk).count()
    groups_total = Group.objects.filter(organization=org).count()
    base = f"/t/{org.slug}/portal/access-management"
    api = f"/t/{org.slug}/api/v1"
    members_url = reverse("groups:group_detail", args=[org.slug, big.public_id])
    deep_members = max(1, big_members // 25 - 1)
    # The Next link's position at that page (keyset pages: read once here, untimed).
    deep_row = queries.group_members(big)[(deep_members - 1) * 25 - 1]
    deep_position = queries.encode_position(
        [deep_row.user.last_name, deep_row.user.first_name, deep_row.user.email, deep_row.pk]
    )
    deep_groups = max(1, groups_total // 25 - 1)
    users_total = Membership.objects.filter(
        group__group__organization=org, group__group__kind=Group.Kind.USERS
    ).count()
    print(
        f"Data: {org} has {users_total:,} users, {groups_total:,} groups; "
        f"“{big}” has {big_members:,} members.",
        flush=True,
    )

    reader = Membership.objects.filter(group_id=deepest.pk, direct=True).first().user
    resource = Resource.objects.get(organization=org, key__endswith="-1", folder=None)
    lines = []

    def add(*args, **kwargs):
        line = Line(*args, **kwargs)
        if not only or only.lower() in line.name.lower():
            lines.append(line)

    admin_user_changelist = "/admin/accounts/user/"
    admin_group_changelist = "/admin/groups/group/"
    add(
        "groups list, page 1",
        lambda: ok(ours.get(f"{base}/groups/")),
        lambda: ok(theirs.get(admin_group_changelist, {"organization__id__exact": org.pk})),
        "admin group changelist (org filter)",
    )
    add(
        f"groups list, deep page ({deep_groups:,})",
        lambda: ok(ours.get(f"{base}/groups/", {"page": deep_groups})),
        lambda: ok(
            theirs.get(
                admin_group_changelist,
                {"organization__id__exact": org.pk, "p": groups_total // 100 - 1},
            )
        ),
        "admin group changelist, deep page",
    )
    add(
        "members tab of the big group, page 1",
        lambda: ok(ours.get(members_url, **hx)),
        lambda: ok(theirs.get(admin_user_changelist, {"groups__id__exact": big.pk})),
        "admin user changelist filtered by group",
    )
    add(
        f"members tab of the big group, deep page ({deep_members:,})",
        lambda: ok(ours.get(members_url, {"after": deep_position}, **hx)),
        lambda: ok(
            theirs.get(
                admin_user_changelist, {"groups__id__exact": big.pk, "p": big_members // 100 - 1}
            )
        ),
        "admin user changelist by group, deep page",
    )
    search_url = reverse("groups:members_add", args=[org.slug, deepest.public_id])
    for fragment in ("son", "ann", "li", "lee", "chen", "иван", "müller", "johnson"):
        add(
            f"member search “{fragment}”",
            lambda f=fragment: ok(
                ours.get(
                    search_url, {"q": f}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
                )
            ),
            lambda f=fragment: ok(theirs.get(admin_user_changelist, {"q": f})),
            "admin user search",
        )

    # Add one member and remove one (a group six levels down: every ancestor is refreshed).
    outsider = (
        User.objects.filter(memberships__group__group__organization=org)
        .exclude(memberships__group_id=deepest.pk)
        .order_by("pk")
        .first()
    )
    add_url = reverse("groups:members_add", args=[org.slug, deepest.public_id])
    remove_url = reverse(
        "groups:member_remove", args=[org.slug, deepest.public_id, outsider.public_id]
    )

    def add_one():
        return ok(ours.post(add_url, {"users": [str(outsider.public_id)]}, **hx))

    def remove_one():
        return ok(ours.post(remove_url, **hx))

    def is_member():
        return Membership.objects.filter(group_id=deepest.pk, user=outsider).exists()

    add(
        "add one member (6 levels of ancestors)",
        add_one,
        prepare=lambda: is_member() and remove_one(),
        runs=30,
        cleanup=lambda: is_member() and remove_one(),
    )
    add(
        "remove one member",
        remove_one,
        prepare=lambda: is_member() or add_one(),
        runs=30,
        cleanup=lambda: is_member() and remove_one(),
    )

    # The change alone, through the service (its audit event included), without the panel.
    def add_one_service():
        services.membership_add(group=deepest, users=[outsider], channel="ui", actor=admin)

    def remove_one_service():
        services.membership_remove(group=deepest, users=[outsider], channel="ui", actor=admin)

    add(
        "add one member, the change alone (service + audit event)",
        add_one_service,
        prepare=lambda: is_member() and remove_one_service(),
        runs=30,
        cleanup=lambda: is_member() and remove_one_service(),
    )
    add(
        "remove one member, the change alone (service + audit event)",
        remove_one_service,
        prepare=lambda: is_member() or add_one_service(),
        runs=30,
        cleanup=lambda: is_member() and remove_one_service(),
    )

    batch = list(
        User.objects.filter(
            memberships__group__group__organization=org, memberships__group__group__kind="users"
        )
        .exclude(memberships__group_id=deepest.pk)
        .order_by("pk")[:10_000]
    )

    def add_batch():
        services.membership_add(group=deepest, users=batch, channel="command", actor=admin)

    def remove_batch():
        if Membership.objects.filter(group_id=deepest.pk, user=batch[0], direct=True).exists():
            services.membership_remove(group=deepest, users=batch, channel="command", actor=admin)

    # Slow today (see docs/performance.md): measured once, without warm-up, so a run ends.
    add(
        "add 10,000 members in one batch",
        add_batch,
        runs=1,
        prepare=remove_batch,
        warmup=0,
        at_least=1,
        cleanup=remove_batch,
    )

    # A fresh user object each time (nothing cached between checks), fetched untimed.
    fresh = {}

    def fetch():
        fresh["user"] = User.objects.get(pk=reader.pk)

    def check():
        assert explain.can(fresh["user"], "READ", resource)

    def check_theirs():
        assert fresh["user"].has_perm("groups.access_read", resource)

    add(
        "permission check through 6 levels",
        check,
        check_theirs,
        "user.has_perm (ModelBackend + guardian)",
        runs=200,
        prepare=fetch,
    )
    add(
        "what can this user access (page 1)",
        lambda: ok(ours.get(f"{api}/users/{reader.public_id}/access")),
    )
    add(
        "who can access this target",
        lambda: ok(ours.get(f"{api}/resources/{resource.public_id}")),
    )
    add(
        "API groups list, page 1",
        lambda: ok(ours.get(f"{api}/groups")),
        lambda: ok(theirs.get(admin_group_changelist, {"organization__id__exact": org.pk})),
        "admin group changelist (org filter)",
    )
    add(
        "API members of the big group, page 1",
        lambda: ok(ours.get(f"{api}/groups/{big.public_id}/members")),
        lambda: ok(theirs.get(admin_user_changelist, {"groups__id__exact": big.pk})),
        "admin user changelist filtered by group",
    )
    add(
        "API users search “son”",
        lambda: ok(ours.get(f"{api}/users", {"search": "son"})),
        lambda: ok(theirs.get(admin_user_changelist, {"q": "son"})),
        "admin user search",
    )
    add("API grants, page 1", lambda: ok(ours.get(f"{api}/grants")))
    add("API resources, page 1", lambda: ok(ours.get(f"{api}/resources")))
    return lines


def fmt(value, unit="ms"):
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"


def throughput_lines(no_theirs: bool) -> list[str]:
    """Requests per second under gunicorn: the Members tab partial of the big group and the
    Django admin's changelist of the same group (``bench.throughput``)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from accounts.models import Organization
    from groups.models import Group

    from . import throughput
    from .scale.planning import BIG_GROUP_NAME, LARGE_SLUG

    if no_theirs:
        return ["Throughput: skipped (--no-theirs: it compares with the Django admin)."]
    User = get_user_model()
    org = Organization.objects.get(slug=LARGE_SLUG)
    admins = Group.objects.get(organization=org, kind=Group.Kind.ADMINISTRATORS)
    admin = User.objects.filter(memberships__group_id=admins.pk).order_by("pk").first()
    operator = User.objects.get(email="bench-operator@example.com")
    big = Group.objects.get(organization=org, display_name=BIG_GROUP_NAME)
    ours = reverse("groups:group_detail", args=[org.slug, big.public_id])
    theirs = f"/admin/accounts/user/?groups__id__exact={big.pk}"
    return throughput.report(throughput.run(admin, operator, ours, theirs))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--preset", default=os.environ.get("BENCH_PRESET", "full"))
    parser.add_argument("--only", default="", help="Run the lines whose name contains this.")
    parser.add_argument(
        "--runs", type=int, default=0, help="Timed runs per line (default: per line)."
    )
    parser.add_argument("--no-theirs", action="store_true", help="Skip the Django-admin lines.")
    parser.add_argument("--output", default="var/bench-latest.md")
    args = parser.parse_args(argv)
    if not args.database.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: pass --database postgres://… .")
    configure(args.database)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as in production
    call_command("seed_scale", preset=args.preset, if_absent=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    rows = []
    header = (
        "| line | ours p50 | p95 | p99 | queries | slowest SQL | Django admin equivalent | "
        "theirs p50 | p95 | queries | theirs / ours (p50) |"
    )
    print(header)
    print("|" + "---|" * 11, flush=True)
    for line in build_lines(args.only):
        runs = args.runs or line.runs
        mine = measure(
            line.ours,
            max(1, min(runs, line.runs)) if line.runs == 1 else runs,
            line.prepare,
            warmup=line.warmup,
            at_least=line.at_least,
        )
        other = None
        if line.theirs and not args.no_theirs:
            # The admin takes seconds per page here: fewer runs, one warm-up.
            other = measure(
                line.theirs, min(runs, 10), line.prepare, budget=10.0, warmup=1, at_least=2
            )
        line.cleanup()
        ratio = f"{other['p50'] / mine['p50']:.1f}×" if other else "—"
        row = (
            f"| {line.name} | {fmt(mine['p50'])} | {fmt(mine['p95'])} | {fmt(mine['p99'])} | "
            f"{mine['queries']} | {fmt(mine['slowest'])} | {line.theirs_name or '—'} | "
            f"{fmt(other['p50']) if other else '—'} | {fmt(other['p95']) if other else '—'} | "
            f"{other['queries'] if other else '—'} | {ratio} |"
        )
        rows.append(row)
        print(row, flush=True)
    extra = []
    if not args.only or args.only.lower() in "throughput":
        extra = ["", *throughput_lines(args.no_theirs)]
        print("\n".join(extra), flush=True)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as out:
        out.write(f"PostgreSQL: {version}\n\n{header}\n|{'---|' * 11}\n" + "\n".join(rows) + "\n")
        out.write("\n".join(extra) + "\n")
    print(f"\nWritten to {args.output}.")


if __name__ == "__main__":
    main()
