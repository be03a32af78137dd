from django.urls import path

from . import views

app_name = "audit"

# Under /t/<org_slug>/portal/access-management/. A group's History tab is one of the group's
# pages (``groups:group_history``); a person's history is on their page.
urlpatterns = [
    path("audit-log/", views.audit_log, name="audit_log"),
    path("audit-log/export.csv", views.audit_log_export, name="audit_log_export"),
]
