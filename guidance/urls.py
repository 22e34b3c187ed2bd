from django.contrib.sitemaps.views import sitemap
from django.urls import path

from guidance import views
from guidance.sitemaps import SITEMAPS

app_name = "guidance"

urlpatterns = [
    path("", views.consultation_list, name="consultation_list"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation"),
    path("consultations/<slug:slug>/draft/", views.draft, name="draft"),
    path("consultations/<slug:slug>/draft/<slug:section_slug>/", views.section, name="section"),
    path("consultations/<slug:slug>/questions/", views.questions, name="questions"),
    path("consultations/<slug:slug>/sent/", views.confirmation, name="confirmation"),
    path("consultations/<slug:slug>/responses/", views.published, name="published"),
    path("consultations/<slug:slug>/preview/<str:token>/", views.preview_link, name="preview_link"),
    path(
        "consultations/<slug:slug>/documents/<int:document_id>/",
        views.supporting_document,
        name="supporting_document",
    ),
    path("comments/<int:pk>/report/", views.report_comment, name="report_comment"),
    path("comments/reported/", views.report_sent, name="report_sent"),
]
