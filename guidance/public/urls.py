from django.contrib.sitemaps.views import sitemap
from django.urls import path

from guidance.public import respondent_views, views
from guidance.public.sitemaps import SITEMAPS

app_name = "guidance"


urlpatterns = [
    path("", views.consultation_list, name="consultation_list"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation"),
    path("consultations/<slug:slug>/draft/", views.draft, name="draft"),
    path("consultations/<slug:slug>/draft/<slug:section_slug>/", views.section, name="section"),
    path("consultations/<slug:slug>/what-changed/", views.what_changed, name="what_changed"),
    path("consultations/<slug:slug>/new-version/", views.new_version, name="new_version"),
    path("consultations/<slug:slug>/questions/", views.questions, name="questions"),
    path("consultations/<slug:slug>/sent/", views.confirmation, name="confirmation"),
    path("consultations/<slug:slug>/responses/", views.published, name="published"),
    path("consultations/<slug:slug>/preview/<str:token>/", views.preview_link, name="preview_link"),
    path(
        "consultations/<slug:slug>/documents/<int:document_id>/",
        views.supporting_document,
        name="supporting_document",
    ),
    # The respondent's own response (guidance/public/respondent_views.py).
    path("consultations/<slug:slug>/your-response/", respondent_views.your_response, name="your_response"),
    path(
        "consultations/<slug:slug>/your-response/comments/<int:comment_id>/change/",
        respondent_views.change_comment,
        name="change_comment",
    ),
    path(
        "consultations/<slug:slug>/your-response/comments/<int:comment_id>/withdraw/",
        respondent_views.withdraw_comment,
        name="withdraw_comment",
    ),
    path(
        "consultations/<slug:slug>/your-response/withdraw/",
        respondent_views.withdraw_response,
        name="withdraw_response",
    ),
    path(
        "consultations/<slug:slug>/your-response/withdrawn/",
        respondent_views.response_withdrawn,
        name="response_withdrawn",
    ),
    path("consultations/<slug:slug>/your-response/choices/", respondent_views.choices, name="response_choices"),
    path("consultations/<slug:slug>/your-response/link/", respondent_views.email_link, name="email_link"),
    path("consultations/<slug:slug>/your-response/links/stop/", respondent_views.revoke_links, name="revoke_links"),
    path("consultations/<slug:slug>/your-response/device/", respondent_views.this_device, name="this_device"),
    path("consultations/<slug:slug>/continue/<str:token>/", respondent_views.continue_response, name="continue"),
    path("emails/stop/<str:token>/", respondent_views.unsubscribe, name="unsubscribe"),
    path("comments/<int:pk>/report/", views.report_comment, name="report_comment"),
    path("comments/reported/", views.report_sent, name="report_sent"),
]
