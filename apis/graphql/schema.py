"""aiWARE's auth group operations over GraphQL, on our services and access rules.

Ids are public UUIDs. Every query and mutation acts in one organization (the API key's, or the
one a session names; see ``views``); another organization's ids are "not found". Writes go
through ``groups.services`` with the audit channel ``api``.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from django.db import DataError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from accounts.models import Organization as OrganizationModel
from apis.common.lookups import as_uuid
from audit.recording import Channel
from groups import access, services
from groups.models import Group
from groups.queries import SearchTooBroad, within

from . import loaders
from .errors import PROTECTED_GROUP_MESSAGE, UNKNOWN_MEMBERS_MESSAGE, ApiError, log_unexpected
from .errors import not_found as not_found_error

# How long PostgreSQL may spend on one statement of an ``authGroups`` call with a nameRegex. Its
# regular expressions do not backtrack like Python's, but back-references still make some
# patterns polynomial in the name's length: such a pattern answers an error instead of keeping
# a connection busy.
NAME_REGEX_TIMEOUT_MS = 1000


@dataclass
class Context:
    request: HttpRequest
    response: HttpResponse
    organization: OrganizationModel
    access: access.Access

    @property
    def user(self):
        return self.request.user


@strawberry.enum(description="What a member of an auth group is.")
class MemberType(Enum):
    User = "User"
    Group = "Group"


@strawberry.type(description="An organization (a tenant).")
class Organization:
    id: strawberry.ID
    name: str
    slug: str

    @classmethod
    def of(cls, organization: OrganizationModel) -> "Organization":
        return cls(
            id=strawberry.ID(str(organization.public_id)),
            name=organization.name,
            slug=organization.slug,
        )


@strawberry.type(description="A person.")
class User:
    id: strawberry.ID
    name: str
    email: str
    first_name: str
    last_name: str

    @classmethod
    def of(cls, user) -> "User":
        return cls(
            id=strawberry.ID(str(user.public_id)),
            name=user.display_name,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
        )


@strawberry.type(description="A named bundle of capabilities a group holds on its organization.")
class PermissionSet:
    id: strawberry.ID
    name: str
    description: str
    is_protected: bool

    @classmethod
    def of(cls, permission_set) -> "PermissionSet":
        return cls(
            id=strawberry.ID(str(permission_set.public_id)),
            name=permission_set.name,
            description=permission_set.description,
            is_protected=permission_set.protected,
        )


@strawberry.type(description="A named collection of people (and groups) in one organization.")
class AuthGroup:
    model: strawberry.Private[Group]
    batch: strawberry.Private[loaders.GroupBatch]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.public_id))

    @strawberry.field
    def name(self) -> str:
        return self.model.display_name

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field
    def slug(self) -> str:
        return self.model.slug

    @strawberry.field(description="custom, administrators or users.")
    def kind(self) -> str:
        return self.model.kind

    @strawberry.field(description="Default groups are protected: they cannot be deleted.")
    def is_protected(self) -> bool:
        return self.model.is_protected

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def modified_at(self) -> datetime:
        return self.model.updated_at

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.organization.public_id))

    @strawberry.field
    def organization(self) -> Organization:
        return Organization.of(self.model.organization)

    @strawberry.field(
        description="How many direct members (people and groups) it has; null when you may not "
        "see its members."
    )
    def member_count(self) -> int | None:
        if not self.batch.visible(self.model):
            return None
        return self.batch.member_counts().get(self.model.pk, 0)

    @strawberry.field(description="Its direct members, oldest first.")
    def members(
        self,
        member_type: MemberType | None = None,
        offset: int | None = 0,
        limit: int | None = loaders.DEFAULT_LIMIT,
    ) -> "AuthGroupMemberList":
        offset, limit = loaders.check_page(offset, limit)
        kind = member_type.value if member_type is not None else None
        rows, count, child_batch = self.batch.members(
            self.model, member_type=kind, offset=offset, limit=limit
        )
        records = [AuthGroupMember.of(row_kind, row, child_batch) for row_kind, row in rows]
        return AuthGroupMemberList(records=records, count=count, offset=offset, limit=limit)

    @strawberry.field(description="The permission sets it holds on its organization.")
    def permission_sets(self) -> list[PermissionSet]:
        return [PermissionSet.of(p) for p in self.batch.permission_sets(self.model)]


AuthGroupMemberEntity = Annotated[
    User | AuthGroup, strawberry.union("AuthGroupMemberEntity", description="A person or a group.")
]


@strawberry.type(description="One member of an auth group.")
class AuthGroupMember:
    created_at: datetime
    member_type: MemberType
    member: AuthGroupMemberEntity
    added_by: User | None
    expires_at: datetime | None

    @classmethod
    def of(cls, kind: str, row, child_batch: loaders.GroupBatch) -> "AuthGroupMember":
        if kind == loaders.USER:
            return cls(
                created_at=row.added_at,
                member_type=MemberType.User,
                member=User.of(row.user),
                added_by=User.of(row.added_by) if row.added_by else None,
                expires_at=row.expires_at,
            )
        return cls(
            created_at=row.added_at,
            member_type=MemberType.Group,
            member=AuthGroup(model=row.child, batch=child_batch),
            added_by=User.of(row.added_by) if row.added_by else None,
            expires_at=None,
        )


@strawberry.type
class AuthGroupMemberList:
    records: list[AuthGroupMember]
    count: int
    offset: int
    limit: int


@strawberry.type
class AuthGroupList:
    records: list[AuthGroup]
    count: int
    offset: int
    limit: int


@strawberry.type
class DeletePayload:
    id: strawberry.ID
    message: str


@strawberry.input
class CreateAuthGroup:
    name: str
    description: str | None = None


@strawberry.input
class UpdateAuthGroup:
    id: strawberry.ID
    name: str | None = None
    description: str | None = None


@strawberry.input
class AuthGroupMemberInput:
    id: strawberry.ID
    member_type: MemberType


def _context(info: Info) -> Context:
    return info.context


def _group(info: Info, group_id, action: str = "view") -> Group:
    """The group of the organization acted in; "not found" if the caller may not see it."""
    context = _context(info)
    if as_uuid(group_id) is None:
        raise not_found_error(objectType="AuthGroup", id=str(group_id))
    try:
        return access.group_for_user(context.user, context.organization, group_id, action)
    except Http404 as error:
        raise not_found_error(objectType="AuthGroup", id=str(group_id)) from error


def _one(group: Group, context: Context) -> AuthGroup:
    return AuthGroup(model=group, batch=loaders.GroupBatch([group], context.access))


@strawberry.type
class Query:
    @strawberry.field(description="One auth group of the organization, by id.")
    def auth_group(self, info: Info, id: strawberry.ID) -> AuthGroup:
        return _one(_group(info, id), _context(info))

    @strawberry.field(
        description="The auth groups you may see, default groups first, then by name. "
        "nameRegex matches names case-insensitively."
    )
    def auth_groups(
        self,
        info: Info,
        ids: list[strawberry.ID] | None = None,
        name_regex: str | None = None,
        offset: int | None = 0,
        limit: int | None = loaders.DEFAULT_LIMIT,
    ) -> AuthGroupList:
        offset, limit = loaders.check_page(offset, limit)
        context = _context(info)
        groups = loaders.auth_groups(
            context.user, context.organization, ids=ids, name_regex=name_regex
        )

        def read() -> tuple[int, list]:
            count = groups.count()
            return count, list(groups[offset : offset + limit]) if offset < count and limit else []

        try:
            with transaction.atomic():
                count, page = within(read, NAME_REGEX_TIMEOUT_MS) if name_regex else read()
        except SearchTooBroad as error:
            raise ApiError(
                f"nameRegex took longer than {NAME_REGEX_TIMEOUT_MS // 1000} s to match the "
                "group names and was stopped: use a simpler pattern (back-references are slow).",
                "BAD_USER_INPUT",
            ) from error
        except DataError as error:
            # A pattern Python accepts and PostgreSQL does not (``(?P<name>…)``): refused
            # there; the savepoint keeps the request's connection usable.
            raise ApiError(
                "nameRegex is not a valid regular expression for the database.",
                "BAD_USER_INPUT",
            ) from error
        batch = loaders.GroupBatch(page, context.access)
        return AuthGroupList(
            records=[AuthGroup(model=g, batch=batch) for g in page],
            count=count,
            offset=offset,
            limit=limit,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a custom auth group.")
    def auth_group_create(self, info: Info, input: CreateAuthGroup) -> AuthGroup:
        context = _context(info)
        group = services.group_create(
            organization=context.organization,
            display_name=input.name,
            description=input.description or "",
            channel=Channel.API,
            actor=context.user,
        )
        return _one(group, context)

    @strawberry.mutation(description="Change an auth group's name or description.")
    def auth_group_update(self, info: Info, input: UpdateAuthGroup) -> AuthGroup:
        context = _context(info)
        group = _group(info, input.id, "change")
        fields = {}
        if input.name is not None:
            fields["display_name"] = input.name
        if input.description is not None:
            fields["description"] = input.description
        group = services.group_update(
            group=group, **fields, channel=Channel.API, actor=context.user
        )
        return _one(group, context)

    @strawberry.mutation(description="Delete a custom auth group (default groups are protected).")
    def auth_group_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        context = _context(info)
        group = _group(info, id, "delete")
        if group.is_default:
            # The service refuses too; aiWARE's clients know this message.
            raise ApiError(PROTECTED_GROUP_MESSAGE, "CONFLICT")
        name, public_id = group.display_name, group.public_id
        services.group_delete(group=group, channel=Channel.API, actor=context.user)
        return DeletePayload(
            id=strawberry.ID(str(public_id)), message=f"Auth group “{name}” was deleted."
        )

    @strawberry.mutation(
        description="Add people (memberType User) and groups (memberType Group), all or nothing."
    )
    def auth_group_add_members(
        self, info: Info, id: strawberry.ID, members: list[AuthGroupMemberInput]
    ) -> AuthGroup:
        context = _context(info)
        group = _group(info, id, "manage_members")
        # Each id must name what its memberType says: a person given as a Group is not found.
        users, _, unknown_users = loaders.members_by_ids(
            context.user,
            context.organization,
            user_ids=[m.id for m in members if m.member_type == MemberType.User],
            group_ids=[],
        )
        _, groups, unknown_groups = loaders.members_by_ids(
            context.user,
            context.organization,
            user_ids=[],
            group_ids=[m.id for m in members if m.member_type == MemberType.Group],
        )
        unknown = list(dict.fromkeys([*unknown_users, *unknown_groups]))
        if unknown:
            raise ApiError(UNKNOWN_MEMBERS_MESSAGE, "NOT_FOUND", memberIds=unknown)
        services.members_add(
            group=group, users=users, groups=groups, channel=Channel.API, actor=context.user
        )
        return _one(group, context)

    @strawberry.mutation(
        description="Remove direct members (people or groups) by id; non-members are a no-op."
    )
    def auth_group_remove_members(
        self, info: Info, id: strawberry.ID, member_ids: list[strawberry.ID]
    ) -> AuthGroup:
        context = _context(info)
        group = _group(info, id, "manage_members")
        users, groups, unknown = loaders.members_by_ids(
            context.user, context.organization, user_ids=member_ids, group_ids=member_ids
        )
        if unknown:
            raise ApiError(UNKNOWN_MEMBERS_MESSAGE, "NOT_FOUND", memberIds=unknown)
        # Someone there only through a member group is refused by the service (CONFLICT).
        services.members_remove(
            group=group, users=users, groups=groups, channel=Channel.API, actor=context.user
        )
        return _one(group, context)


class AdminCenterSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        log_unexpected(errors)


# Every level of a query is batched, so its cost grows with its depth and its aliases (each
# differently-argued ``members`` is one more batch): both are bounded.
MAX_DEPTH = 10
MAX_ALIASES = 20
# A document's size is bounded before it is validated: 700 repeats of one field cost seconds of
# validation (issue 15, item 9). The seed's operations and GraphiQL's introspection (about 200
# tokens) stay far below.
MAX_TOKENS = 500

schema = AdminCenterSchema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ],
)
