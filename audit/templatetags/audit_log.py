from django import template

from groups import access

register = template.Library()


@register.filter
def can_read_audit_log(user, organization) -> bool:
    """Whether the side navigation offers the Audit log (``view_audit_log`` holders only)."""
    return bool(organization) and access.can(user, "view_audit_log", organization)
