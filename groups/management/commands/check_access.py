from django.core.management.base import BaseCommand, CommandError

from groups import explain
from groups.management.commands.grant import TARGET_HELP, describe_target, find_target
from groups.management.lookups import find_organization, find_user
from groups.models import ACCESS_TYPES


class Command(BaseCommand):
    help = (
        "Can this user do ACCESS on TARGET? Prints yes (exit 0) or no (exit 1); --explain "
        "prints every path that grants it and what would cut each one."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("email", help="The user's email.")
        parser.add_argument("access", help=f"One access type: {', '.join(ACCESS_TYPES)}.")
        parser.add_argument("target", help=TARGET_HELP)
        parser.add_argument(
            "--explain", action="store_true", help="Show why: each path and what would cut it."
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        user = find_user(options["email"])
        access_type = str(options["access"]).strip().upper()
        if access_type not in ACCESS_TYPES:
            raise CommandError(
                f"“{options['access']}” is not an access type: use one of "
                f"{', '.join(ACCESS_TYPES)}."
            )
        target = find_target(organization, options["target"])
        allowed = explain.can(user, access_type, target)
        self.stdout.write("yes" if allowed else "no")
        if options["explain"]:
            self._explain(user, access_type, target)
        if not allowed:
            # "no" is an answer, not an error: printed on stdout, told to scripts by the exit code.
            raise SystemExit(1)

    def _explain(self, user, access_type, target) -> None:
        paths = explain.explain(user, access_type, target)
        if not paths:
            self.stdout.write(
                f"No path gives {user.display_name} {access_type} on {describe_target(target)}."
            )
        for number, path in enumerate(paths, start=1):
            self.stdout.write(f"{number}. {path}")
            for cut in path.removable_by:
                self.stdout.write(f"   cut by: {cut}")
