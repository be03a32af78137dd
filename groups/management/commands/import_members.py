import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.recording import Channel
from groups import bulk, services
from groups.management.lookups import find_group, find_organization, plural, writes

PROGRESS_EVERY = bulk.LOOKUP_CHUNK


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


class Command(BaseCommand):
    help = (
        "Add the people of a file of emails to a group (a CSV file with an “email” column, or "
        "one email per line; “-” reads standard input). Prints who is added, who already is a "
        "member and who is left out (unknown, not in the organization, deactivated, not an "
        "email); adds everyone it can, all or nothing. --strict refuses the whole file when "
        "anyone is left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("group", help="The group's name (case-insensitive) or slug.")
        parser.add_argument("file", help="A CSV file with an email column, a list, or “-”.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run every check and show who would be added, then change nothing.",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Add nobody (and exit non-zero) if any entry would be left out.",
        )

    def _read(self, name: str) -> tuple[bulk.EmailList, str]:
        try:
            if name == "-":
                data = sys.stdin.buffer.read(bulk.MAX_FILE_BYTES + 1)
            else:
                path = Path(name)
                if path.stat().st_size > bulk.MAX_FILE_BYTES:
                    megabytes = bulk.MAX_FILE_BYTES // (1024 * 1024)
                    raise CommandError(f"{name} is larger than {megabytes} MB: split it.")
                data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {name}: {error.strerror or error}.") from error
        try:
            return bulk.EmailList.from_csv(data), f"command file {name}"[:200]
        except ValidationError as error:
            raise CommandError(f"{name}: {' '.join(error.messages)}") from error

    def _progress(self, done: int, total: int) -> None:
        if total > PROGRESS_EVERY:
            self.stderr.write(f"Checked {done:,} of {total:,} emails…")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        group = find_group(organization, options["group"])
        emails, source = self._read(options["file"])
        if not emails.entries:
            raise CommandError(f"{options['file']} holds no email: nothing was changed.")
        dry_run = options["dry_run"]
        with writes(dry_run=dry_run):
            result = services.membership_add_batch(
                group=group,
                emails=emails,
                source=source,
                progress=self._progress,
                channel=Channel.COMMAND,
                actor=None,
            )
            if options["strict"] and result.skipped:
                raise CommandError(
                    f"{_entries(result.skipped)} would be left out (see below): "
                    "nothing was changed.\n" + self._left_out(result)
                )
        verb = "Would add" if dry_run else "Added"
        self.stdout.write(
            f"{verb} {plural(len(result.to_add), 'member')} to “{group.display_name}”"
            f" ({_entries(len(emails.entries))} read)."
        )
        if result.already:
            self.stdout.write(
                "Already members, left as they were: "
                + ", ".join(user.email for user in result.already)
                + "."
            )
        if emails.duplicates:
            self.stdout.write(
                "Given more than once (counted once): " + ", ".join(emails.duplicates)
            )
        left_out = self._left_out(result)
        if left_out:
            self.stdout.write(left_out)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")

    def _left_out(self, result) -> str:
        lines = []
        for label, items in (
            (f"Not in {result.group.organization}", result.unknown),
            ("Deactivated", [user.email for user in result.inactive]),
            ("Not email addresses", result.emails.invalid),
        ):
            if items:
                lines.append(f"Left out, {label}: {', '.join(items)}.")
        return "\n".join(lines)
