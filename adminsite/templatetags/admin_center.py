from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value) -> str:
    """ "just now", "5 minutes ago", "3 days ago": a relative time for people to read."""
    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` for dictionaries built by the views."""
    return mapping.get(key) if mapping else None
