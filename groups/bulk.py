"""Bulk membership: reading a pasted list or a CSV file of emails, and previewing what adding
those people to a group would do (who will be added, who already is a member, who is unknown
or not in the organization). Reads only: the write is ``services.membership_add_batch``, which
recomputes this preview under the group's lock and refuses if it no longer matches the one
that was confirmed.
"""

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Group, MemberGroup, Membership

User = get_user_model()

MAX_ENTRIES = 10_000
MAX_FILE_BYTES = 2 * 1024 * 1024
LOOKUP_CHUNK = 1000
EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address", "mail"}
_SEPARATORS = re.compile(r"[\r\n,;\t]+")
_ANGLE = re.compile(r"<([^<>]*)>")
_SHOWN = 120  # characters of an invalid entry repeated back to the user


def limit_error() -> ValidationError:
    return ValidationError(
        f"The list has more than {MAX_ENTRIES:,} entries: split it into several lists.",
        code="too_many",
    )


def tokens_from_text(text: str) -> list[str]:
    """The entries of a pasted list: one per line, or separated by commas, semicolons or tabs.
    "Bo Chen <bo@acme.example>" counts as bo@acme.example."""
    tokens = []
    for piece in _SEPARATORS.split(text or ""):
        piece = piece.strip().strip("\"'").strip()
        if not piece:
            continue
        tokens.append(piece)
        if len(tokens) > MAX_ENTRIES:
            raise limit_error()
    return tokens


def tokens_from_csv(data: bytes) -> list[str]:
    """The entries of the email column of a CSV file (UTF-8, comma, semicolon or tab
    separated), the column headed "email"; a file without one is read as a plain list."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it.",
            code="too_large",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            "The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again.",
            code="encoding",
        ) from error
    if "\x00" in text:
        raise ValidationError("The file is not a CSV file.", code="not_csv")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)
        ]
    except csv.Error as error:
        raise ValidationError(f"The file could not be read as CSV: {error}.") from error
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if name in EMAIL_HEADERS), None)
    if column is None:
        mails = [i for i, name in enumerate(header) if "mail" in name and "@" not in name]
        column = mails[0] if len(mails) == 1 else None
    if column is None:
        # No email column: a plain list (one per line, or separated by commas...). Whatever
        # is not an email is reported back, never silently dropped.
        return tokens_from_text(text)
    rows = rows[1:]
    if len(rows) > MAX_ENTRIES:
        raise limit_error()
    tokens = []
    for row in rows:
        if column < len(row):
            tokens.extend(tokens_from_text(row[column]))
    if len(tokens) > MAX_ENTRIES:
        raise limit_error()
    return tokens


@dataclass
class EmailList:
    """What a list says: its entries as given (one per line, to carry them from the preview to
    the confirmation), the valid emails once each (lower-cased, in order), the emails given
    more than once, and the entries that are not emails."""

    entries: list[str]
    emails: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @classmethod
    def from_tokens(cls, tokens) -> "EmailList":
        # Stripped: a browser may send the carried list back with CRLF line ends.
        result = cls(entries=[token.strip() for token in tokens if token.strip()])
        seen, duplicates, invalid = set(), {}, {}
        for token in result.entries:
            match = _ANGLE.search(token)
            email = (match.group(1) if match else token).strip().lower()
            try:
                validate_email(email)
            except ValidationError:
                invalid.setdefault(token[:_SHOWN], None)
                continue
            if email in seen:
                duplicates.setdefault(email, None)
                continue
            seen.add(email)
            result.emails.append(email)
        result.duplicates = list(duplicates)
        result.invalid = list(invalid)
        return result

    @classmethod
    def from_text(cls, text: str) -> "EmailList":
        return cls.from_tokens(tokens_from_text(text))

    @classmethod
    def from_csv(cls, data: bytes) -> "EmailList":
        return cls.from_tokens(tokens_from_csv(data))

    def as_text(self) -> str:
        return "\n".join(self.entries)


@dataclass
class Preview:
    """What adding an ``EmailList`` to ``group`` would do. ``to_add`` are added by the
    confirmation (members only through a member group become direct members); everyone else is
    left out and named. ``unknown`` are the emails nobody of the organization has: whether an
    account elsewhere uses one is not said (it is another organization's business)."""

    group: Group
    emails: EmailList
    to_add: list = field(default_factory=list)
    already: list = field(default_factory=list)
    inactive: list = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.inactive) + len(self.unknown) + len(self.emails.invalid)

    @property
    def fingerprint(self) -> str:
        """Changes whenever what the confirmation would do changes (someone joined or left
        the group or the organization, an account appeared...)."""
        state = {
            "group": str(self.group.public_id),
            "entries": self.emails.entries,
            "to_add": sorted(str(user.public_id) for user in self.to_add),
            "already": sorted(str(user.public_id) for user in self.already),
            "inactive": sorted(str(user.public_id) for user in self.inactive),
            "unknown": sorted(self.unknown),
        }
        return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:32]

    def counts(self) -> dict:
        return {
            "entries": len(self.emails.entries),
            "added": len(self.to_add),
            "already_members": len(self.already),
            "deactivated": len(self.inactive),
            "unknown": len(self.unknown),
            "duplicates": len(self.emails.duplicates),
            "invalid": len(self.emails.invalid),
        }


