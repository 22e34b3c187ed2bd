from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),  # DJANGO_ADMIN_PATH, default "admin/"
    # Browsers and feed readers ask for /favicon.ico whatever the page says; the icon is a static file.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    path("", include("guidance.urls")),
]

# The 500 page in our design, rendered without the database or the request.
handler500 = "guidance.views.server_error"
