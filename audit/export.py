"""The audit trail as CSV cells (the Audit log's export, ``audit_log --format csv``) and as
plain values (``--format json``)."""

import datetime as dt
import json

from .history import page
from .sentences import actor_display, actor_email, sentence

CSV_HEADER = [
    "time (UTC)",
    "event id",
    "actor",
    "actor email",
    "actor id",
    "action",
    "target type",
    "target id",
    "target name",
    "channel",
    "sentence",
    "before",
    "after",
]


def record(event) -> dict:
    """The event as plain values, under the CSV's column names."""
    actor_id = str(event.actor.public_id) if event.actor_id and event.actor else ""
    values = (
        event.created_at.astimezone(dt.UTC).isoformat(),
        event.pk,
        actor_display(event) if event.actor_name else "",
        actor_email(event),
        actor_id,
        event.action,
        event.target_type,
        event.target_id,
        event.target_name,
        event.channel,
        sentence(event).text,
        event.before,
        event.after,
    )
    return dict(zip(CSV_HEADER, values, strict=True))


def row(event) -> list[str]:
    """The event as CSV cells (``spreadsheet.lines`` makes them safe to open)."""
    cells = record(event)
    for key in ("before", "after"):
        value = cells[key]
        cells[key] = json.dumps(value, ensure_ascii=False) if value is not None else ""
    return list(cells.values())


def csv_rows(events, *, chunk_size: int = 500):
    """The header, then ``events`` newest first as CSV cells, read in keyset chunks so memory
    stays flat however long the log is."""
    yield CSV_HEADER
    cursor = ""
    while True:
        chunk = page(events, older_than=cursor, size=chunk_size, whole=True)
        for entry in chunk.entries:
            yield row(entry.event)
        if not chunk.older:
            return
        cursor = chunk.older
