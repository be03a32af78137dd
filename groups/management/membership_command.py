"""What add_members and remove_members share: arguments, lookups, the dry run and the summary."""

from django.core.management.base import BaseCommand

from audit.recording import Channel
from groups.management.lookups import find_group, find_organization, find_users, plural, writes


class MembershipCommand(BaseCommand):
    """Subclasses name the service and the words of the summary."""

    verb, past = "", ""  # "add", "added" / "remove", "removed"
    done, would = "", ""  # "Added" / "Would add"
    preposition = ""  # "to" / "from"
    untouched = ""  # who was left as they were

    def change(self, *, group, users) -> list:
        """Call the service; return the users it changed."""
        return []

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("group", help="The group's name (case-insensitive) or slug.")
        parser.add_argument(
            "emails", nargs="+", metavar="email", help=f"The email of each user to {self.verb}."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=f"Run every check and show who would be {self.past}, then change nothing.",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        group = find_group(organization, options["group"])
        users = find_users(options["emails"])
        dry_run = options["dry_run"]
        with writes(dry_run=dry_run):
            changed = self.change(group=group, users=users)
        verb = self.would if dry_run else self.done
        summary = (
            f"{verb} {plural(len(changed), 'member')} {self.preposition} “{group.display_name}”"
        )
        if changed:
            summary += ": " + ", ".join(user.email for user in changed)
        self.stdout.write(summary + ".")
        left = [user for user in users if user not in changed]
        if left:
            self.stdout.write(
                f"{self.untouched}, left as they were: "
                + ", ".join(user.email for user in left)
                + "."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")

    def channel_kwargs(self) -> dict:
        return {"channel": Channel.COMMAND, "actor": None}
