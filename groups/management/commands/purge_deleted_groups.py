from django.core.management.base import BaseCommand, CommandError

from audit.recording import Channel
from groups.management.lookups import find_organization, plural, writes
from groups.models import RETENTION_DAYS
from groups.services import trash


class Command(BaseCommand):
    help = (
        f"Remove for good the deleted groups older than {RETENTION_DAYS} days (they can no "
        "longer be restored). Run it daily from cron. Each one removed is recorded in the "
        "audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=RETENTION_DAYS,
            help=f"Keep deleted groups younger than this many days (default {RETENTION_DAYS}).",
        )
        parser.add_argument("--organization", help="Only this organization (slug or name).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be removed, then change nothing.",
        )

    def handle(self, *args, **options):
        if options["days"] < 0:
            raise CommandError("--days cannot be negative.")
        organization = (
            find_organization(options["organization"]) if options["organization"] else None
        )
        dry_run = options["dry_run"]
        with writes(dry_run=dry_run):
            purged = trash.deleted_groups_purge(
                days=options["days"],
                organization=organization,
                channel=Channel.COMMAND,
                actor=None,
            )
        for deleted in purged:
            self.stdout.write(
                f"  {deleted.organization.slug}: {deleted.display_name} "
                f"(deleted {deleted.deleted_at:%Y-%m-%d %H:%M} UTC, "
                f"{plural(deleted.member_count, 'member')})"
            )
        what = plural(len(purged), "deleted group")
        if dry_run:
            self.stdout.write(f"Would remove {what} for good. Dry run: nothing was changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Removed {what} for good."))
