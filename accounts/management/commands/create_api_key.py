from django.core.management.base import BaseCommand, CommandError

from accounts.api_keys import api_key_create, token_for
from audit.recording import Channel
from groups.management.lookups import find_organization, find_user, writes
from groups.models import Group, Membership


class Command(BaseCommand):
    help = (
        "Create an API key for an organization. Prints three lines: id, secret and token (the "
        "bearer token for Authorization: Bearer …). Conductor clients take the id and the secret "
        "(keyId and keySecret of POST /api/token). The secret is shown only now: store it. "
        "The key acts with the rights of its user."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("--name", required=True, help="What the key is for (e.g. “CI”).")
        parser.add_argument(
            "--user",
            help="Email of the member the key acts as. Default: the organization's first "
            "active administrator (the earliest to join).",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        if options["user"]:
            user = find_user(options["user"])
        else:
            first = (
                Membership.objects.filter(
                    group__group__organization=organization,
                    group__group__kind=Group.Kind.ADMINISTRATORS,
                    user__is_active=True,
                )
                .select_related("user")
                .order_by("added_at", "pk")
                .first()
            )
            if first is None:
                raise CommandError(
                    f"{organization} has no active administrator: name the user with --user."
                )
            user = first.user
        with writes():
            key, secret = api_key_create(
                organization=organization,
                name=options["name"],
                user=user,
                channel=Channel.COMMAND,
                actor=None,
            )
        # id and secret separately: Conductor clients exchange them for a token (/api/token).
        self.stdout.write(f"id: {key.public_id}")
        self.stdout.write(f"secret: {secret}")
        self.stdout.write(f"token: {token_for(key, secret)}")
        self.stderr.write(
            f"Key “{key.name}” for {organization}, acting as {user.display_name} <{user.email}>. "
            "The secret is not stored: this is the only time it is shown."
        )
