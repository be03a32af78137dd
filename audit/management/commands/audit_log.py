import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from audit import export, history, sentences
from groups import spreadsheet
from groups.management.lookups import find_organization

COLUMNS = ("TIME (UTC)", "ACTOR", "CHANNEL", "WHAT")


def _since(value: str) -> dt.date | dt.datetime:
    """A day (``2026-11-25``, from its start in UTC) or a moment (``2026-11-25T14:00Z``;
    without a zone, UTC)."""
    try:
        if "T" not in value and " " not in value:
            return dt.date.fromisoformat(value)
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"--since takes a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM[Z]); got “{value}”."
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Print the audit log of an organization, newest first: a table by default, or every "
        "matching event as CSV or JSON (one object per line) for export."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument(
            "--since",
            type=_since,
            help="Only changes from this day (UTC) or moment on: 2026-11-25 or 2026-11-25T14:00Z.",
        )
        parser.add_argument(
            "--actor", default="", help="Only changes by this person (name or email)."
        )
        parser.add_argument(
            "--format", choices=["table", "csv", "json"], default="table", dest="output"
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="At most this many events (the table shows 100 unless told otherwise).",
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        filters = history.Filters(actor=" ".join(options["actor"].split()), since=options["since"])
        events = history.filtered(history.events_of_organization(organization), filters)
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if options["output"] == "csv":
            for count, line in enumerate(spreadsheet.lines(export.csv_rows(events))):
                if limit is not None and count > limit:
                    break
                self.stdout.write(line, ending="")
            return
        events = events.order_by("-created_at", "-pk")
        if options["output"] == "json":
            for event in events[:limit] if limit else events.iterator():
                self.stdout.write(json.dumps(export.record(event), ensure_ascii=False))
            return
        shown = list(events[: limit or 100])
        rows = [
            (
                sentences.when_text(event).removesuffix(" UTC"),
                sentences.actor_display(event),
                event.channel,
                sentences.sentence(event).text,
            )
            for event in shown
        ]
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(3)]
        for row in [COLUMNS, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[3]]).rstrip())
        total = events.count()
        more = (
            f" (the newest {len(shown)} shown; use --limit or --format)"
            if total > len(shown)
            else ""
        )
        self.stdout.write(f"{total} event{'s' if total != 1 else ''} in {organization}{more}.")
