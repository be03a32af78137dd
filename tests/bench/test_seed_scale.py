"""seed_scale: the benchmark data obeys the invariants the services keep (tiny preset only)."""

import itertools
import random
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import Organization
from audit.models import AuditEvent
from bench.scale.planning import CHAIN_NAME, LARGE_SLUG, PRESETS, plan_organization
from groups import explain
from groups.models import (
    Group,
    MemberGroup,
    Membership,
    Resource,
    ResourceGroupObjectPermission,
    ResourceUserObjectPermission,
)
from groups.services import permissions

User = get_user_model()
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="seed_scale loads with PostgreSQL's COPY"
)


def guardian_rows(organization):
    return {
        table: set(
            table.objects.filter(content_object__organization=organization).values_list(
                "content_object_id", holder, "permission_id"
            )
        )
        for table, holder in (
            (ResourceUserObjectPermission, "user_id"),
            (ResourceGroupObjectPermission, "group_id"),
        )
    }


@postgresql_only
@pytest.mark.django_db
def test_ci_preset_satisfies_the_invariants():
    out = StringIO()
    call_command("seed_scale", preset="ci", seed=7, stdout=out)
    assert "Done: Megacorp has 300 users, 42 groups" in out.getvalue()
    assert Organization.objects.filter(slug__startswith="small-").count() == 2

    # Effective memberships equal the closure (the recursive-query oracle), in every org.
    check = StringIO()
    call_command("check_memberships", stdout=check)
    assert "missing" not in check.getvalue()
    assert check.getvalue().count("all correct") == 3

    # The table of names member search walks holds every name (loaded with triggers off).
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, value FROM accounts_person_name")
        names = set(cursor.fetchall())
    people = User.objects.values_list("first_name", "last_name")
    assert names == {("f", first) for first, _ in people if first} | {
        ("l", last) for _, last in people if last
    }

    megacorp = Organization.objects.get(slug=LARGE_SLUG)
    users_group = Group.objects.get(organization=megacorp, kind=Group.Kind.USERS)
    admins = Group.objects.get(organization=megacorp, kind=Group.Kind.ADMINISTRATORS)
    assert Membership.objects.filter(group_id=users_group.pk, direct=True).count() == 300
    assert Membership.objects.filter(group_id=admins.pk, direct=True).count() == 5
    assert Group.objects.filter(organization=megacorp).count() == 42
    # Nesting is as deep as asked, and every group member is a user of the organization.
    chain = [
        Group.objects.get(organization=megacorp, display_name=CHAIN_NAME.format(level))
        for level in range(7)
    ]
    for parent, child in itertools.pairwise(chain):
        assert MemberGroup.objects.filter(parent=parent, child=child).exists()
    outside = Membership.objects.filter(group__group__organization=megacorp).exclude(
        user__memberships__group=users_group
    )
    assert not outside.exists()

    # Guardian's rows are what groups.grants derives from the grants: re-deriving changes nothing.
    before = guardian_rows(megacorp)
    assert sum(len(rows) for rows in before.values()) > 0
    permissions.sync_resources(list(Resource.objects.filter(organization=megacorp)))
    assert guardian_rows(megacorp) == before

    # A member of the deepest group may read what the top of the chain was granted: 6 levels.
    deepest = Membership.objects.filter(group_id=chain[-1].pk, direct=True).first().user
    resource = Resource.objects.get(organization=megacorp, key__endswith="-1")
    assert explain.can(deepest, "READ", resource)
    assert deepest.has_perm("groups.access_read", resource)

    # One audit event for the creation and one for the load, per organization.
    assert AuditEvent.objects.filter(organization=megacorp, channel="command").count() == 2

    # Seeding again is refused, unless asked to skip.
    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_scale", preset="ci", stdout=StringIO())
    again = StringIO()
    call_command("seed_scale", preset="ci", if_absent=True, stdout=again)
    assert "nothing to do" in again.getvalue()


def test_the_same_seed_plans_the_same_data():
    sizes = PRESETS["ci"]
    first = plan_organization(random.Random(3), sizes, "x.example", large=True)
    second = plan_organization(random.Random(3), sizes, "x.example", large=True)
    other = plan_organization(random.Random(4), sizes, "x.example", large=True)
    assert first.users == second.users and first.groups == second.groups
    assert first.direct == second.direct and first.grants == second.grants
    assert first.users != other.users
    # Names: a share of them are not plain ASCII (accents, Cyrillic, CJK, Arabic).
    non_ascii = [u for u in first.users if not (u[2] + u[3]).isascii()]
    assert 0.1 < len(non_ascii) / len(first.users) < 0.5
    # Parents are always one level up: no cycle can be planned.
    for child, parents in enumerate(first.parents):
        assert all(parent < child for parent in parents)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
@pytest.mark.django_db
def test_sqlite_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_scale", preset="ci", stdout=StringIO())
    assert not Organization.objects.filter(slug=LARGE_SLUG).exists()
