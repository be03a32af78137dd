"""The endpoints Orkes Conductor's ``OrkesAuthorizationClient`` calls, under /api/.

Every request acts as the API key's user in the key's organization: through the same access
checks (``groups.access``) and services as the Admin Center, audited with the channel ``api``.
A Conductor group id is our group's slug; a Conductor user id is the person's email; a target
``WORKFLOW_DEF:checkout`` is the resource of that type and key.
"""

from contextlib import contextmanager
from functools import reduce
from operator import or_
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from ninja import Body, Router
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, model_validator

from accounts.api_keys import api_key_for_credentials
from apis.common.auth import api_key_in_organization
from apis.common.schemas import Strict
from audit.recording import Channel
from groups import access, explain, queries, resource_types, services
from groups.models import ACCESS_TYPES, Group, Resource
from groups.services import grants

from . import out
from .auth import TokenRefused, token_issue
from .errors import error_body
from .roles import clean_roles, conductor_role_sets, permission_sets_for

router = Router()
DONE: dict = {}


def _text(value: str) -> str:
    """Refuses a lone surrogate (JSON may escape one: ``"\\ud800"``): it is no text, and the
    database driver failed on it (a 500)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("This is not text: it holds a lone surrogate.") from None
    return value


Text = Annotated[str, AfterValidator(_text)]


class ObjectIn(Strict):
    """A body that must be a JSON object of the fields Conductor defines (others are refused).
    Schemas read attributes too, so a list, a string or a number would otherwise pass as an
    empty object (``PUT /api/groups/x`` with ``[]``: 200)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        if not isinstance(data._obj if isinstance(data, DjangoGetter) else data, dict):
            raise ValueError("Send a JSON object.")
        return data


class TokenIn(ObjectIn):
    keyId: Text = ""
    keySecret: Text = ""


class UpsertGroupIn(ObjectIn):
    description: Text | None = None
    roles: list[Text] = []
    defaultAccess: dict[str, list[str]] | None = None


class RefIn(ObjectIn):
    type: Text
    id: Text


class AuthorizationIn(ObjectIn):
    subject: RefIn
    target: RefIn
    access: list[Text]


# --- lookups ---------------------------------------------------------------------------------


def _people(organization, emails) -> list:
    """The organization's members with these emails (any case), all of them or a 404 naming
    the others: nothing is changed then."""
    wanted = list(dict.fromkeys(str(e).strip() for e in emails))
    found = {}
    if any(e and access.storable(e) for e in wanted):
        matches = access.members_of(organization).filter(
            reduce(or_, (Q(email__iexact=e) for e in wanted if e and access.storable(e)))
        )
        found = {user.email.lower(): user for user in matches}
    missing = [e or "(empty id)" for e in wanted if e.lower() not in found]
    if missing or not wanted:
        raise Http404(
            f"No user {', '.join(missing) or '(none given)'} in {organization}, so nothing "
            "was changed."
        )
    return [found[e.lower()] for e in wanted]


def _group(request, group_id: str, action: str = "view") -> Group:
    """The group with this Conductor id (our slug): 404 if the caller may not see it, 403 if
    they may see it but not do ``action``."""
    return access.group_by_slug_for_user(request, request.api_key.organization, group_id, action)


def _subject(request, organization, subject: RefIn):
    kind = subject.type.strip().upper()
    if kind == "USER":
        return _people(organization, [subject.id])[0]
    if kind == "GROUP":
        # Nobody hands out to a group they cannot see (the same 404 as an unknown one).
        return access.group_by_slug_for_user(request, organization, subject.id)
    raise ValidationError({"subject": f"Subjects are USER or GROUP (got {subject.type})."})


def _resource(organization, target: RefIn) -> Resource | None:
    resource_types.get(target.type)
    if not access.storable(target.id):
        return None
    return queries.resource_by_key(organization, target.type, target.id.strip())


# The services name a target's fields as a resource's; an authorization body nests them.
TARGET_FIELDS = {"type": "target.type", "key": "target.id"}


