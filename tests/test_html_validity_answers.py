"""The pages that show answers with their choices, and the forms with a text over its limit, are
valid HTML, as the Nu HTML Checker sees them (one run of it, as tests/test_html_validity.py does):
public and staff, choice-only answers, "Other" in another script, a 12,000-character paste in
every kind of box, the error on the questions together, and the pages of `make run`."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from guidance.models import Comment, Question
from guidance.moderation.decisions import decide
from guidance.responses import answers
from tests.factories import QuestionFactory, ThemeFactory
from tests.html_validity import html_errors
from tests.journey_helpers import DETAILS, comment_data, publish, section_url
from tests.queue_helpers import act
from tests.test_html_validity import (
    checker,  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
    page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.html]

PASTE = ("A long paste about payment. " * 500)[:12_000]


def respondent_pages(consultation, section, words, clear):
    pages = {}
    client = Client()
    questions = reverse("guidance:questions", args=[consultation.slug])
    partly, other = (str(clear.options.get(label=label).pk) for label in ("Partly", "Other"))
    pages["questions, nothing answered"] = page(client.post(questions, DETAILS))
    pages["questions, 12,000 characters in each box"] = page(
        client.post(
            questions,
            {
                **DETAILS,
                f"answer_{words.pk}": PASTE,
                f"answer_{clear.pk}": other,
                f"answer_{clear.pk}_other": PASTE,
                f"answer_{clear.pk}_text": PASTE,
            },
        )
    )
    pages["comment, 12,000 characters and a long name"] = page(
        client.post(section_url(section, consultation), comment_data(PASTE, name="Ann " * 60))
    )
    pages["answers sent, a choice only"] = page(
        client.post(questions, {**DETAILS, f"answer_{clear.pk}": partly}, follow=True)
    )
    assert "<strong>Answer:</strong> Partly" in pages["answers sent, a choice only"]
    client.post(section_url(section, consultation), comment_data("التوجيه واضح"))
    pages["questions, one answered with a choice"] = page(client.get(questions))
    pages["your response, a choice and a comment"] = page(
        client.get(reverse("guidance:your_response", args=[consultation.slug]))
    )
    answer = Comment.objects.get(question=clear)
    pages["withdraw a choice-only answer"] = page(
        client.get(reverse("guidance:withdraw_comment", args=[consultation.slug, answer.pk]))
    )
    change = reverse("guidance:change_comment", args=[consultation.slug, answer.pk])
    pages["change an answer, 12,000 characters"] = page(
        client.post(change, {f"answer_{clear.pk}": other, f"answer_{clear.pk}_other": PASTE}), 400
    )
    comment = Comment.objects.get(section=section)
    change = reverse("guidance:change_comment", args=[consultation.slug, comment.pk])
    pages["change a comment, 12,000 characters"] = page(client.post(change, {"comment": PASTE}), 400)
    publish(answer)
    publish(comment)
    pages["published, a choice-only answer"] = page(client.get(reverse("guidance:published", args=[consultation.slug])))
    report = reverse("guidance:report_comment", args=[answer.pk])
    pages["report a choice-only answer, 12,000 characters"] = page(
        Client().post(report, {"reason": "other", "details": PASTE})
    )
    pages["accessibility statement"] = page(client.get(reverse("guidance:accessibility")))
    return pages


def make_run_pages(consultation, section, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    client = Client()
    pages = {
        "make run: comment sent": page(client.post(section_url(section, consultation), comment_data(), follow=True)),
        "make run: your response": page(client.get(reverse("guidance:your_response", args=[consultation.slug]))),
        "make run: link asked for": page(
            client.post(reverse("guidance:email_link", args=[consultation.slug]), {"email": ""}, follow=True)
        ),
        "make run: lost link sent": page(
            Client().post(
                reverse("guidance:lost_link", args=[consultation.slug]), {"email": "ann@example.org"}, follow=True
            )
        ),
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return pages


def staff_pages(consultation, clear):
    client = Client()
    client.force_login(User.objects.create_superuser("answers-boss", "boss@example.org", "x"))
    ThemeFactory(consultation=consultation, name="Clarity")
    answer = Comment.objects.get(question=clear)
    Comment.objects.filter(pk=answer.pk).update(status=Comment.Status.PENDING)
    moderate = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    queue = reverse("admin:guidance_comment_changelist")
    pages = {
        "staff: moderation screen, a choice-only answer": page(client.get(moderate)),
        "staff: queue with answers": page(client.get(queue + "?status=all")),
        "staff: reject an answer": page(act(client, "reject", [answer], url=queue + "?status=all")),
        "staff: apply a theme to an answer": page(
            client.post(queue, {"action": "apply_theme", helpers.ACTION_CHECKBOX_NAME: [answer.pk]})
        ),
        "staff: erase a response with an answer": page(
            client.get(reverse("admin:guidance_response_erase", args=[answer.response_id]))
        ),
    }
    decide(Comment.objects.pending(), "approved", by=None)
    pages["staff: recently decided, answers"] = page(client.get(moderate + "?queue=decided"))
    pages["staff: answer one comment"] = page(
        client.get(reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, answer.pk]))
    )
    return pages


def test_pages_showing_choices_and_limits_are_valid_html(checker, consultation, section, settings):  # noqa: F811
    words = QuestionFactory(consultation=consultation, position=1, text="What is missing?")
    clear = QuestionFactory(
        consultation=consultation,
        position=2,
        text="Is it clear?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(clear, ["Yes", "Partly", "No"], offers_other=True)
    pages = {
        **respondent_pages(consultation, section, words, clear),
        **staff_pages(consultation, clear),
        **make_run_pages(consultation, section, settings),
    }
    # One page broken on purpose, in the same run: a checker that reports nothing cannot pass.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    assert errors.pop("broken on purpose")
    assert errors == {}
