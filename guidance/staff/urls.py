"""Every staff page, mounted under the admin by PortalAdminSite.get_urls: each behind the admin's
sign-in (AdminSite.admin_view) and named in the admin's namespace, as admin:<name>. Each view
checks its own permission with permission_required."""

from django.urls import path

from guidance.staff import analysis, erasure, exporting, importing, moderation


def staff_urls(site):
    page = site.admin_view
    consultation = "guidance/consultation/<int:consultation_id>"
    return [
        # Moderation
        path(f"{consultation}/moderate/", page(moderation.screen), name="guidance_consultation_moderate"),
        path(
            f"{consultation}/moderate/<int:comment_id>/",
            page(moderation.screen_decide),
            name="guidance_consultation_moderate_decide",
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
        # Importing responses received elsewhere
        path(f"{consultation}/import/", page(importing.upload), name="guidance_consultation_import"),
        path(f"{consultation}/import/preview/", page(importing.preview), name="guidance_consultation_import_preview"),
        # Exporting
        path(f"{consultation}/export/", page(exporting.export), name="guidance_consultation_export"),
        # Erasure on request
        path("guidance/response/erase/", page(erasure.find), name="guidance_response_erase_find"),
        path("guidance/response/erase/<int:response_id>/", page(erasure.confirm), name="guidance_response_erase"),
    ]
