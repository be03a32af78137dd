from django.urls import path

from . import views

app_name = "accounts"

# Under /t/<org_slug>/portal/access-management/.
urlpatterns = [
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path(
        "settings/api-keys/<uuid:key_id>/revoke/",
        views.api_key_revoke_view,
        name="api_key_revoke",
    ),
]
