"""The accessors every view, channel and command starts with (Zulip's ``access_*``,
Healthchecks' ``_get_check_for_user``): look an object up inside one organization and check the
rule for the action in one call. An object the user may not see is a 404 (never leak that it
exists); one they see but may not act on is a 403. ``for_update=True`` locks the row for the rest
of the transaction, so a service does not fetch and check again.

``who`` is the request (its one ``Access``, ``for_request``), an ``Access``, or a user.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest

from accounts.models import ApiKey, Organization

from ..models import (
    DeletedGroup,
    Grant,
    Group,
    GroupGroupObjectPermission,
    GroupUserObjectPermission,
    PermissionSet,
    Resource,
)
from .policy import Access

User = get_user_model()


def for_request(request) -> Access:
    """The request's one ``Access``, made on first use and dropped if the request's user
    changes (an API key authenticates after the middleware)."""
    current = getattr(request, "access", None)
    if current is None or current.user is not request.user:
        current = Access(request.user)
        request.access = current
    return current


def access_of(who) -> Access:
    """``who`` as an ``Access``: a request's own one, or a fresh one for a user (the services
    ask afresh: a write is checked against what holds now)."""
    if isinstance(who, Access):
        return who
    if isinstance(who, HttpRequest):
        return for_request(who)
    return Access(who)


def can(who, action: str, obj) -> bool:
    return access_of(who).can(action, obj)


def require(who, action: str, obj) -> None:
    """Raise PermissionDenied unless ``who`` may do ``action`` on ``obj``."""
    access_of(who).require(action, obj)


def _first(queryset, *, for_update=False, **lookup):
    """The one row matching ``lookup``, or None; a malformed id names nothing (None too)."""
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.filter(**lookup).first()
    except (ValidationError, ValueError):
        return None


def is_member(user, organization: Organization) -> bool:
    """Belonging to an organization means being in its Users group."""
    return Group.objects.filter(
        organization=organization, kind=Group.Kind.USERS, user=user
    ).exists()


def members_of(organization: Organization):
    """The people of ``organization`` (in its Users group), as a queryset."""
    return User.objects.filter(
        memberships__group__group__organization=organization,
        memberships__group__group__kind=Group.Kind.USERS,
    )


def organization_for_user(who, slug: str) -> Organization:
    """The organization ``slug`` if the user may use it; 404 otherwise (no leak)."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not access_of(who).can("view", organization):
        raise Http404("No such organization.")
    return organization


def group_for_user(
    who, organization: Organization, public_id, action: str = "view", *, for_update=False
) -> Group:
    """The group ``public_id`` of ``organization``: 404 if the user may not see it, 403 if they
    may see it but not do ``action``."""
    group = _first(
        Group.objects.select_related("organization"),
        for_update=for_update,
        organization=organization,
        public_id=public_id,
    )
    checker = access_of(who)
    if group is None or not checker.can_see(group):
        raise Http404("No such group.")
    checker.require(action, group)
    return group


