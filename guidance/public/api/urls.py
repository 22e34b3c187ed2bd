"""The open data API's addresses, under /api/v1/ (consult/urls.py), namespace "api"."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from guidance.public.api import views

app_name = "api"

urlpatterns = [
    path("consultations/", views.ConsultationList.as_view(), name="consultations"),
    path("consultations/<slug:slug>/", views.ConsultationDetail.as_view(), name="consultation"),
    path("consultations/<slug:slug>/sections/", views.SectionList.as_view(), name="sections"),
    path("consultations/<slug:slug>/questions/", views.QuestionList.as_view(), name="questions"),
    path("consultations/<slug:slug>/comments/", views.CommentList.as_view(), name="comments"),
    path("consultations/<slug:slug>/statistics/", views.Statistics.as_view(), name="statistics"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
]
