"""The sentence an audit event reads as ("Ann Lee added Bo Chen to Editors, via the API,
14:02 UTC").

Sentences use only what the event carries (names copied when it was written), so they read as
they were at the time, after renames and deletions. Older events that lack a name fall back to
the id they carry, or to a plain description of the action.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.html import format_html, format_html_join

from groups.access import RIGHT_LABELS

from .models import AuditEvent

CHANNEL_PHRASES = {
    AuditEvent.Channel.UI: "in the Admin Center",
    AuditEvent.Channel.API: "via the API",
    AuditEvent.Channel.ADMIN: "in the Django admin",
    AuditEvent.Channel.COMMAND: "from the command line",
    AuditEvent.Channel.SYSTEM: "automatically",
}

# Every action the services record, with the label the filters show.
ACTIONS = {
    "organization.created": "Organization created",
    "organization.updated": "Organization renamed",
    "organization.seeded": "Organization filled with generated data",
    "user.created": "User created",
    "user.updated": "User changed",
    "user.activated": "User reactivated",
    "user.deactivated": "User deactivated",
    "group.created": "Group created",
    "group.updated": "Group changed",
    "group.deleted": "Group deleted",
    "group.restored": "Deleted group restored",
    "group.purged": "Deleted group removed for good",
    "membership.added": "Member added",
    "membership.removed": "Member removed",
    "membership.expired": "Membership expired",
    "membership.batch_added": "Members added from a list",
    "member_group.added": "Member group added",
    "member_group.removed": "Member group taken out",
    "group.permission_set_added": "Permission set assigned",
    "group.permission_set_removed": "Permission set removed",
    "group.rights_granted": "Rights on a group given",
    "group.rights_revoked": "Rights on a group taken back",
    "permission_set.created": "Permission set created",
    "permission_set.updated": "Permission set changed",
    "permission_set.deleted": "Permission set deleted",
    "resource.created": "Resource registered",
    "resource.moved": "Resource moved",
    "resource.deleted": "Resource deleted",
    "grant.added": "Access granted",
    "grant.removed": "Access revoked",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
}


# --- sentences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """A name as it was at the time, with the id of what it names (when known)."""

    text: str
    id: str = ""
    kind: str = ""


@dataclass
class Sentence:
    parts: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(part.text if isinstance(part, Name) else part for part in self.parts)

    @property
    def html(self) -> str:
        return format_html_join(
            "",
            "{}",
            (
                (
                    format_html('<strong class="audit-name">{}</strong>', part.text)
                    if isinstance(part, Name)
                    else part,
                )
                for part in self.parts
            ),
        )

    @property
    def ids(self) -> list[Name]:
        seen, names = set(), []
        for part in self.parts:
            if isinstance(part, Name) and part.id and part.id not in seen:
                seen.add(part.id)
                names.append(part)
        return names


def actor_display(event) -> str:
    """The actor's name as it was (``audit_record`` stores "Name <email>")."""
    if not event.actor_name:
        return "The system"
    name, _, _ = event.actor_name.partition(" <")
    return name or event.actor_name


def actor_email(event) -> str:
    _, _, rest = event.actor_name.partition(" <")
    return rest.rstrip(">")


def _payload(event) -> dict:
    return {**(event.before or {}), **(event.after or {})}


def _named(value, id_="", kind="", fallback="someone") -> Name:
    text = str(value).strip() if value else ""
    return Name(text or (id_ and f"{kind or 'object'} {id_}") or fallback, id_, kind)


def _list(values) -> str:
    values = [str(value) for value in values or []]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def _target(event) -> Name:
    return _named(event.target_name, event.target_id, event.target_type, "something")


def _count(number, noun: str, plural: str = "") -> str:
    number = number if isinstance(number, int) else 0
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def _source(source) -> str:
    """Where a batch of members came from, as ``membership_add_batch`` records it."""
    source = str(source or "").strip()
    for prefix in ("command file ", "file "):
        if source.startswith(prefix):
            return f"the file {source[len(prefix) :]}"
    if source in ("", "list", "api"):
        return "a list"
    return source if source.startswith(("a ", "an ", "the ")) else f"a {source}"