def preview(group: Group, emails: EmailList, *, progress=None) -> Preview:
    """Sort the list's people for ``group``: three queries per thousand emails, whatever the
    length. ``progress(done, total)`` is called after each thousand."""
    result = Preview(group=group, emails=emails)
    users_group = Group.objects.filter(
        organization_id=group.organization_id, kind=Group.Kind.USERS
    ).values_list("pk", flat=True)
    total = len(emails.emails)
    for start in range(0, total, LOOKUP_CHUNK):
        chunk = emails.emails[start : start + LOOKUP_CHUNK]
        found = {user.email: user for user in User.objects.filter(email__in=chunk)}
        ids = [user.pk for user in found.values()]
        in_organization = set(
            Membership.objects.filter(group_id__in=users_group, user_id__in=ids).values_list(
                "user_id", flat=True
            )
        )
        direct = set(
            Membership.objects.filter(group_id=group.pk, user_id__in=ids, direct=True).values_list(
                "user_id", flat=True
            )
        )
        for email in chunk:
            user = found.get(email)
            if user is None or user.pk not in in_organization:
                # One answer for "no account" and "an account elsewhere" (issue 15, item 13).
                result.unknown.append(email)
            elif user.pk in direct:
                result.already.append(user)
            elif not user.is_active:
                result.inactive.append(user)
            else:
                result.to_add.append(user)
        if progress is not None:
            progress(min(start + LOOKUP_CHUNK, total), total)
    return result


# --- export -------------------------------------------------------------------------------

EXPORT_HEADER = [
    "name",
    "email",
    "membership",
    "source group",
    "added at",
    "added by",
    "expires at",
]


def _when(value) -> str:
    return value.isoformat() if value is not None else ""


def export_rows(group: Group, *, chunk_size: int = 2000):
    """The header, then one row per member of ``group`` (direct, and inherited with the
    member groups they come through), read in chunks: two queries whatever the size, plus one
    per chunk."""
    yield EXPORT_HEADER
    children = MemberGroup.objects.filter(parent=group).values("child")
    inherited = Membership.objects.filter(group_id=group.pk, direct=False).values("user_id")
    via = {}
    rows = (
        Membership.objects.filter(group_id__in=children, user_id__in=inherited)
        .values_list("user_id", "group__group__display_name")
        .order_by("group__group__display_name")
    )
    for user_id, name in rows:
        via.setdefault(user_id, []).append(name)
    memberships = (
        Membership.objects.filter(group_id=group.pk)
        .select_related("user", "added_by")
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )
    for membership in memberships.iterator(chunk_size=chunk_size):
        user = membership.user
        source = group.display_name if membership.direct else "; ".join(via.get(user.pk, []))
        yield [
            user.display_name,
            user.email,
            "direct" if membership.direct else "inherited",
            source,
            _when(membership.added_at),
            membership.added_by.email if membership.added_by else "",
            _when(membership.expires_at),
        ]
