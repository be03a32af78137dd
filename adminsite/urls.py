from django.contrib import admin
from django.urls import path

from . import views

admin.site.site_header = "Admin Center · operators"
admin.site.site_title = "Admin Center"
admin.site.index_title = "Organizations, users, groups and their rights"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
