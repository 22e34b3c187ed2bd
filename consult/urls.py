from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("guidance.urls")),
]

# The 500 page in our design, rendered without the database or the request.
handler500 = "guidance.views.server_error"
