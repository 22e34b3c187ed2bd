from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),  # DJANGO_ADMIN_PATH, default "admin/"
    path("", include("guidance.urls")),
]

# The 500 page in our design, rendered without the database or the request.
handler500 = "guidance.views.server_error"