# The counts of ``bulk.Preview.counts`` left out of a batch, as phrases.
_LEFT_OUT = (
    ("already_members", "already a member", "already members"),
    ("deactivated", "deactivated", "deactivated"),
    ("not_in_organization", "not in the organization", "not in the organization"),
    ("unknown", "unknown", "unknown"),
    ("duplicates", "given twice", "given more than once"),
    ("invalid", "not an email", "not emails"),
)


def _batch(actor, target, data) -> list:
    parts = [actor, f" added {_count(data.get('added'), 'member')} to ", target]
    parts.append(f" from {_source(data.get('source'))}")
    if isinstance(data.get("entries"), int):
        parts.append(f" of {_count(data['entries'], 'entry', 'entries')}")
    left_out = [
        f"{data[key]:,} {one if data[key] == 1 else many}"
        for key, one, many in _LEFT_OUT
        if isinstance(data.get(key), int) and data[key] > 0
    ]
    if left_out:
        parts.append(f" (left out: {_list(left_out)})")
    return parts


def _restored(actor, target, data) -> list:
    parts = [actor, " restored the group "]
    if data.get("renamed_from"):
        parts += [Name(data["renamed_from"]), " as ", target]
    else:
        parts.append(target)
    brought = [
        # A page reads a long list cut short, with its length (``history.LIST_PREVIEW``).
        _count(data.get(f"{key}_total") or len(data[key]), noun)
        for key, noun in (
            ("members", "member"),
            ("member_groups", "member group"),
            ("permission_sets", "permission set"),
            ("grants", "grant"),
        )
        if data.get(key)
    ]
    if data.get("parent_groups"):
        brought.append(f"its place in {_count(len(data['parent_groups']), 'group')}")
    if brought:
        parts.append(f", bringing back {_list(brought)}")
    if data.get("not_restored"):
        count = len(data["not_restored"])
        parts.append(f" ({count} {'thing' if count == 1 else 'things'} could not come back)")
    return parts


def _seeded(actor, target, data) -> list:
    made = [
        _count(data[key], noun)
        for key, noun in (
            ("users", "user"),
            ("groups", "group"),
            ("memberships", "membership"),
            ("member_groups", "member group"),
            ("resources", "resource"),
            ("grants", "grant"),
        )
        if isinstance(data.get(key), int)
    ]
    parts = [actor, " filled the organization ", target, " with generated data"]
    if made:
        parts.append(f" ({_list(made)})")
    return parts


def _what(data) -> str:
    if data.get("permission_set"):
        return f"the permission set {data['permission_set']}"
    return _list(data.get("access")) or "access"


def _subject(data) -> Name:
    return _named(data.get("subject"), data.get("subject_id", ""), data.get("subject_type", ""))


def _grant_target(event, data) -> Name:
    target = data.get("target")
    if data.get("target_id"):
        return Name(target or data["target_id"], data["target_id"], "target")
    if event.target_type == "grant" or not target:
        return Name(target or "something")
    return Name(target, event.target_id, event.target_type)


