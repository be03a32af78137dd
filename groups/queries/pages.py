"""Pages of long lists: a paginator that joins after paging, and keyset pages (stable under
change, constant cost at any depth)."""

import base64
import json

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q

# Stored text never holds a NUL (PostgreSQL refuses it: a search with one would be a 500), so
# a search that contains one matches nothing.
NUL = "\x00"

User = get_user_model()


class DeferredJoinPaginator(Paginator):
    """Reads a page's keys first (an index-only walk, cheap however deep the page), then the
    rows of those keys with their annotations: page 4,000 costs about what page 1 does."""

    key = "pk"

    def __init__(self, object_list, per_page, *, key: str = "pk", **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.key = key

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list(self.key, flat=True)[bottom:top])
        rows = {
            getattr(row, self.key): row
            for row in self.object_list.filter(**{f"{self.key}__in": keys})
        }
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


MEMBER_ORDER = ("user__last_name", "user__first_name", "user__email", "pk")


def encode_position(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_position(text: str) -> list | None:
    """The ``[last name, first name, email, id]`` of a page edge, or None if ``text`` is not
    one this site gave out (then the list starts from the top)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError):
        return None
    if (
        isinstance(values, list)
        and len(values) == 4
        and all(isinstance(v, str) and len(v) <= 254 and NUL not in v for v in values[:3])
        and type(values[3]) is int
        and 0 < values[3] < 2**63
    ):
        return values
    return None


def _beyond(order, values, direction: str) -> Q:
    """Rows after (``gt``) or before (``lt``) ``values`` in ``order``; the bound on the first
    column lets the database start its index walk there."""
    condition = Q(pk__in=[])
    for n in range(len(order)):
        equal = {order[i]: values[i] for i in range(n)}
        condition |= Q(**equal, **{f"{order[n]}__{direction}": values[n]})
    return condition & Q(**{f"{order[0]}__{direction}e": values[0]})


class KeysetPage:
    """A page of a list walked from a position (``after`` the previous page's last row, or
    ``before`` the next page's first), in ``order``: no OFFSET, so page 8,000 costs what page 1
    does. ``previous_position``/``next_position`` are the links' values (None: no such page)."""

    def __init__(self, queryset, order, size: int, *, after: str = "", before: str = ""):
        position = decode_position(after or before) if (after or before) else None
        if position and before:
            rows = list(
                queryset.filter(_beyond(order, position, "lt")).order_by(
                    *[f"-{name}" for name in order]
                )[: size + 1]
            )
            earlier, rows = len(rows) > size, rows[:size][::-1]
            later = True
        else:
            if position:
                queryset = queryset.filter(_beyond(order, position, "gt"))
            rows = list(queryset.order_by(*order)[: size + 1])
            later, rows = len(rows) > size, rows[:size]
            earlier = position is not None
        self.object_list = rows
        self.previous_position = _position(rows[0], order) if rows and earlier else None
        self.next_position = _position(rows[-1], order) if rows and later else None


def _position(row, order) -> str:
    values = []
    for name in order:
        value = row
        for part in name.split("__"):
            value = getattr(value, part)
        values.append(value)
    return encode_position(values)
