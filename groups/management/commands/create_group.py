from django.core.management.base import BaseCommand

from audit.recording import Channel
from groups import services
from groups.management.lookups import find_organization, writes


class Command(BaseCommand):
    help = (
        "Create a custom group in an organization. The group starts empty; add people with "
        "add_members."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument(
            "name", help="The group's name, unique in the organization (case-insensitive)."
        )
        parser.add_argument("--description", default="", help="What the group is for.")
        parser.add_argument(
            "--slug",
            help="The group's slug (lower-case letters, digits, hyphens). "
            "Default: made from the name.",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        with writes():
            group = services.group_create(
                organization=organization,
                display_name=options["name"],
                description=options["description"],
                slug=options["slug"],
                channel=Channel.COMMAND,
                actor=None,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created group “{group.display_name}” (slug: {group.slug}) in {organization}."
            )
        )