def sentence(event) -> Sentence:
    """What ``event`` says, as a sentence without its channel and time."""
    actor = Name(actor_display(event), "", "user")
    target = _target(event)
    data = _payload(event)
    before, after = event.before or {}, event.after or {}
    action = event.action
    parts: list
    if action == "membership.added":
        user = _named(data.get("user"), data.get("user_id", ""), "user")
        parts = [actor, " added ", user, " to ", target]
        if data.get("expires_at"):
            parts.append(f" until {data['expires_at'][:10]}")
    elif action == "membership.removed":
        user = _named(data.get("user"), data.get("user_id", ""), "user")
        parts = [actor, " removed ", user, " from ", target]
    elif action == "membership.expired":
        user = _named(data.get("user"), data.get("user_id", ""), "user")
        parts = ["The membership of ", user, " in ", target, " expired"]
    elif action in ("member_group.added", "member_group.removed"):
        child = _named(data.get("member_group"), data.get("member_group_id", ""), "group")
        verb = (
            [" made ", child, " a member group of "]
            if action.endswith("added")
            else [
                " took the member group ",
                child,
                " out of ",
            ]
        )
        parts = [actor, *verb, target]
    elif action == "group.created":
        parts = [actor, " created the group ", target]
    elif action == "group.updated":
        parts = [actor]
        if "name" in before and "name" in after:
            parts += [" renamed the group ", Name(before["name"]), " to ", target]
        else:
            parts += [" changed the group ", target]
        rest = [
            label
            for key, label in (("description", "description"), ("slug", "slug"))
            if key in after
        ]
        if rest:
            parts.append(f" ({_list(rest)})")
    elif action == "group.deleted":
        parts = [actor, " deleted the group ", target]
        counts = [_count(data["members"], "member")] if "members" in data else []
        if data.get("member_groups"):
            counts.append(_count(data["member_groups"], "member group"))
        if counts:
            parts.append(f" ({_list(counts)})")
    elif action == "group.restored":
        parts = _restored(actor, target, data)
    elif action == "group.purged":
        parts = [actor, " removed the deleted group ", target, " for good"]
        if data.get("deleted_at"):
            parts.append(f" (deleted {data['deleted_at'][:10]})")
    elif action == "membership.batch_added":
        parts = _batch(actor, target, data)
    elif action in ("group.permission_set_added", "group.permission_set_removed"):
        held = _named(data.get("permission_set"), data.get("id", ""), "permission set")
        if action.endswith("added"):
            parts = [actor, " gave ", target, " the permission set ", held]
        else:
            parts = [actor, " took the permission set ", held, " from ", target]
    elif action in ("group.rights_granted", "group.rights_revoked"):
        holder = _named(data.get("holder"), data.get("holder_id", ""), data.get("holder_type", ""))
        rights = _list(RIGHT_LABELS.get(right, right) for right in data.get("rights", []))
        if action.endswith("granted"):
            parts = [actor, " gave ", holder, f" the right to {rights} ", target]
        else:
            parts = [actor, " took back from ", holder, f" the right to {rights} ", target]
    elif action == "grant.added":
        parts = [
            actor,
            " granted ",
            _subject(data),
            f" {_what(data)} on ",
            _grant_target(event, data),
        ]
    elif action == "grant.removed":
        parts = [actor, " revoked ", f"{_what(data)} from ", _subject(data), " on "]
        parts.append(_grant_target(event, data))
    elif action.startswith("permission_set."):
        verb = action.split(".", 1)[1]
        parts = [actor, f" {verb} the permission set ", target]
    elif action == "resource.created":
        parts = [actor, " registered the resource ", target]
        if data.get("folder"):
            parts.append(f" in {data['folder']}")
    elif action == "resource.moved":
        parts = [actor, " moved ", target, f" to {after.get('folder') or 'no folder'}"]
    elif action == "resource.deleted":
        parts = [actor, " deleted the resource ", target]
    elif action == "organization.created":
        parts = [actor, " created the organization ", target]
    elif action == "organization.seeded":
        parts = _seeded(actor, target, data)
    elif action == "organization.updated":
        parts = [actor, " renamed the organization ", Name(before.get("name", "")), " to ", target]
    elif action == "user.created":
        parts = [actor, " created the user ", target]
    elif action in ("user.activated", "user.deactivated"):
        verb = "reactivated" if action == "user.activated" else "deactivated"
        parts = [actor, f" {verb} ", target]
    elif action == "user.updated":
        changes = [f"{key.replace('_', ' ')} {before.get(key)!s} → {after[key]!s}" for key in after]
        parts = [actor, " changed ", target, f" ({'; '.join(changes)})" if changes else ""]
    elif action in ("api_key.created", "api_key.revoked"):
        verb = "created" if action.endswith("created") else "revoked"
        parts = [actor, f" {verb} the API key ", target]
        if data.get("user"):
            parts.append(f" (acting as {data['user']})")
        if data.get("reason"):
            # Revoked with its owner's place: "… because they left the organization".
            parts.append(
                f", because they {data['reason'].replace('deactivated', 'were deactivated')}"
            )
    else:
        parts = [actor, f" {ACTIONS.get(action, action).lower()}: ", target]
    return Sentence(parts)


def when_text(event) -> str:
    return timezone.localtime(event.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def full_text(event) -> str:
    """The whole sentence: "Ann Lee added Bo Chen to Editors, via the API, 14:02 UTC"."""
    time = timezone.localtime(event.created_at, dt.UTC).strftime("%H:%M UTC")
    return f"{sentence(event).text}, {CHANNEL_PHRASES.get(event.channel, event.channel)}, {time}"