@contextmanager
def _naming_target_fields():
    """Refusals about the target name ``target.type`` and ``target.id``, as the body does."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {TARGET_FIELDS.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from error


# --- token ----------------------------------------------------------------------------------


@router.post("/token", auth=None, summary="Exchange an API key's id and secret for a token")
def token(request, payload: TokenIn):
    """The id and secret ``create_api_key`` prints (or the API keys page shows) give a token to
    send as ``X-Authorization``; it acts as the key's user in the key's organization."""
    key = api_key_for_credentials(payload.keyId, payload.keySecret)
    if key is None or not api_key_in_organization(key):
        # Not INVALID_TOKEN: that code makes the SDK ask for a token again, here forever.
        raise TokenRefused("INVALID_CREDENTIALS", "Unknown or revoked key id, or wrong secret.")
    return {"token": token_issue(key)}


@router.get("/token/userInfo", summary="The user the token acts as")
def token_user_info(request):
    # One's own groups, all of them.
    return out.users_out([request.user], request.api_key.organization)[0]


# --- groups ---------------------------------------------------------------------------------


@router.put("/groups/{group_id}", summary="Create or update a group")
def group_upsert(request, group_id: str, payload: UpsertGroupIn):
    """Creates the group ``group_id`` (its slug) if missing, named ``description``; otherwise
    renames it. Its Conductor roles become exactly ``roles`` (permission sets that are not
    Conductor roles stay as they are)."""
    organization = request.api_key.organization
    roles = clean_roles(payload.roles)
    if payload.defaultAccess:
        raise ValidationError(
            {"defaultAccess": "defaultAccess is not supported: grant access on the targets."}
        )
    with transaction.atomic():
        exists = access.storable(group_id) and queries.group_slug_taken(organization, group_id)
        if not exists:
            group = services.group_create(
                organization=organization,
                display_name=payload.description or group_id,
                slug=group_id,
                channel=Channel.API,
                actor=request.user,
            )
        else:
            group = _group(request, group_id, "view")
            if payload.description is not None:
                group = services.group_update(
                    group=group,
                    display_name=payload.description,
                    channel=Channel.API,
                    actor=request.user,
                )
        # Its Conductor roles become exactly ``roles``; other permission sets stay.
        services.group_permission_sets_set(
            group=group,
            permission_sets=permission_sets_for(roles).values(),
            among=conductor_role_sets(),
            channel=Channel.API,
            actor=request.user,
        )
    return out.group_shaped(group)


@router.get("/groups/{group_id}", summary="A group")
def group_get(request, group_id: str):
    return out.group_shaped(_group(request, group_id))


@router.get("/groups", summary="The groups the caller may see")
def group_list(request):
    groups = access.groups_visible_to(request.user, request.api_key.organization)
    return [out.group_out(g) for g in out.groups_shaped(groups.order_by("display_name", "pk"))]


@router.delete("/groups/{group_id}", summary="Delete a group")
def group_delete(request, group_id: str):
    """Default groups are protected (409)."""
    group = _group(request, group_id, "delete")
    services.group_delete(group=group, channel=Channel.API, actor=request.user)
    return DONE


# --- users in groups ------------------------------------------------------------------------


@router.get("/groups/{group_id}/users", summary="The users in a group")
def group_users(request, group_id: str):
    """Everyone in the group, directly or through a member group."""
    group = _group(request, group_id)
    members = [m.user for m in queries.group_members(group)]
    return out.users_out(members, group.organization, visible_to=request)


def _add(request, group_id, emails):
    group = _group(request, group_id, "manage_members")
    people = _people(group.organization, emails)
    services.membership_add(group=group, users=people, channel=Channel.API, actor=request.user)
    return DONE


def _remove(request, group_id, emails):
    group = _group(request, group_id, "manage_members")
    people = _people(group.organization, emails)
    services.membership_remove(group=group, users=people, channel=Channel.API, actor=request.user)
    return DONE


@router.post("/groups/{group_id}/users/{user_id}", summary="Add a user to a group")
def group_user_add(request, group_id: str, user_id: str):
    return _add(request, group_id, [user_id])


@router.post("/groups/{group_id}/users", summary="Add users to a group, all or nothing")
def group_users_add(request, group_id: str, user_ids: Body[list[str]]):
    return _add(request, group_id, user_ids)


@router.delete("/groups/{group_id}/users/{user_id}", summary="Remove a user from a group")
def group_user_remove(request, group_id: str, user_id: str):
    return _remove(request, group_id, [user_id])


@router.delete("/groups/{group_id}/users", summary="Remove users from a group")
def group_users_remove(request, group_id: str, user_ids: Body[list[str]]):
    return _remove(request, group_id, user_ids)


# --- permissions ----------------------------------------------------------------------------


@router.post("/auth/authorization", summary="Grant access to a user or a group on a target")
def authorization_grant(request, payload: AuthorizationIn):
    """Adds ``access`` to what the subject's grant on the target gives. A target not yet known
    is registered (audited) as a resource of its type."""
    organization = request.api_key.organization
    access.require(request, "manage_access", organization)
    with _naming_target_fields(), transaction.atomic():
        subject = _subject(request, organization, payload.subject)
        resource = _resource(organization, payload.target)
        if resource is None:
            resource = grants.resource_create(
                organization=organization,
                type=payload.target.type,
                key=payload.target.id,
                channel=Channel.API,
                actor=request.user,
            )
        grants.grant_add(
            organization=organization,
            subject=subject,
            target=resource,
            access_types=payload.access,
            channel=Channel.API,
            actor=request.user,
        )
    return DONE


@router.delete("/auth/authorization", summary="Take access back from a user or a group")
def authorization_remove(request, payload: AuthorizationIn):
    """Access given another way (another grant, a group, a folder) stays."""
    organization = request.api_key.organization
    access.require(request, "manage_access", organization)
    subject = _subject(request, organization, payload.subject)
    with _naming_target_fields():
        resource = _resource(organization, payload.target)
    if resource is not None:
        grants.grant_remove(
            organization=organization,
            subject=subject,
            target=resource,
            access_types=payload.access,
            channel=Channel.API,
            actor=request.user,
        )
    return DONE


@router.get("/auth/authorization/{target_type}/{target_id}", summary="Who can access a target")
def authorization_get(request, target_type: str, target_id: str):
    """``{access type: [subject]}`` for the grants that give it (on the target, its folders or
    the organization); access types nobody is given are left out."""
    organization = request.api_key.organization
    access.require_access_reader(request, organization)
    resource = _resource(organization, RefIn(type=target_type, id=target_id))
    if resource is None:
        return {}
    result = {}
    for access_type, found in explain.who_can_access(resource).items():
        subjects = []
        for grant in found:
            subject = out.subject_out(grant)
            if subject not in subjects:
                subjects.append(subject)
        if subjects:
            result[access_type] = subjects
    return result


@router.get("/groups/{group_id}/permissions", summary="What a group's members can access")
def group_permissions(request, group_id: str):
    """The group's grants and those of the groups it is nested in, one entry per target."""
    group = _group(request, group_id)
    return out.granted_access_out(explain.group_access(group))


@router.get("/users/{user_id}/permissions", summary="What a user can access")
def user_permissions(request, user_id: str):
    """The user's own grants and their groups', one entry per target. Your own, or anyone's
    for user managers."""
    organization = request.api_key.organization
    person = _people(organization, [user_id])[0]
    access.require_seeing_access_of(request, person, organization)
    return out.granted_access_out(explain.user_access(person, organization))


@router.get("/users/{user_id}/checkPermissions", summary="Can a user do each access type")
def user_check_permissions(request, user_id: str, type: str, id: str):
    """``{access type: true|false}`` for every access type the target's type supports. A
    target not registered yet is answered from the grants on the whole organization."""
    organization = request.api_key.organization
    person = _people(organization, [user_id])[0]
    access.require_seeing_access_of(request, person, organization)
    resource = _resource(organization, RefIn(type=type, id=id))
    target = resource if resource is not None else organization
    supported = resource_types.get(type).access_types
    return {t: explain.can(person, t, target) for t in ACCESS_TYPES if t in supported}


def not_found(request, rest=""):
    """Any other path under /api/: Conductor's 404, not an HTML page."""
    return JsonResponse(error_body(404, "No such endpoint.", path=request.path), status=404)
