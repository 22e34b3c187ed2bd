from django.urls import path

from guidance import views

app_name = "guidance"

urlpatterns = [
    path("", views.consultation_list, name="consultation_list"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation"),
]
