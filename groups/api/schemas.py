"""What the API reads and writes. Field names follow LumoAuth's API (seed 001): camelCase,
public UUIDs as ``id``."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field


class Strict(Schema):
    """Request bodies refuse unknown fields instead of silently ignoring them."""

    model_config = ConfigDict(extra="forbid")


class PermissionSetOut(Schema):
    id: UUID
    name: str
    description: str
    protected: bool
    capabilities: list[str]


class PermissionSetRef(Schema):
    id: UUID
    name: str
    protected: bool


class OrganizationRef(Schema):
    id: UUID
    name: str
    slug: str


class GroupOut(Schema):
    id: UUID
    name: str
    slug: str
    description: str
    kind: str
    protected: bool
    memberCount: int
    organization: OrganizationRef
    createdAt: datetime
    updatedAt: datetime


class GroupDetailOut(GroupOut):
    permissionSets: list[PermissionSetRef]


class GroupCreateIn(Strict):
    name: str = Field(max_length=10_000)
    slug: str | None = Field(default=None, max_length=10_000)
    description: str = Field(default="", max_length=100_000)


class GroupUpdateIn(Strict):
    name: str = Field(max_length=10_000)
    slug: str | None = Field(default=None, max_length=10_000)
    description: str = Field(default="", max_length=100_000)


class GroupPatchIn(Strict):
    name: str | None = Field(default=None, max_length=10_000)
    slug: str | None = Field(default=None, max_length=10_000)
    description: str | None = Field(default=None, max_length=100_000)


class UserRef(Schema):
    id: UUID
    email: str
    firstName: str
    lastName: str
    name: str


class UserOut(UserRef):
    isActive: bool


class PersonRef(Schema):
    id: UUID
    name: str


class MemberOut(Schema):
    user: UserRef
    addedAt: datetime
    addedBy: PersonRef | None
    expiresAt: datetime | None


class MembersAddIn(Strict):
    userId: UUID | None = None
    userIds: list[UUID] | None = Field(default=None, max_length=1000)


class MembersAddOut(Schema):
    added: list[UserRef]
    alreadyMembers: list[UserRef]


class RoleAddIn(Strict):
    roleId: UUID


class RolesReplaceIn(Strict):
    roles: list[UUID] = Field(max_length=100)


class UserGroupOut(Schema):
    id: UUID
    name: str
    kind: str
    protected: bool


class UserPermissionsOut(Schema):
    user: UserRef
    organization: OrganizationRef
    capabilities: list[str]
    permissionSets: list[PermissionSetRef]
    groupRights: dict[str, list[str]]


class Meta(Schema):
    total: int
    page: int
    limit: int
    totalPages: int
    hasNextPage: bool
    nextCursor: str | None = None


class GroupPage(Schema):
    data: list[GroupOut]
    meta: Meta


class MemberPage(Schema):
    data: list[MemberOut]
    meta: Meta


class UserPage(Schema):
    data: list[UserOut]
    meta: Meta


class PermissionSetPage(Schema):
    data: list[PermissionSetOut]
    meta: Meta


class ErrorOut(Schema):
    error: bool
    status: int
    code: str
    message: str
    details: dict
