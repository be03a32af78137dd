"""CSV files the Admin Center hands out (a group's members, the audit log): cells a spreadsheet
will not run as formulas, written one line at a time so a streaming response or a command can
send them as they are read."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): text
    starting with = + - @ (or a tab or carriage return) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    """A file-like object whose ``write`` hands back what it is given (for csv.writer)."""

    def write(self, value):
        return value


def lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line, every cell made safe."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """A download of ``rows`` as ``filename``, streamed line by line, never cached."""
    answer = StreamingHttpResponse(lines(rows), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    answer["Cache-Control"] = "private, no-store"
    return answer
