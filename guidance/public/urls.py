from django.contrib.sitemaps.views import sitemap
from django.urls import path

from guidance.public import (
    about_you,
    chat,
    downloads,
    events,
    own_response,
    pages,
    reports,
    responding,
    stories,
    subscribing,
)
from guidance.public.feeds import ConsultationFeed
from guidance.public.sitemaps import SITEMAPS

app_name = "guidance"


urlpatterns = [
    path("", pages.consultation_list, name="consultation_list"),
    path("privacy/", pages.privacy, name="privacy"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("consultations/<slug:slug>/", pages.consultation_detail, name="consultation"),
    path("consultations/<slug:slug>/draft/", pages.draft, name="draft"),
    path("consultations/<slug:slug>/draft/<slug:section_slug>/", responding.section, name="section"),
    path("consultations/<slug:slug>/what-changed/", pages.what_changed, name="what_changed"),
    path("consultations/<slug:slug>/new-version/", pages.new_version, name="new_version"),
    path("consultations/<slug:slug>/questions/", responding.questions, name="questions"),
    path("consultations/<slug:slug>/sent/", responding.confirmation, name="confirmation"),
    path("consultations/<slug:slug>/responses/", pages.published, name="published"),
    # The published responses as open data (guidance/public/downloads.py), and the feed of consultations.
    path("consultations/<slug:slug>/responses.csv", downloads.published_csv, name="published_csv"),
    path("consultations/<slug:slug>/responses.json", downloads.published_json, name="published_json"),
    path("consultations/<slug:slug>/responses/data/", downloads.data_dictionary, name="open_data"),
    path("consultations/feed.atom", ConsultationFeed(), name="consultation_feed"),
    path("consultations/<slug:slug>/preview/<str:token>/", pages.preview_link, name="preview_link"),
    path(
        "consultations/<slug:slug>/documents/<int:document_id>/",
        pages.supporting_document,
        name="supporting_document",
    ),
    # The respondent's own response (guidance/public/own_response.py).
    path("consultations/<slug:slug>/your-response/", own_response.your_response, name="your_response"),
    path(
        "consultations/<slug:slug>/your-response/comments/<int:comment_id>/change/",
        own_response.change_comment,
        name="change_comment",
    ),
    path(
        "consultations/<slug:slug>/your-response/comments/<int:comment_id>/withdraw/",
        own_response.withdraw_comment,
        name="withdraw_comment",
    ),
    path(
        "consultations/<slug:slug>/your-response/withdraw/",
        own_response.withdraw_response,
        name="withdraw_response",
    ),
    path(
        "consultations/<slug:slug>/your-response/withdrawn/",
        own_response.response_withdrawn,
        name="response_withdrawn",
    ),
    path("consultations/<slug:slug>/your-response/choices/", own_response.choices, name="response_choices"),
    path("consultations/<slug:slug>/your-response/about-you/", about_you.about_you, name="about_you"),
    path("consultations/<slug:slug>/your-response/link/", own_response.email_link, name="email_link"),
    path("consultations/<slug:slug>/your-response/links/stop/", own_response.revoke_links, name="revoke_links"),
    path("consultations/<slug:slug>/your-response/device/", own_response.this_device, name="this_device"),
    path("consultations/<slug:slug>/forget-me/", own_response.forget_device, name="forget_device"),
    path("consultations/<slug:slug>/forgotten/", own_response.device_forgotten, name="device_forgotten"),
    path("consultations/<slug:slug>/continue/<str:token>/", own_response.continue_response, name="continue"),
    path("consultations/<slug:slug>/lost-link/", own_response.lost_link, name="lost_link"),
    path("consultations/<slug:slug>/lost-link/sent/", own_response.lost_link_sent, name="lost_link_sent"),
    path("consultations/<slug:slug>/events/<slug:event>/story/", stories.story, name="event_story"),
    path("emails/stop/<str:token>/", own_response.unsubscribe, name="unsubscribe"),
    # A consultation's events (guidance/public/events.py).
    path("consultations/<slug:slug>/events/<slug:event>/", events.event_page, name="event"),
    path("consultations/<slug:slug>/events/<slug:event>/event.ics", events.event_ics, name="event_ics"),
    path("consultations/<slug:slug>/events/<slug:event>/signed-up/", events.signed_up, name="event_signed_up"),
    path("consultations/<slug:slug>/events/<slug:event>/cancel/<str:token>/", events.cancel, name="event_cancel"),
    path("comments/<int:pk>/report/", reports.report_comment, name="report_comment"),
    path("comments/reported/", reports.report_sent, name="report_sent"),
    # A chat hour held on the portal (guidance/public/chat.py).
    path("consultations/<slug:slug>/events/<slug:event>/chat/", chat.chat_page, name="event_chat"),
    path(
        "consultations/<slug:slug>/events/<slug:event>/chat/messages/",
        chat.chat_messages,
        name="event_chat_messages",
    ),
    # Subscriptions by email (guidance/public/subscribing.py); the tokens are left out of the logs.
    path("subscribe/", subscribing.subscribe, name="subscribe"),
    path("subscribe/check-your-email/", subscribing.check_email, name="subscribe_check_email"),
    path("subscribe/confirm/<str:token>/", subscribing.confirm, name="subscribe_confirm"),
    path("subscriptions/manage/<str:token>/", subscribing.manage, name="subscriptions"),
    path("subscriptions/stop/<str:token>/", subscribing.stop, name="subscriptions_stop"),
    path("subscriptions/ended/", subscribing.ended, name="subscriptions_ended"),
]
