from django.urls import path

from . import views, views_bulk, views_resources, views_trash, views_users

app_name = "groups"

# Under /t/<org_slug>/portal/access-management/ (seed 001's path).
urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/deleted/", views_trash.deleted_group_list, name="deleted_group_list"),
    path(
        "groups/deleted/<uuid:deleted_id>/restore/",
        views_trash.deleted_group_restore,
        name="deleted_group_restore",
    ),
    path("groups/<uuid:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<uuid:group_id>/permissions/", views.group_permissions, name="group_permissions"),
    path("groups/<uuid:group_id>/settings/", views.group_settings, name="group_settings"),
    path("groups/<uuid:group_id>/access/", views.group_access, name="group_access"),
    path("groups/<uuid:group_id>/history/", views.group_history, name="group_history"),
    path("groups/<uuid:group_id>/access/add/", views.grant_add, name="grant_add"),
    path(
        "groups/<uuid:group_id>/access/<uuid:grant_id>/remove/",
        views.grant_remove,
        name="grant_remove",
    ),
    path(
        "groups/<uuid:group_id>/member-groups/add/",
        views.member_group_add,
        name="member_group_add",
    ),
    path(
        "groups/<uuid:group_id>/member-groups/<uuid:child_id>/remove/",
        views.member_group_remove,
        name="member_group_remove",
    ),
    path("users/<uuid:user_id>/", views_users.user_detail, name="user_detail"),
    path("resources/", views_resources.resource_list, name="resource_list"),
    path(
        "resources/<uuid:resource_id>/",
        views_resources.resource_detail,
        name="resource_detail",
    ),
    path("groups/<uuid:group_id>/delete/", views.group_delete, name="group_delete"),
    path("groups/<uuid:group_id>/members/add/", views.members_add, name="members_add"),
    path(
        "groups/<uuid:group_id>/members/import/",
        views_bulk.members_import,
        name="members_import",
    ),
    path(
        "groups/<uuid:group_id>/members/remove/",
        views_bulk.members_remove,
        name="members_remove",
    ),
    path(
        "groups/<uuid:group_id>/members/export.csv",
        views_bulk.members_export,
        name="members_export",
    ),
    path(
        "groups/<uuid:group_id>/members/<uuid:user_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "groups/<uuid:group_id>/permissions/add/",
        views.permission_set_add,
        name="permission_set_add",
    ),
    path(
        "groups/<uuid:group_id>/permissions/<uuid:set_id>/remove/",
        views.permission_set_remove,
        name="permission_set_remove",
    ),
]
