from django.urls import path

from .views import access, bulk, deleted, groups, history, members, permissions, resources, users

app_name = "groups"

# Under /t/<org_slug>/portal/access-management/ (seed 001's path).
urlpatterns = [
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/deleted/", deleted.deleted_group_list, name="deleted_group_list"),
    path(
        "groups/deleted/<uuid:deleted_id>/restore/",
        deleted.deleted_group_restore,
        name="deleted_group_restore",
    ),
    path("groups/<uuid:group_id>/", groups.group_detail, name="group_detail"),
    path(
        "groups/<uuid:group_id>/permissions/",
        permissions.group_permissions,
        name="group_permissions",
    ),
    path("groups/<uuid:group_id>/settings/", groups.group_settings, name="group_settings"),
    path("groups/<uuid:group_id>/access/", access.group_access, name="group_access"),
    path("groups/<uuid:group_id>/history/", history.group_history, name="group_history"),
    path("groups/<uuid:group_id>/access/add/", access.grant_add, name="grant_add"),
    path(
        "groups/<uuid:group_id>/access/<uuid:grant_id>/remove/",
        access.grant_remove,
        name="grant_remove",
    ),
    path(
        "groups/<uuid:group_id>/member-groups/add/",
        members.member_group_add,
        name="member_group_add",
    ),
    path(
        "groups/<uuid:group_id>/member-groups/<uuid:child_id>/remove/",
        members.member_group_remove,
        name="member_group_remove",
    ),
    path("users/<uuid:user_id>/", users.user_detail, name="user_detail"),
    path("resources/", resources.resource_list, name="resource_list"),
    path(
        "resources/<uuid:resource_id>/",
        resources.resource_detail,
        name="resource_detail",
    ),
    path("groups/<uuid:group_id>/delete/", groups.group_delete, name="group_delete"),
    path("groups/<uuid:group_id>/members/add/", members.members_add, name="members_add"),
    path(
        "groups/<uuid:group_id>/members/import/",
        bulk.members_import,
        name="members_import",
    ),
    path(
        "groups/<uuid:group_id>/members/remove/",
        bulk.members_remove,
        name="members_remove",
    ),
    path(
        "groups/<uuid:group_id>/members/export.csv",
        bulk.members_export,
        name="members_export",
    ),
    path(
        "groups/<uuid:group_id>/members/<uuid:user_id>/remove/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "groups/<uuid:group_id>/permissions/add/",
        permissions.permission_set_add,
        name="permission_set_add",
    ),
    path(
        "groups/<uuid:group_id>/permissions/<uuid:set_id>/remove/",
        permissions.permission_set_remove,
        name="permission_set_remove",
    ),
]