def storable(text: str) -> bool:
    """Text a database can compare: no NUL, no lone surrogate (anything else names nothing)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def group_by_slug_for_user(
    who, organization: Organization, slug: str, action: str = "view", *, for_update=False
) -> Group:
    """The group with this slug (Conductor's group id) in ``organization``: the same 404 for
    an unknown slug and a group the user may not see (it never tells that one exists); 403
    if they see it but may not do ``action``."""
    group = (
        _first(
            Group.objects.select_related("organization"),
            for_update=for_update,
            organization=organization,
            slug=slug,
        )
        if storable(slug)
        else None
    )
    checker = access_of(who)
    if group is None or not checker.can_see(group):
        raise Http404(f"No group “{slug}” in {organization}.")
    checker.require(action, group)
    return group


def groups_for_user(who, organization: Organization, public_ids, action: str = "view") -> list:
    """The groups ``public_ids`` of ``organization``, in that order and without repeats, all or
    nothing: a 404 names every id that is unknown or not visible."""
    wanted = list(dict.fromkeys(public_ids))
    try:
        found = {
            g.public_id: g
            for g in Group.objects.select_related("organization").filter(
                organization=organization, public_id__in=wanted
            )
        }
    except (ValidationError, ValueError):
        found = {}
    checker = access_of(who)
    checker.prefetch(found.values())
    unknown = [str(i) for i in wanted if i not in found or not checker.can_see(found[i])]
    if unknown:
        raise Http404(f"No such groups in {organization}: {', '.join(unknown)}.")
    groups = [found[i] for i in wanted]
    for group in groups:
        checker.require(action, group)
    return groups


def groups_visible_to(who, organization: Organization):
    """Every group of ``organization`` the user may see, as a queryset."""
    checker = access_of(who)
    user = checker.user
    groups = Group.objects.filter(organization=organization)
    if checker.sees_every_group(organization):
        return groups
    if not user.is_authenticated or not user.is_active:
        return groups.none()
    direct = GroupUserObjectPermission.objects.filter(content_object=OuterRef("pk"), user=user)
    through_groups = GroupGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"), group__user=user
    )
    return groups.filter(Q(Exists(direct)) | Q(Exists(through_groups)))


def person_for_user(who, organization: Organization, public_id, action: str = "view"):
    """A person of ``organization``: 404 unless they belong to it (anyone of the organization
    may see who else is in it). ``view_access`` (their groups, what they can access, and why):
    403 unless the user is that person or sees every group. ``manage``: ``manage_users``."""
    person = _first(members_of(organization), public_id=public_id)
    if person is None:
        raise Http404("No such user.")
    checker = access_of(who)
    if action == "view_access":
        require_seeing_access_of(checker, person, organization)
    if action == "manage":
        checker.require("manage_users", organization)
    return person


def require_seeing_access_of(who, person, organization: Organization) -> None:
    """A person's groups, what they can access and why (``person`` already found in the
    organization): 403 unless it is the user or they see every group."""
    if not access_of(who).can_see_access_of(person, organization):
        raise PermissionDenied(f"You may only ask about your own access in {organization}.")


def require_holding(who, organization: Organization, codenames, *, giving: str, resource=None):
    """Nobody hands out, directly or through a group, more than they hold: 403 naming what
    the user lacks (the system, ``who=None``, holds everything)."""
    if who is None:
        return
    lacking = access_of(who).lacks(organization, codenames, resource)
    if lacking:
        raise PermissionDenied(
            f"You cannot give {giving}: you do not hold {', '.join(lacking)} yourself."
        )


def require_access_reader(who, organization: Organization) -> None:
    """Resources, grants and who-can-access lists: 403 unless the user manages access or sees
    every group."""
    if not access_of(who).can_read_access(organization):
        raise PermissionDenied(f"You do not have permission to see the access in {organization}.")


def resource_for_user(
    who, organization: Organization, public_id, action: str = "view", *, for_update=False
) -> Resource:
    """A resource of ``organization``: ``view`` for access readers, anything else needs
    ``manage_access``; 404 if there is no such resource in it."""
    checker = access_of(who)
    if action == "view":
        require_access_reader(checker, organization)
    else:
        checker.require("manage_access", organization)
    resource = _first(
        Resource.objects.select_related("organization", "folder"),
        for_update=for_update,
        organization=organization,
        public_id=public_id,
    )
    if resource is None:
        raise Http404("No such resource.")
    return resource


def grant_for_user(who, organization: Organization, public_id, action: str = "delete") -> Grant:
    """A grant of ``organization``: ``view`` for access readers, ``delete`` for access
    managers; 404 if there is no such grant in it."""
    checker = access_of(who)
    if action == "view":
        require_access_reader(checker, organization)
    else:
        checker.require("manage_access", organization)
    grant = _first(
        Grant.objects.select_related(
            "organization", "subject_user", "subject_group", "resource", "permission_set"
        ),
        organization=organization,
        public_id=public_id,
    )
    if grant is None:
        raise Http404("No such grant.")
    return grant


def permission_set_for_user(
    who, organization: Organization, public_id, action: str = "view"
) -> PermissionSet:
    """A permission set usable in ``organization`` (a default one, or one of its own): anyone
    of the organization may see them; ``change`` and ``delete`` need
    ``manage_permission_sets``."""
    permission_set = _first(
        PermissionSet.objects.filter(Q(organization=None) | Q(organization=organization)),
        public_id=public_id,
    )
    if permission_set is None:
        raise Http404("No such permission set.")
    if action != "view":
        access_of(who).require("manage_permission_sets", organization)
    return permission_set


def api_key_for_user(who, organization: Organization, public_id, action: str = "revoke"):
    """An API key of ``organization``: its maker may revoke it, and whoever may change the
    organization may revoke anyone's; others get 404 (keys are not listed to them)."""
    checker = access_of(who)
    key = _first(
        ApiKey.objects.select_related("organization", "user"),
        organization=organization,
        public_id=public_id,
    )
    if key is None or not (key.user == checker.user or checker.can("change", organization)):
        raise Http404("No such API key.")
    return key


def deleted_group_for_user(who, organization: Organization, public_id) -> DeletedGroup:
    """The deleted group ``public_id`` of ``organization``: 403 unless the user may restore
    groups there (``delete_groups`` on the organization), 404 if there is no such deleted group
    in it (one of another organization included)."""
    access_of(who).require("restore_groups", organization)
    deleted = _first(
        DeletedGroup.objects.select_related("organization", "deleted_by"),
        organization=organization,
        public_id=public_id,
    )
    if deleted is None:
        raise Http404("No such deleted group.")
    return deleted
