from django.core.management.base import BaseCommand

from accounts.audit import Channel
from groups import services
from groups.management.lookups import find_group, find_organization, find_users, plural, writes


class Command(BaseCommand):
    help = (
        "Remove users from a group. Users who are not members are left as they were. The "
        "Administrators group always keeps at least one active member; to take someone out "
        "of the organization altogether, use remove_user."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("group", help="The group's name (case-insensitive) or slug.")
        parser.add_argument(
            "emails", nargs="+", metavar="email", help="The email of each user to remove."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run every check and show who would be removed, then change nothing.",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        group = find_group(organization, options["group"])
        users = find_users(options["emails"])
        dry_run = options["dry_run"]
        with writes(dry_run=dry_run):
            removed = services.membership_remove(
                group=group, users=users, channel=Channel.COMMAND, actor=None
            )
        verb = "Would remove" if dry_run else "Removed"
        summary = f"{verb} {plural(len(removed), 'member')} from “{group.display_name}”"
        if removed:
            summary += ": " + ", ".join(user.email for user in removed)
        self.stdout.write(summary + ".")
        not_members = [user for user in users if user not in removed]
        if not_members:
            self.stdout.write(
                "Not members, left as they were: "
                + ", ".join(user.email for user in not_members)
                + "."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
