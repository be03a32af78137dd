import contextlib
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from audit.recording import Channel
from groups.management.lookups import find_organization, plural, writes
from groups.services import trash


class Command(BaseCommand):
    help = (
        "Restore a deleted group of an organization (one deleted in the last 30 days) with its "
        "members, member groups, permission sets and grants, as far as they still exist; "
        "prints what could not be restored. Use --dry-run to see it first."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument(
            "group", help="The deleted group's name (case-insensitive), slug or id."
        )
        parser.add_argument(
            "--name",
            help="Restore it under this name (default: its own, or “Name (restored)” if "
            "another group has taken it meanwhile).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would come back; change nothing."
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        deleted = self._find(organization, options["group"])
        dry_run = options["dry_run"]
        with writes(dry_run=dry_run):
            result = trash.group_restore(
                deleted=deleted, display_name=options["name"], channel=Channel.COMMAND, actor=None
            )
        counts = result.plan.counts
        summary = ", ".join(
            plural(counts[key], label)
            for key, label in (
                ("members", "member"),
                ("member_groups", "member group"),
                ("parent_groups", "parent group"),
                ("permission_sets", "permission set"),
                ("grants", "grant"),
            )
        )
        name = result.group.display_name
        for reason in result.plan.skipped:
            self.stdout.write(f"  not restored: {reason}")
        if dry_run:
            self.stdout.write(
                f"Would restore “{name}” of {organization} ({summary}). "
                "Dry run: nothing was changed."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Restored “{name}” of {organization} ({summary}).")
            )

    def _find(self, organization, value):
        value = " ".join(str(value).split())
        wanted = Q(display_name__iexact=value) | Q(slug=value.lower())
        with contextlib.suppress(ValueError):
            wanted |= Q(public_id=uuid.UUID(value))
        matches = list(trash.deleted_groups_of(organization).filter(wanted))
        if not matches:
            raise CommandError(
                f"No deleted group named “{value}” (or with that slug or id) in {organization}."
            )
        if len(matches) > 1:
            ids = ", ".join(
                f"{d.public_id} (deleted {d.deleted_at:%Y-%m-%d %H:%M})" for d in matches
            )
            raise CommandError(f"“{value}” matches several deleted groups: give one id: {ids}.")
        return matches[0]
