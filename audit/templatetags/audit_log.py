from django import template

from groups import access

register = template.Library()


@register.filter
def can_read_audit_log(request, organization) -> bool:
    """Whether the side navigation offers the Audit log (``view_audit_log`` holders only),
    asked of the request's one ``Access``."""
    return bool(organization) and access.can(request, "view_audit_log", organization)
