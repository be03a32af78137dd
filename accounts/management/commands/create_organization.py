from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts import services
from audit.recording import Channel
from groups.management.lookups import writes
from groups.models import Group
from groups.services import default_group


class Command(BaseCommand):
    help = (
        "Create an organization with its two default groups (“<Name> Administrators” and "
        "“<Name> Users”), and optionally its first administrator."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The organization's name, e.g. “Acme”.")
        parser.add_argument(
            "--slug",
            help="The slug used in every URL of the organization. Default: made from the name.",
        )
        parser.add_argument(
            "--admin",
            metavar="EMAIL",
            help="Make this user an administrator of the new organization. A user who does "
            "not exist yet is created without a usable password.",
        )

    def handle(self, *args, **options):
        admin_email = (options["admin"] or "").strip().lower()
        admin = created = None
        # One transaction: an organization is never left behind without the admin asked for.
        with writes():
            organization = services.organization_create(
                name=options["name"], slug=options["slug"], channel=Channel.COMMAND, actor=None
            )
            if admin_email:
                admin = get_user_model().objects.filter(email__iexact=admin_email).first()
                created = admin is None
                if created:
                    admin = services.user_create(
                        email=admin_email, channel=Channel.COMMAND, actor=None
                    )
                services.organization_user_add(
                    organization=organization,
                    user=admin,
                    admin=True,
                    channel=Channel.COMMAND,
                    actor=None,
                )
        administrators = default_group(organization, Group.Kind.ADMINISTRATORS)
        users = default_group(organization, Group.Kind.USERS)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created organization “{organization.name}” (slug: {organization.slug}) with "
                f"its default groups “{administrators}” and “{users}”."
            )
        )
        if admin is not None:
            if created:
                self.stdout.write(
                    f"Created user {admin.email} without a usable password: they cannot log "
                    "in until a password is set."
                )
            self.stdout.write(f"{admin.email} is an administrator of {organization}.")
        else:
            self.stdout.write(
                "It has no administrator yet: add one with "
                f"`manage.py add_user {organization.slug} EMAIL --admin`."
            )
