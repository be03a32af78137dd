"""What the API reads and writes. Field names follow LumoAuth's API (seed 001): camelCase,
public UUIDs as ``id``."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from apis.common.schemas import Strict


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
    memberCount: int = Field(
        description="Exact up to 10,000. Above: in a list, 10,001 (“more than 10,000”); in a "
        "group's details, PostgreSQL's estimate. memberCountExact says which."
    )
    memberCountExact: bool
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
    expiresAt: datetime | None = Field(
        default=None, description="When the new memberships end (temporary access)."
    )
    expiresInDays: int | None = Field(
        default=None, ge=1, le=3650, description="Or: how many days they last."
    )


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
    total: int = Field(description="Exact up to 10,000; above, an estimate (see totalExact).")
    totalExact: bool = True
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


# --- nesting, resources, grants, access -------------------------------------------------------

AccessType = Literal["CREATE", "READ", "UPDATE", "DELETE", "EXECUTE"]


class InheritedMemberOut(MemberOut):
    direct: bool
    via: list[str]


class InheritedMemberPage(Schema):
    data: list[InheritedMemberOut]
    meta: Meta


class MemberGroupOut(Schema):
    id: UUID
    name: str
    memberCount: int


class MemberGroupPage(Schema):
    data: list[MemberGroupOut]
    meta: Meta


class MemberGroupsAddIn(Strict):
    groupId: UUID | None = None
    groupIds: list[UUID] | None = Field(default=None, max_length=1000)


class GroupRef(Schema):
    id: UUID
    name: str


class MemberGroupsAddOut(Schema):
    added: list[GroupRef]
    alreadyMembers: list[GroupRef]


class ResourceRef(Schema):
    id: UUID
    type: str
    key: str
    name: str


class ResourceOut(ResourceRef):
    ref: str
    folder: ResourceRef | None
    createdAt: datetime


class ResourcePage(Schema):
    data: list[ResourceOut]
    meta: Meta


class ResourceCreateIn(Strict):
    type: str = Field(max_length=200)
    key: str = Field(max_length=10_000)
    name: str = Field(default="", max_length=10_000)
    folderId: UUID | None = None


class ResourceMoveIn(Strict):
    folderId: UUID | None = None


class SubjectOut(Schema):
    type: Literal["user", "group"]
    id: UUID
    name: str


class AccessHolderOut(Schema):
    subject: SubjectOut
    via: Literal["direct", "folder", "organization"]
    grantId: UUID


class ResourceDetailOut(ResourceOut):
    access: dict[str, list[AccessHolderOut]]


class ResourceTypeOut(Schema):
    key: str
    name: str
    accessTypes: list[str]
    folder: bool


class ResourceTypePage(Schema):
    data: list[ResourceTypeOut]
    meta: Meta


class TargetOut(Schema):
    type: Literal["organization", "resource"]
    id: UUID
    name: str
    ref: str | None = None


class GrantOut(Schema):
    id: UUID
    subject: SubjectOut
    target: TargetOut
    access: list[str]
    permissionSet: PermissionSetRef | None
    createdAt: datetime


class GrantPage(Schema):
    data: list[GrantOut]
    meta: Meta


class SubjectIn(Strict):
    type: Literal["user", "group"]
    id: UUID


class TargetIn(Strict):
    type: Literal["organization", "resource"]
    id: UUID | None = None


class GrantCreateIn(Strict):
    subject: SubjectIn
    target: TargetIn
    access: list[str] | None = Field(default=None, max_length=10)
    permissionSetId: UUID | None = None


class AccessCheckOut(Schema):
    allowed: bool


class StepOut(Schema):
    kind: str
    name: str
    id: str | None


class PathOut(Schema):
    steps: list[StepOut]
    removableBy: list[str]


class AccessExplainOut(Schema):
    allowed: bool
    paths: list[PathOut]


class GroupAccessOut(Schema):
    grant: GrantOut
    access: list[str]
    inheritedFrom: GroupRef | None


class GroupAccessPage(Schema):
    data: list[GroupAccessOut]
    meta: Meta


class UserAccessOut(Schema):
    grant: GrantOut
    access: list[str]


class UserAccessPage(Schema):
    data: list[UserAccessOut]
    meta: Meta
