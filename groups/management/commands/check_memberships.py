from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import Organization
from groups.management.lookups import find_organization
from groups.models import Membership

# The closure, computed by the database itself: a user is in a group if they are directly in
# it or in any group nested below it. Independent of the Python code that maintains the table.
ORACLE = """
WITH RECURSIVE below(top, grp) AS (
    SELECT g.group_ptr_id, g.group_ptr_id FROM groups_group g WHERE g.organization_id = %s
    UNION
    SELECT b.top, e.child_id FROM below b JOIN groups_membergroup e ON e.parent_id = b.grp
)
SELECT DISTINCT b.top, m.user_id
FROM below b JOIN groups_membership m ON m.group_id = b.grp AND m.direct = %s
"""


def oracle(organization) -> set[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(ORACLE, [organization.pk, True])
        return set(cursor.fetchall())


def stored(organization) -> set[tuple[int, int]]:
    return set(
        Membership.objects.filter(group__group__organization=organization).values_list(
            "group_id", "user_id"
        )
    )


class Command(BaseCommand):
    help = (
        "Compare the effective memberships (the table Django and guardian read) with the "
        "closure of direct memberships and member groups computed by a recursive query. Exits "
        "non-zero on a difference; --repair rebuilds the table."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", nargs="?", help="One organization (default: all).")
        parser.add_argument("--repair", action="store_true", help="Fix every difference.")

    def handle(self, *args, **options):
        organizations = (
            [find_organization(options["organization"])]
            if options["organization"]
            else list(Organization.objects.order_by("name"))
        )
        problems = 0
        for organization in organizations:
            with transaction.atomic():
                expected, actual = oracle(organization), stored(organization)
                missing, extra = expected - actual, actual - expected
                if not missing and not extra:
                    self.stdout.write(f"{organization}: {len(actual)} memberships, all correct.")
                    continue
                problems += len(missing) + len(extra)
                self.stdout.write(
                    f"{organization}: {len(missing)} missing, {len(extra)} that should not be."
                )
                if options["repair"]:
                    for group_id, user_id in extra:
                        Membership.objects.filter(group_id=group_id, user_id=user_id).delete()
                    Membership.objects.bulk_create(
                        [Membership(group_id=g, user_id=u, direct=False) for g, u in missing]
                    )
                    self.stdout.write(f"{organization}: repaired.")
        if problems and not options["repair"]:
            raise CommandError(f"{problems} difference(s): run with --repair to fix them.")
