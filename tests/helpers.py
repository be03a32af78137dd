"""Helpers shared across the test suite: database snapshots, the audit trail, messages."""

from contextlib import contextmanager
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Max

from accounts.models import (
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from audit.models import AuditEvent
from groups.models import (
    Group,
    GroupGroupObjectPermission,
    GroupPermissionSet,
    GroupUserObjectPermission,
    Membership,
    PermissionSet,
)

User = get_user_model()


def database_state() -> dict:
    """Everything a refused operation must leave exactly as it was."""
    return {
        "organizations": set(Organization.objects.values_list("pk", "name", "slug")),
        "users": set(
            User.objects.values_list("pk", "email", "first_name", "last_name", "is_active")
        ),
        "groups": set(
            Group.objects.values_list("pk", "name", "display_name", "slug", "description", "kind")
        ),
        "memberships": set(Membership.objects.values_list("group_id", "user_id", "expires_at")),
        "permission_sets": set(
            PermissionSet.objects.values_list("pk", "organization_id", "name", "description")
        ),
        "permission_set_contents": set(
            PermissionSet.permissions.through.objects.values_list(
                "permissionset_id", "permission_id"
            )
        ),
        "permission_set_links": set(
            GroupPermissionSet.objects.values_list("group_id", "permission_set_id")
        ),
        "group_user_rights": set(
            GroupUserObjectPermission.objects.values_list(
                "user_id", "permission_id", "content_object_id"
            )
        ),
        "group_group_rights": set(
            GroupGroupObjectPermission.objects.values_list(
                "group_id", "permission_id", "content_object_id"
            )
        ),
        "organization_group_rights": set(
            OrganizationGroupObjectPermission.objects.values_list(
                "group_id", "permission_id", "content_object_id"
            )
        ),
        "organization_user_rights": set(
            OrganizationUserObjectPermission.objects.values_list(
                "user_id", "permission_id", "content_object_id"
            )
        ),
        "audit_events": AuditEvent.objects.count(),
    }


@contextmanager
def changes_nothing(state=database_state):
    """The block must leave ``state()`` (by default, the whole database_state) as it was."""
    before = state()
    yield
    assert state() == before


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(mark=Max("pk"))["mark"] or 0


def events_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))


def members(group) -> set:
    return set(User.objects.filter(memberships__group=group))


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def messages_of(response) -> list[str]:
    """The Django messages the response's request queued, as text."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def group_names(user, organization) -> set[str]:
    return set(
        Group.objects.filter(organization=organization, user=user).values_list(
            "display_name", flat=True
        )
    )


def run(*args) -> str:
    """A management command's standard output (its errors are swallowed)."""
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), no_color=True)
    return out.getvalue()
