from django.core.management.base import BaseCommand
from django.db.models import Count

from groups.management.lookups import find_organization
from groups.models import Resource

COLUMNS = ("RESOURCE", "NAME", "FOLDER", "GRANTS")


class Command(BaseCommand):
    help = (
        "List the resources of an organization as a plain-text table: TYPE:KEY, name, the "
        "folder it sits in and the number of grants on it."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        resources = (
            Resource.objects.filter(organization=organization)
            .select_related("folder")
            .annotate(grant_count=Count("grants"))
            .order_by("type", "key")
        )
        rows = [
            (
                resource.ref,
                resource.name,
                resource.folder.ref if resource.folder_id else "",
                str(resource.grant_count),
            )
            for resource in resources
        ]
        if not rows:
            self.stdout.write(f"{organization} has no resources.")
            return
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            ref, name, folder, count = row
            line = "  ".join(
                (
                    ref.ljust(widths[0]),
                    name.ljust(widths[1]),
                    folder.ljust(widths[2]),
                    count.rjust(widths[3]),
                )
            )
            self.stdout.write(line.rstrip())
