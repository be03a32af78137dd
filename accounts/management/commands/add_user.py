from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts import services
from audit.recording import Channel
from groups.management.lookups import find_organization, writes


class Command(BaseCommand):
    help = (
        "Add a user to an organization (its Users group, and its Administrators group with "
        "--admin), creating the user first if no one has that email."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("email", help="The user's email address (their login).")
        parser.add_argument("--first-name", default="", help="First name, for a new user.")
        parser.add_argument("--last-name", default="", help="Last name, for a new user.")
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also make the user an administrator of the organization.",
        )
        parser.add_argument(
            "--password",
            help="Password for a new user (it stays in your shell history). Without it a new "
            "user has no usable password.",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        email = options["email"].strip().lower()
        with writes():
            user = get_user_model().objects.filter(email__iexact=email).first()
            created = user is None
            if created:
                user = services.user_create(
                    email=email,
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    password=options["password"],
                    channel=Channel.COMMAND,
                    actor=None,
                )
            joined = services.organization_user_add(
                organization=organization,
                user=user,
                admin=options["admin"],
                channel=Channel.COMMAND,
                actor=None,
            )
        who = f"{user.display_name} <{user.email}>" if user.get_full_name() else user.email
        if created:
            password = "with the password given" if options["password"] else "no usable password"
            self.stdout.write(f"Created user {who} ({password}).")
        else:
            self.stdout.write(f"Existing user {who}.")
            ignored = [
                f"--{option.replace('_', '-')}"
                for option in ("first_name", "last_name", "password")
                if options[option]
            ]
            if ignored:
                self.stderr.write(
                    f"Ignored {', '.join(ignored)}: they only apply to a new user, "
                    "and this one already exists."
                )
        if joined:
            names = ", ".join(f"“{group}”" for group in joined)
            self.stdout.write(self.style.SUCCESS(f"Joined {organization}: {names}."))
        else:
            role = "an administrator" if options["admin"] else "a member"
            self.stdout.write(f"Already {role} of {organization}: nothing changed.")
