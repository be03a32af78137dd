from django.core.management.base import BaseCommand

from accounts import services
from audit.recording import Channel
from groups.management.lookups import find_organization, find_user, writes


class Command(BaseCommand):
    help = (
        "Remove a user from an organization: they leave every group of it and lose every "
        "right they held there (the user itself is kept). Refused for its last administrator."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("email", help="The user's email address.")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        user = find_user(options["email"])
        with writes():
            left = services.organization_user_remove(
                organization=organization, user=user, channel=Channel.COMMAND, actor=None
            )
        if not left:
            self.stdout.write(f"{user.email} was not a member of {organization}: nothing changed.")
            return
        names = ", ".join(f"“{group}”" for group in left)
        self.stdout.write(
            self.style.SUCCESS(f"Removed {user.email} from {organization}; they left {names}.")
        )
