"""Template filters for the hardening pages (issue 9)."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def cooloff_minutes(value: timedelta) -> str:
    """A lockout's cool-off as people say it: "15 minutes", "1 minute"."""
    minutes = max(1, round(value.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
