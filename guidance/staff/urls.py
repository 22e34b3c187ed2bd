"""Every staff page, mounted under the admin by PortalAdminSite.get_urls: each behind the admin's
sign-in (AdminSite.admin_view) and named in the admin's namespace, as admin:<name>. Each view
checks its own permission with permission_required."""

from django.urls import path

from guidance.staff import (
    analysis,
    breakdowns,
    chat,
    drafts,
    erasure,
    events,
    exporting,
    importing,
    moderation,
    outcome_previews,
    publishing,
    quotes,
    replies,
    stories,
    suggested_themes,
    team,
    versions,
)


def staff_urls(site):
    page = site.admin_view
    consultation = "guidance/consultation/<int:consultation_id>"
    document = "guidance/document/<int:document_id>"
    return [
        # Moderation
        path(f"{consultation}/moderate/", page(moderation.screen), name="guidance_consultation_moderate"),
        path(
            f"{consultation}/moderate/<int:comment_id>/",
            page(moderation.screen_decide),
            name="guidance_consultation_moderate_decide",
        ),
        path(
            f"{consultation}/moderate/<int:comment_id>/redact/",
            page(moderation.screen_redact),
            name="guidance_consultation_moderate_redact",
        ),
        path(
            f"{consultation}/moderate/<int:comment_id>/skip/",
            page(moderation.screen_skip),
            name="guidance_consultation_moderate_skip",
        ),
        path(
            f"{consultation}/moderate/<int:comment_id>/note/",
            page(moderation.screen_note),
            name="guidance_consultation_moderate_note",
        ),
        path("guidance/comment/<int:comment_id>/decide/", page(moderation.decide), name="guidance_comment_decide"),
        # Analysis
        path(f"{consultation}/dashboard/", page(analysis.dashboard), name="guidance_consultation_dashboard"),
        path(f"{consultation}/breakdowns/", page(breakdowns.breakdown), name="guidance_consultation_breakdowns"),
        # Quotes for the report
        path(f"{consultation}/quotes/", page(quotes.shortlist), name="guidance_consultation_quotes"),
        path(f"{consultation}/quotes.csv", page(quotes.download), name="guidance_consultation_quotes_csv"),
        path("guidance/comment/<int:comment_id>/quotable/", page(quotes.mark), name="guidance_comment_quotable"),
        # Suggested themes and code by example
        path(f"{consultation}/themes/", page(suggested_themes.overview), name="guidance_consultation_themes"),
        path(
            f"{consultation}/themes/suggest/", page(suggested_themes.ask), name="guidance_consultation_suggest_themes"
        ),
        path(
            f"{consultation}/themes/suggested/<int:run_id>/",
            page(suggested_themes.run_page),
            name="guidance_suggestion_run",
        ),
        path(
            f"{consultation}/themes/suggested/<int:run_id>/merge/",
            page(suggested_themes.merge),
            name="guidance_suggestion_merge",
        ),
        path(
            f"{consultation}/themes/suggested/<int:run_id>/<int:number>/accept/",
            page(suggested_themes.accept),
            name="guidance_suggestion_accept",
        ),
        path(
            f"{consultation}/themes/suggested/<int:run_id>/<int:number>/discard/",
            page(suggested_themes.discard),
            name="guidance_suggestion_discard",
        ),
        path(
            "guidance/theme/<int:theme_id>/suggested/", page(suggested_themes.review), name="guidance_theme_suggestions"
        ),
        path(
            "guidance/theme/<int:theme_id>/suggested/decide/",
            page(suggested_themes.decide),
            name="guidance_theme_suggestions_decide",
        ),
        path(
            "guidance/theme/<int:theme_id>/by-example/",
            page(suggested_themes.by_example),
            name="guidance_theme_by_example",
        ),
        # Importing responses received elsewhere
        path(f"{consultation}/import/", page(importing.upload), name="guidance_consultation_import"),
        path(f"{consultation}/import/preview/", page(importing.preview), name="guidance_consultation_import_preview"),
        # Exporting
        path(f"{consultation}/export/", page(exporting.export), name="guidance_consultation_export"),
        path(
            f"{consultation}/you-said-we-did.csv",
            page(exporting.you_said_we_did),
            name="guidance_consultation_you_said_we_did",
        ),
        # Publishing, preview links and supporting documents
        path(f"{consultation}/publish/", page(publishing.publish_page), name="guidance_consultation_publish"),
        path(
            f"{consultation}/preview-links/",
            page(publishing.make_preview_link),
            name="guidance_consultation_preview_link_add",
        ),
        path(
            f"{consultation}/preview-links/<int:link_id>/revoke/",
            page(publishing.revoke_preview_link),
            name="guidance_consultation_preview_link_revoke",
        ),
        path(f"{consultation}/documents/", page(publishing.documents), name="guidance_consultation_documents"),
        path(
            f"{consultation}/documents/<int:document_id>/remove/",
            page(publishing.remove_document),
            name="guidance_consultation_document_remove",
        ),
        # You said, we did
        path(f"{consultation}/replies/", page(replies.overview), name="guidance_consultation_replies"),
        path(
            f"{consultation}/replies/comment/<int:comment_id>/",
            page(replies.comment_page),
            name="guidance_consultation_reply_comment",
        ),
        path(
            f"{consultation}/outcome-preview/",
            page(outcome_previews.overview),
            name="guidance_consultation_outcome_preview",
        ),
        path(
            f"{consultation}/outcome-preview/what-changed/",
            page(outcome_previews.what_changed),
            name="guidance_consultation_outcome_preview_what_changed",
        ),
        # The next version of the consulted document
        path(f"{consultation}/versions/", page(versions.overview), name="guidance_consultation_versions"),
        path(f"{consultation}/versions/copy/", page(versions.copy), name="guidance_consultation_version_copy"),
        path(
            f"{consultation}/versions/import/",
            page(versions.import_upload),
            name="guidance_consultation_version_import",
        ),
        path(
            f"{consultation}/versions/import/preview/",
            page(versions.import_preview),
            name="guidance_consultation_version_import_preview",
        ),
        path(
            f"{consultation}/versions/<int:document_id>/links/",
            page(versions.links),
            name="guidance_consultation_version_links",
        ),
        # A document's sections and importing its draft
        path(f"{document}/sections/", page(drafts.section_list), name="guidance_document_sections"),
        path(f"{document}/sections/move/", page(drafts.move_section), name="guidance_document_section_move"),
        path(f"{document}/sections/numbers/", page(drafts.renumber_sections), name="guidance_document_section_numbers"),
        path(f"{document}/import/", page(drafts.import_upload), name="guidance_document_import"),
        path(f"{document}/import/preview/", page(drafts.import_preview), name="guidance_document_import_preview"),
        path(
            "guidance/section/<int:section_id>/preview/", page(drafts.section_preview), name="guidance_section_preview"
        ),
        # Staff members (adding one is the user list's own Add page: StaffMemberAdmin.add_view)
        path(
            "auth/user/<int:user_id>/send-password-email/",
            page(team.send_password_email),
            name="staff_member_send_password_email",
        ),
        path("auth/user/<int:user_id>/remove-access/", page(team.remove_access), name="staff_member_remove_access"),
        # Running a chat hour: the host's screen and the live moderation queue
        path("guidance/event/<int:event_id>/host/", page(chat.host), name="guidance_event_chat_host"),
        path("guidance/event/<int:event_id>/host/put/", page(chat.put_question), name="guidance_event_chat_put"),
        path("guidance/event/<int:event_id>/host/say/", page(chat.host_message), name="guidance_event_chat_say"),
        path("guidance/event/<int:event_id>/queue/", page(chat.queue), name="guidance_event_chat_queue"),
        path(
            "guidance/event/<int:event_id>/queue/waiting/",
            page(chat.queue_waiting),
            name="guidance_event_chat_waiting",
        ),
        path(
            "guidance/event/<int:event_id>/queue/<int:message_id>/",
            page(chat.queue_decide),
            name="guidance_event_chat_decide",
        ),
        # Erasure on request
        path("guidance/response/erase/", page(erasure.find), name="guidance_response_erase_find"),
        path("guidance/response/erase/<int:response_id>/", page(erasure.confirm), name="guidance_response_erase"),
        # The stories of a consultation's events
        path(f"{consultation}/stories/", page(stories.overview), name="guidance_consultation_stories"),
        path("guidance/event/<int:event_id>/story/", page(stories.editor), name="guidance_event_story"),
        path("guidance/event/<int:event_id>/story/start/", page(stories.start), name="guidance_event_story_start"),
        path(
            "guidance/event/<int:event_id>/story/details/", page(stories.details), name="guidance_event_story_details"
        ),
        path(
            "guidance/event/<int:event_id>/story/messages/",
            page(stories.add_message),
            name="guidance_event_story_add_message",
        ),
        path(
            "guidance/event/<int:event_id>/story/words/", page(stories.add_words), name="guidance_event_story_add_words"
        ),
        path(
            "guidance/event/<int:event_id>/story/items/<int:item_id>/move/",
            page(stories.move),
            name="guidance_event_story_move",
        ),
        path(
            "guidance/event/<int:event_id>/story/items/<int:item_id>/remove/",
            page(stories.remove),
            name="guidance_event_story_remove",
        ),
        path(
            "guidance/event/<int:event_id>/story/publish/", page(stories.publish), name="guidance_event_story_publish"
        ),
        path(
            "guidance/event/<int:event_id>/story/preview/", page(stories.preview), name="guidance_event_story_preview"
        ),
        path(
            "guidance/subscriber/erase/<int:subscriber_id>/",
            page(erasure.erase_subscriptions),
            name="guidance_subscriber_erase",
        ),
        path("guidance/response/erase/sign-ups/", page(erasure.erase_signups), name="guidance_eventsignup_erase"),
        # A consultation's events (their pages are EventAdmin's)
        path(
            "guidance/event/<int:event_id>/publish-notes/",
            page(events.publish_notes),
            name="guidance_event_publish_notes",
        ),
        path("guidance/event/<int:event_id>/sign-ups.csv", page(events.signup_list), name="guidance_event_signups_csv"),
    ]
