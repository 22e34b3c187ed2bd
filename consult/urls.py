from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),  # DJANGO_ADMIN_PATH, default "admin/"
    # Browsers and feed readers ask for /favicon.ico whatever the page says; the icon is a static file.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    path("", include("guidance.public.urls")),
    # The open data API (guidance/public/api/, docs/open-data.md).
    path("api/v1/", include("guidance.public.api.urls")),
]

# The error pages in our design. 400 and 500 are rendered without the database or the request;
# none of them reads the body of the request again (guidance/public/errors.py explains why).
handler400 = "guidance.public.errors.bad_request"
handler403 = "guidance.public.errors.permission_denied"
handler404 = "guidance.public.errors.page_not_found"
handler500 = "guidance.public.errors.server_error"
