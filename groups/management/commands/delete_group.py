from django.core.management.base import BaseCommand

from audit.recording import Channel
from groups import services
from groups.management.lookups import find_group, find_organization, plural, writes
from groups.models import RETENTION_DAYS


class Command(BaseCommand):
    help = (
        "Delete a custom group of an organization; its members lose at once the access it "
        "gave them. The default groups (Administrators, Users) cannot be deleted. "
        "Non-interactive: use --dry-run to see what would be deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("group", help="The group's name (case-insensitive) or slug.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run every check and show what would be deleted, then change nothing.",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        group = find_group(organization, options["group"])
        dry_run = options["dry_run"]
        members = group.memberships.count()
        with writes(dry_run=dry_run):
            services.group_delete(group=group, channel=Channel.COMMAND, actor=None)
        what = f"group “{group.display_name}” of {organization} ({plural(members, 'member')})"
        if dry_run:
            self.stdout.write(f"Would delete {what}. Dry run: nothing was changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Deleted {what}. It can be restored for {RETENTION_DAYS} days (restore_group)."
                )
            )
