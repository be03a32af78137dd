from django.core.management.base import BaseCommand
from django.db.models import Case, Count, IntegerField, Value, When
from django.db.models.functions import Lower

from groups.management.lookups import find_organization
from groups.models import Group

COLUMNS = ("NAME", "KIND", "MEMBERS", "PROTECTED")


class Command(BaseCommand):
    help = (
        "List the groups of an organization as a plain-text table: name, kind, number of "
        "members and whether the group is protected. Default groups come first."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        groups = (
            Group.objects.filter(organization=organization)
            .annotate(
                members=Count("user"),
                custom=Case(
                    When(kind=Group.Kind.CUSTOM, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
            )
            .order_by("custom", Lower("display_name"), "pk")
        )
        rows = [
            (
                group.display_name,
                group.kind,
                str(group.members),
                "yes" if group.is_protected else "",
            )
            for group in groups
        ]
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            name, kind, members, protected = row
            line = "  ".join(
                (
                    name.ljust(widths[0]),
                    kind.ljust(widths[1]),
                    members.rjust(widths[2]),
                    protected,
                )
            )
            self.stdout.write(line.rstrip())
