from django.core.management.base import BaseCommand

from accounts.audit import Channel
from groups import services
from groups.management.lookups import find_group, find_organization, find_users, plural, writes


class Command(BaseCommand):
    help = (
        "Add users to a group, all or nothing: if any email is unknown, or anyone is not in "
        "the organization, nobody is added and every problem is named. Existing members are "
        "left as they were."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("group", help="The group's name (case-insensitive) or slug.")
        parser.add_argument(
            "emails", nargs="+", metavar="email", help="The email of each user to add."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run every check and show who would be added, then change nothing.",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        group = find_group(organization, options["group"])
        users = find_users(options["emails"])
        dry_run = options["dry_run"]
        with writes(dry_run=dry_run):
            added = services.membership_add(
                group=group, users=users, channel=Channel.COMMAND, actor=None
            )
        unchanged = [user for user in users if user not in added]
        verb = "Would add" if dry_run else "Added"
        summary = f"{verb} {plural(len(added), 'member')} to “{group.display_name}”"
        if added:
            summary += ": " + ", ".join(user.email for user in added)
        self.stdout.write(summary + ".")
        if unchanged:
            self.stdout.write(
                "Already members, left as they were: "
                + ", ".join(user.email for user in unchanged)
                + "."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
