from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods

from apis.graphql.views import graphql
from apis.rest import api

from . import views

# Hardening: a lost database connection answers 503 with Retry-After, other failures 500.
handler500 = "adminsite.views.server_error"

admin.site.site_header = "Admin Center · operators"
admin.site.site_title = "Admin Center"
admin.site.index_title = "Organizations, users, groups and their rights"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        require_http_methods(["GET", "POST"])(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("t/<slug:org_slug>/portal/access-management/", include("groups.urls")),
    path("t/<slug:org_slug>/portal/access-management/", include("accounts.urls")),
    path("t/<slug:org_slug>/portal/access-management/", include("audit.urls")),
    path("t/<slug:org_slug>/api/v1/", api.urls),
    path("api/", include("apis.conductor")),
    path("graphql", graphql, name="graphql"),
    path("admin/", admin.site.urls),
]
