from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),  # DJANGO_ADMIN_PATH, default "admin/"
    path("", include("guidance.urls")),
]
