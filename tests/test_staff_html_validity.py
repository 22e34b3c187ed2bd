"""The staff pages the portal adds or restyles are valid HTML, as the Nu HTML Checker sees them
(one run of it, as tests/test_html_validity.py does for the public pages)."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from guidance.models import Comment, Report
from guidance.moderation import decide
from tests.factories import CommentFactory, QuestionFactory, SectionFactory, ThemeFactory
from tests.html_validity import html_errors
from tests.test_html_validity import checker  # noqa: F401  (the fixture: Java and vnu.jar, or skip)

pytestmark = pytest.mark.django_db


def staff_pages(client, consultation):
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    QuestionFactory(consultation=consultation, position=1)
    ThemeFactory(consultation=consultation, name="Payment")
    comments = [CommentFactory(section=section, text=f"Comment {n}\n\nwith <b>markup</b> & more") for n in range(4)]
    decide(Comment.objects.filter(pk=comments[0].pk), Comment.Status.APPROVED, by=None)
    Report.objects.create(comment=comments[0], reason=Report.Reason.OFFENSIVE, details="Rude")
    moderate = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    pages = {}
    for name, url in {
        "home": reverse("admin:index"),
        "queue": reverse("admin:guidance_comment_changelist"),
        "queue of a consultation": reverse("admin:guidance_comment_changelist")
        + f"?consultation__id__exact={consultation.pk}",
        "a comment": reverse("admin:guidance_comment_change", args=[comments[0].pk]),
        "a consultation": reverse("admin:guidance_consultation_change", args=[consultation.pk]),
        "dashboard": reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]),
        "export": reverse("admin:guidance_consultation_export", args=[consultation.pk]),
        "import": reverse("admin:guidance_consultation_import", args=[consultation.pk]),
        "moderation screen": moderate,
        "moderation screen, reported": moderate + "?queue=reported",
        "moderation screen, recently decided": moderate + "?queue=decided",
        "refused filter": reverse("admin:guidance_comment_changelist") + "?text__regex=(",
    }.items():
        response = client.get(url)
        assert response.status_code in (200, 400), (name, response.status_code)
        pages[name] = response.content.decode()
    shown = comments[1]
    decide_url = reverse("admin:guidance_consultation_moderate_decide", args=[consultation.pk, shown.pk])
    response = client.post(decide_url, {"decision": "rejected", "seen_event_id": 0, "queue": "pending"})
    pages["moderation screen with an error"] = response.content.decode()
    assert "Choose why the comment is rejected." in pages["moderation screen with an error"]
    response = client.post(
        reverse("admin:guidance_comment_changelist"),
        {"action": "reject", "_selected_action": [shown.pk], "index": 0},
    )
    pages["reject from the queue"] = response.content.decode()
    assert "Why reject it?" in pages["reject from the queue"]
    return pages


def test_the_staff_pages_are_valid_html(checker, client, consultation):  # noqa: F811
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    pages = staff_pages(client, consultation)
    assert "This list cannot be filtered that way" in pages["refused filter"]
    # One page broken on purpose, in the same run: a checker that reports nothing cannot pass.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    assert errors.pop("broken on purpose")
    assert errors == {}
