"""Member search through the table of distinct names (PostgreSQL, large organizations): the same
people, in the same order, as the plain search; the table follows every way a name is written."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from accounts import person_names
from groups import queries, services
from groups.queries import people as people_queries
from tests.conftest import make_member

User = get_user_model()

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the table of names is PostgreSQL's"
    ),
]

FIRST = ["Ann", "Anna", "Joanna", "Hannah", "John", "Johan", "Li", "Lee", "Иван", "Zoë", "Sonja"]
LAST = ["Johnson", "Anderson", "Mann", "Lee", "Li", "Chen", "Müller", "Иванов", "Sonnen", "O_Neil"]


def names():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, value FROM {person_names.TABLE}")
        return set(cursor.fetchall())


@pytest.fixture
def crowd(organization, other_organization, group, org_admin):
    """120 people of Acme with clustered and repeated names (ties broken by email), some
    deactivated, some in the group; people of another organization with the same names."""
    people = []
    for n in range(120):
        person = make_member(
            organization,
            email=f"p{n:02}@acme.example",
            first_name=FIRST[n % len(FIRST)],
            last_name=LAST[(n * 7) % len(LAST)],
        )
        people.append(person)
    for person in people[::9]:
        person.is_active = False
        person.save(update_fields=["is_active"])
    services.membership_add(
        group=group, users=[p for p in people[1::4] if p.is_active], actor=org_admin
    )
    for n in range(15):
        make_member(
            other_organization,
            email=f"o{n}@other.example",
            first_name=FIRST[n % len(FIRST)],
            last_name=LAST[n % len(LAST)],
        )
    return people


def plain_and_through_names(monkeypatch, organization, group, fragment):
    monkeypatch.setattr(people_queries, "NAMES_PLAN_FROM", 10**9)
    plain = queries.users_search(organization, group, fragment)
    monkeypatch.setattr(people_queries, "NAMES_PLAN_FROM", 1)
    monkeypatch.setattr(people_queries, "NAMES_PER_QUERY", 2)  # several rounds of last names
    through = queries.users_search(organization, group, fragment)
    return [(u.pk, u.is_member) for u in plain], [(u.pk, u.is_member) for u in through]


@pytest.mark.parametrize(
    "fragment",
    [
        "ann",
        "ANN",
        "son",
        "joh",
        "lee",
        "chen",
        "иван",
        "ИВА",
        "müller",
        "zoë",
        "o_n",
        "o%n",
        "an\\",
        "nne",
        "xyz",
        "johnson",
        "han",
    ],
)
def test_the_names_plan_finds_the_same_people_in_the_same_order(
    monkeypatch, organization, group, crowd, fragment
):
    plain, through = plain_and_through_names(monkeypatch, organization, group, fragment)
    assert through == plain
    if fragment in ("ann", "son", "joh"):
        assert len(plain) == queries.SEARCH_LIMIT  # more match than are shown: the cut counts


def test_the_names_plan_is_used_only_for_a_large_organization_and_one_word(
    monkeypatch, organization, group, crowd, django_assert_max_num_queries
):
    monkeypatch.setattr(people_queries, "NAMES_PLAN_FROM", 1)
    # The Users group, its size, the time limit (savepoint, set, reset, release), the names,
    # the last names (one round here), the first names, the people: a bound that does not
    # follow the data.
    with django_assert_max_num_queries(10):
        found = queries.users_search(organization, group, "ann")
    assert found
    monkeypatch.setattr(people_queries, "NAMES_PLAN_FROM", 10_000)
    assert not people_queries._through_names(group.pk, "ann")
    monkeypatch.setattr(people_queries, "NAMES_PLAN_FROM", 1)
    assert people_queries._through_names(group.pk, "ann")
    assert not people_queries._through_names(group.pk, "ann lee")


def test_the_table_of_names_follows_creation_and_renaming(organization):
    person = make_member(organization, email="new@acme.example", first_name="Quentin", last_name="")
    assert ("f", "Quentin") in names()
    assert not any(kind == "l" and value == "" for kind, value in names())
    person.last_name = "Quirk"
    person.save(update_fields=["last_name"])
    assert {("f", "Quentin"), ("l", "Quirk")} <= names()
    User.objects.filter(pk=person.pk).update(first_name="Quinn")  # no save(): the trigger sees it
    assert ("f", "Quinn") in names()


def test_a_renamed_person_is_found_by_the_new_name_only(monkeypatch, organization, group, crowd):
    monkeypatch.setattr(people_queries, "NAMES_PLAN_FROM", 1)
    person = crowd[1]
    User.objects.filter(pk=person.pk).update(first_name="Xavera", last_name="Quolt")
    assert [u.pk for u in queries.users_search(organization, group, "xave")] == [person.pk]
    assert [u.pk for u in queries.users_search(organization, group, "quol")] == [person.pk]
    old = {u.pk for u in queries.users_search(organization, group, FIRST[1][:3])}
    assert person.pk not in old


def test_names_nobody_here_bears_cost_a_few_rounds_not_one_per_name(
    monkeypatch, organization, group, crowd, django_assert_max_num_queries
):
    """Five hundred last names containing “son” sort before the first one borne in Acme
    (other organizations' names, former names): the rounds double, so a handful of queries."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {person_names.TABLE} (kind, value) VALUES ('l', %s)",
            [(f"Aason{n:03}",) for n in range(500)],
        )
    plain, through = plain_and_through_names(monkeypatch, organization, group, "son")
    assert through == plain and plain
    monkeypatch.setattr(people_queries, "NAMES_PER_QUERY", 8)
    # As above, with rounds of 8, 16, 32, 64, 128, 256 names, then the one with Acme's people.
    with django_assert_max_num_queries(17):
        assert [u.pk for u in queries.users_search(organization, group, "son")] == [
            pk for pk, _ in plain
        ]
