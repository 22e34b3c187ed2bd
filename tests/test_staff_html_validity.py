"""The staff pages the portal adds or restyles are valid HTML, as the Nu HTML Checker sees them
(one run of it, as tests/test_html_validity.py does for the public pages)."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from guidance.analysis.quotes import mark_quotable
from guidance.consultations import previews, supporting, versions
from guidance.models import Comment, Consultation, Report, SuggestionRun, Theme
from guidance.moderation.decisions import decide
from guidance.outcomes import replies
from guidance.responses import answers
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DocumentFactory,
    QuestionFactory,
    SectionFactory,
    ThemeFactory,
)
from tests.form_helpers import form_data
from tests.html_validity import html_errors
from tests.test_html_validity import (
    checker,  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
    page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.html]
DAY = datetime.timedelta(days=1)


def staff_pages(client, consultation):
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    QuestionFactory(consultation=consultation, position=1)
    ThemeFactory(consultation=consultation, name="Payment")
    comments = [CommentFactory(section=section, text=f"Comment {n}\n\nwith <b>markup</b> & more") for n in range(4)]
    decide(Comment.objects.filter(pk=comments[0].pk), Comment.Status.APPROVED, by=None)
    Report.objects.create(comment=comments[0], reason=Report.Reason.OFFENSIVE, details="Rude")
    mark_quotable(Comment.objects.filter(pk=comments[0].pk), by=None)
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
        "quotes": reverse("admin:guidance_consultation_quotes", args=[consultation.pk]),
        "quotes of a theme not there": reverse("admin:guidance_consultation_quotes", args=[consultation.pk])
        + "?theme=Elsewhere",
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
        {"action": "reject", "_selected_action": [shown.pk], "index": 0, "shown": f"{shown.pk}:0"},
    )
    pages["reject from the queue"] = response.content.decode()
    assert "Why reject it?" in pages["reject from the queue"]
    response = client.post(
        reverse("admin:guidance_comment_changelist"),
        {"action": "reject_groups", "_selected_action": [shown.pk], "index": 0},
    )
    pages["reject a whole group from the queue"] = response.content.decode()
    assert "only the comments listed here are decided" in pages["reject a whole group from the queue"]
    redact_url = reverse("admin:guidance_consultation_moderate_redact", args=[consultation.pk, comments[2].pk])
    pages["redact and publish"] = client.get(redact_url).content.decode()
    pages["redact a published comment"] = client.get(
        reverse("admin:guidance_consultation_moderate_redact", args=[consultation.pk, comments[0].pk])
    ).content.decode()
    response = client.post(redact_url, {"text": "Comment 2 [redacted] changed", "reason_code": "", "seen_event_id": 0})
    pages["redaction refused"] = response.content.decode()
    assert response.status_code == 400 and "Choose why the words are redacted." in pages["redaction refused"]
    response = client.post(
        reverse("admin:guidance_consultation_export", args=[consultation.pk]), {"layout": "comments", "status": "x"}
    )
    pages["export refused"] = response.content.decode()
    assert "is not a status" in pages["export refused"]
    breakdowns = reverse("admin:guidance_consultation_breakdowns", args=[consultation.pk])
    Consultation.objects.filter(pk=consultation.pk).update(equality_questions=["ethnic_group", "region"])
    choice = QuestionFactory(consultation=consultation, position=2, kind="agreement")
    answers.set_options(choice)
    pages["breakdowns, nothing chosen"] = page(client.get(breakdowns))
    pages["breakdown of a question by type of respondent"] = page(
        client.get(breakdowns, {"target": f"q{choice.pk}", "by": "respondent_type"})
    )
    pages["breakdown of a section by ethnic group"] = page(
        client.get(breakdowns, {"target": f"s{section.pk}", "by": "ethnic_group"})
    )
    assert "fewer than 5" in pages["breakdown of a section by ethnic group"]
    pages["breakdown refused"] = page(client.get(breakdowns, {"target": "q0", "by": "channel"}), 400)
    pages.update(suggested_theme_pages(client, consultation, section))
    return pages


def suggested_theme_pages(client, consultation, section):
    """The suggested-themes pages: asking (and refused), a run's suggestions (and a refused name),
    one waiting for the worker, and a theme's comments waiting for review."""
    words = ["Pay people for their time", "Training for researchers", "Meetings in accessible rooms"]
    many = [CommentFactory(section=section, text=f"{words[n % 3]}, point {n}") for n in range(9)]
    Comment.objects.filter(pk__in=[c.pk for c in many]).update(status=Comment.Status.APPROVED)
    themes = reverse("admin:guidance_consultation_themes", args=[consultation.pk])
    suggest = reverse("admin:guidance_consultation_suggest_themes", args=[consultation.pk])
    pages = {"suggested themes": client.get(themes).content.decode()}
    response = client.post(suggest, {"part": "all", "count": "x"})
    assert response.status_code == 400
    pages["suggested themes refused"] = response.content.decode()
    run_url = client.post(suggest, {"part": "all", "count": "3"}).url
    pages["a run's suggestions"] = client.get(run_url).content.decode()
    run = SuggestionRun.objects.filter(consultation=consultation).latest("pk")
    accept = reverse("admin:guidance_suggestion_accept", args=[consultation.pk, run.pk, run.suggestions[0]["number"]])
    response = client.post(accept, {"name": "Payment"})  # taken
    assert response.status_code == 400
    pages["a suggestion's name refused"] = response.content.decode()
    review_url = client.post(accept, {"name": "Suggested one"}).url
    pages["comments suggested for a theme"] = client.get(review_url).content.decode()
    decide = reverse("admin:guidance_theme_suggestions_decide", args=[Theme.objects.get(name="Suggested one").pk])
    pages["comments suggested, refused"] = client.post(decide, {"decision": "confirm"}).content.decode()
    waiting = SuggestionRun.objects.create(consultation=consultation, count=3, engine="tfidf", comment_count=5000)
    pages["a run waiting for the worker"] = client.get(
        reverse("admin:guidance_suggestion_run", args=[consultation.pk, waiting.pk])
    ).content.decode()
    return pages


def test_the_staff_pages_are_valid_html(checker, client, consultation):  # noqa: F811
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    pages = staff_pages(client, consultation)
    assert "This list cannot be filtered that way" in pages["refused filter"]
    assert "Take off the quotes shortlist" in pages["quotes"]
    assert "Choose one of this consultation" in pages["quotes of a theme not there"]
    # One page broken on purpose, in the same run: a checker that reports nothing cannot pass.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    assert errors.pop("broken on purpose")
    assert errors == {}


def test_the_authoring_staff_pages_are_valid_html(checker, client):  # noqa: F811
    """The pages a consultation manager works on to set up a consultation: a document's sections,
    importing its draft (with a refused file, and the preview with notes), publishing with its
    warnings and preview links, and supporting documents with a refused upload."""
    manager = User.objects.create_user("html-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    consultation = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    document = consultation.document
    SectionFactory(document=document, major=1, title="Introduction")
    SectionFactory(document=document, major=1, minor=1, title="Scope & aims")
    previews.make_link(consultation, by=manager)
    supporting.attach(consultation, "Easy read", SimpleUploadedFile("a.txt", b"Words."), by=manager)
    upload = reverse("admin:guidance_document_import", args=[document.pk])
    publish_page = reverse("admin:guidance_consultation_publish", args=[consultation.pk])
    documents = reverse("admin:guidance_consultation_documents", args=[consultation.pk])
    pages = {
        "sections": page(client.get(reverse("admin:guidance_document_sections", args=[document.pk]))),
        "import": page(client.get(upload)),
        "import refused": page(client.post(upload, {"file": SimpleUploadedFile("d.md", b"No headings.")})),
        "publish with warnings": page(client.get(publish_page)),
        "publish not confirmed": page(client.post(publish_page, {}), 400),
        "documents": page(client.get(documents)),
        "document refused": page(
            client.post(documents, {"title": "Bad", "file": SimpleUploadedFile("x.pdf", b"MZ\x90")}), 400
        ),
        "section edit": page(client.get(reverse("admin:guidance_section_change", args=[document.sections.first().pk]))),
    }
    client.post(
        upload, {"file": SimpleUploadedFile("d.md", b"Preface.\n\n# One\n\n![x](y.png) Text.\n\n## Two\n\nMore.")}
    )
    pages["import preview"] = page(client.get(reverse("admin:guidance_document_import_preview", args=[document.pk])))
    assert "What was left out" in pages["import preview"]
    errors = html_errors(pages)
    assert errors == {}


def test_the_record_and_numbering_pages_are_valid_html(checker, client):  # noqa: F811
    """A document's sections with the numbers form (and its errors), what the record holds once
    consulted on (opened, closed), a section read-only after the close, a draft's preview with
    sections numbered differently from the file, the new dates to confirm and the history of them."""
    manager = User.objects.create_user("html-record", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    now = timezone.now()
    live = ConsultationFactory(title="Live & open", opens_at=now - 7 * DAY, closes_at=now + 21 * DAY)
    closed = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY)
    for consultation in (live, closed):
        SectionFactory(document=consultation.document, major=1, title="Introduction <and> scope")
        SectionFactory(document=consultation.document, major=1, minor=1, title="Aims")
        SectionFactory(document=consultation.document, major=2, title="Principles")
    sections_page = reverse("admin:guidance_document_sections", args=[live.document_id])
    shown = list(live.document.sections.all())
    clash = {"shown": ",".join(str(s.pk) for s in shown), **{f"number-{s.pk}": "2" for s in shown}}
    draft = DocumentFactory()
    client.post(
        reverse("admin:guidance_document_import", args=[draft.pk]),
        {"file": SimpleUploadedFile("d.md", b"# 1. One\n\nA.\n\n# 1. Again\n\nB.\n\n## 4.2 Orphan\n\nC.")},
    )
    closes = (timezone.localtime(now) - datetime.timedelta(minutes=1)).strftime("%d/%m/%Y %H:%M").split()
    settings = {
        "document": live.document_id,
        "title": live.title,
        "slug": live.slug,
        "organisation": live.organisation,
        "summary": live.summary,
        "opens_at_0": timezone.localtime(live.opens_at).strftime("%d/%m/%Y"),
        "opens_at_1": timezone.localtime(live.opens_at).strftime("%H:%M"),
        "closes_at_0": closes[0],
        "closes_at_1": closes[1],
        "retention_months": 12,
        **{f"{prefix}-{key}": 0 for prefix in ["questions", "outcomes"] for key in ["TOTAL_FORMS", "INITIAL_FORMS"]},
    }
    change = reverse("admin:guidance_consultation_change", args=[live.pk])
    pages = {
        "sections, consulted on": page(client.get(sections_page)),
        "sections, numbers refused": page(
            client.post(reverse("admin:guidance_document_section_numbers", args=[live.document_id]), clash), 400
        ),
        "sections, closed": page(client.get(reverse("admin:guidance_document_sections", args=[closed.document_id]))),
        "section, closed": page(
            client.get(reverse("admin:guidance_section_change", args=[closed.document.sections.first().pk]))
        ),
        "section added after the close": page(
            client.post(
                reverse("admin:guidance_section_add"),
                {"document": closed.document_id, "major": 9, "minor": 0, "title": "Annex", "slug": "annex"},
            )
        ),
        "import preview, renumbered": page(
            client.get(reverse("admin:guidance_document_import_preview", args=[draft.pk]))
        ),
        "new dates to confirm": page(client.post(change, settings)),
    }
    assert "would all be 2" in pages["sections, numbers refused"]
    assert "Numbered differently from the file" in pages["import preview, renumbered"]
    assert "Yes, close it now" in pages["new dates to confirm"]
    key = re.search(r'name="confirm_dates" value="([^"]+)"', pages["new dates to confirm"])[1]
    assert client.post(change, {**settings, "confirm_dates": html.unescape(key)}).status_code == 302
    pages["history with its dates"] = page(client.get(reverse("admin:guidance_consultation_history", args=[live.pk])))
    assert "Closed it" in pages["history with its dates"]
    assert html_errors(pages) == {}


def test_the_you_said_we_did_pages_are_valid_html(checker, client):  # noqa: F811
    """The overview with written blocks and a refused save, one comment's answer (also refused),
    the Publish page before the outcome is published, and the outcome's preview: the consultation's
    page and "What changed"."""
    manager = User.objects.create_user("html-replies", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    consultation = ConsultationFactory(closes_at=timezone.now() - datetime.timedelta(days=1))
    section = SectionFactory(document=consultation.document, major=1, title="Scope & aims")
    QuestionFactory(consultation=consultation, position=3, text="Anything <else>?")
    theme = ThemeFactory(consultation=consultation, name="Pay <and> time")
    comment = CommentFactory(section=section, text="Pay us\n\nwith <b>markup</b> & more")
    decide(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, by=None)
    comment.themes.add(theme)
    replies.write_overall_outcome(consultation, text="We *heard* you & <b>more</b>.")
    replies.write_outcome(consultation, section=section, kind="", text="We *added* <script>x</script>.", by=manager)
    replies.write_outcome(consultation, comment=comment, kind="covered", text="See section 2.", by=manager)
    version = versions.copy_version(consultation.document, version_label="Published guidance")
    versions.confirm_links(version, {version.sections.get().pk: [section.pk]}, by=manager)
    overview = reverse("admin:guidance_consultation_replies", args=[consultation.pk])
    answer = reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, comment.pk])
    pages = {
        "overview": page(client.get(overview)),
        "overview refused": page(
            client.post(overview, form_data(client.get(overview), {f"theme-{theme.pk}-text": "No kind."})), 400
        ),
        "comment": page(client.get(answer)),
        "comment refused": page(
            client.post(answer, form_data(client.get(answer), {f"comment-{comment.pk}-text": ""})), 400
        ),
        "publish the outcome": page(client.get(reverse("admin:guidance_consultation_publish", args=[consultation.pk]))),
        "outcome preview": page(
            client.get(reverse("admin:guidance_consultation_outcome_preview", args=[consultation.pk]))
        ),
        "what changed preview": page(
            client.get(reverse("admin:guidance_consultation_outcome_preview_what_changed", args=[consultation.pk]))
        ),
    }
    assert "Choose what became of it." in pages["overview refused"]
    assert "will be emailed" in pages["publish the outcome"]
    assert "We <em>heard</em> you" in pages["outcome preview"]
    assert html_errors(pages) == {}


def test_the_next_version_pages_are_valid_html(checker, client):  # noqa: F811
    """Starting a next version (with a refused name, a refused file and a file's preview), and
    where each of its sections comes from (proposed, and with a refused link)."""
    manager = User.objects.create_user("html-versions", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    consultation = ConsultationFactory()
    SectionFactory(document=consultation.document, major=1, title="Sharing of power", body="Everyone owns it & more.")
    SectionFactory(document=consultation.document, major=2, title="Reciprocity <b>", body="Something back.")
    overview = reverse("admin:guidance_consultation_versions", args=[consultation.pk])
    upload = reverse("admin:guidance_consultation_version_import", args=[consultation.pk])
    pages = {
        "next version": page(client.get(overview)),
        "copy refused": page(
            client.post(reverse("admin:guidance_consultation_version_copy", args=[consultation.pk]), {}), 400
        ),
        "import": page(client.get(upload)),
        "import refused": page(
            client.post(upload, {"version_label": "Next", "file": SimpleUploadedFile("d.md", b"No headings.")}), 400
        ),
    }
    client.post(upload, {"version_label": "Next", "file": SimpleUploadedFile("d.md", b"# One\n\n![x](y.png) Text.")})
    pages["import preview"] = page(
        client.get(reverse("admin:guidance_consultation_version_import_preview", args=[consultation.pk]))
    )
    version = versions.copy_version(consultation.document, version_label="Published guidance")
    links = reverse("admin:guidance_consultation_version_links", args=[consultation.pk, version.pk])
    pages["next version waiting"] = page(client.get(overview))
    pages["links proposed"] = page(client.get(links))
    first = version.sections.first()
    pages["links refused"] = page(client.post(links, {"shown": "0", f"from-{first.pk}": ["0"]}), 400)
    pages["new version's sections"] = page(client.get(reverse("admin:guidance_document_sections", args=[version.pk])))
    errors = html_errors(pages)
    assert errors == {}


def test_the_sign_in_pages_are_valid_html(checker, client, settings):  # noqa: F811
    """The password, setting up an authenticator app and entering its code (each also refused),
    the lockout page, and a superuser's pages of authenticator apps."""
    settings.STAFF_TWO_FACTOR = True
    User.objects.create_user("html-signin", password="a-long-enough-password-1", is_staff=True)
    login, code = reverse("admin:login"), reverse("admin:sign_in_code")
    pages = {
        "sign in": page(client.get(login)),
        "sign in refused": page(client.post(login, {"username": "html-signin", "password": "wrong"})),
    }
    client.post(login, {"username": "html-signin", "password": "a-long-enough-password-1"})
    pages["set up an app"] = page(client.get(code))
    pages["set up refused"] = page(client.post(code, {"code": "12"}), 400)
    TOTPDevice.objects.update(confirmed=True)
    pages["enter the code"] = page(client.get(code))
    pages["code refused"] = page(client.post(code, {"code": ""}), 400)
    for _ in range(5):
        response = client.post(login, {"username": "html-signin", "password": "wrong"})
    pages["locked out"] = page(response, 429)
    # Where a superuser resets someone's app: the list of devices, and deleting one.
    settings.STAFF_TWO_FACTOR = False
    client.force_login(User.objects.create_superuser("html-boss", "boss@example.org", "x"))
    pages["devices"] = page(client.get(reverse("admin:otp_totp_totpdevice_changelist")))
    device = TOTPDevice.objects.get()
    pages["delete a device"] = page(client.get(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])))
    pages["a device"] = page(client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])))
    assert device.key not in pages["a device"]
    assert "Set up your authenticator app" in pages["set up an app"]
    assert "Signing in is locked for now" in pages["locked out"]
    assert html_errors(pages) == {}


def test_the_staff_accounts_pages_are_valid_html(checker, client):  # noqa: F811
    """Adding a staff member (with a refused form), the list of staff, a member's page as a manager
    and as a superuser, removing access, setting a password from the emailed link (refused, and a
    link that no longer works), the home page and the System page as a superuser."""
    import re

    from django.core import mail

    from tests.factories import UserFactory
    from tests.journey_helpers import deliver_emails

    manager = UserFactory(manager=True, first_name="Mo", last_name="Manager & Co")
    kit = UserFactory(moderator=True, first_name="Kit", last_name="<Jones>")
    client.force_login(manager)
    add = reverse("admin:auth_user_add")
    member = reverse("admin:auth_user_change", args=[kit.pk])
    pages = {
        "staff members": page(client.get(reverse("admin:auth_user_changelist"))),
        "add a staff member": page(client.get(add)),
        "add a staff member refused": page(client.post(add, {"first_name": "", "email": "x"}), 400),
        "a staff member": page(client.get(member)),
        "a staff member refused": page(client.post(member, {"first_name": "", "email": "x"})),
        "remove access": page(client.get(reverse("admin:staff_member_remove_access", args=[kit.pk]))),
    }
    client.post(add, {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.org", "role": "Analyst"})
    deliver_emails()
    link = re.search(r"https?://[^/\s]+(/\S*/password/set/\S+/)", mail.outbox[0].body).group(1)
    newcomer = Client()
    form = newcomer.get(link, follow=True)
    set_password = form.redirect_chain[-1][0]
    pages["set a password"] = page(form)
    pages["set a password refused"] = page(newcomer.post(set_password, {"new_password1": "a", "new_password2": "b"}))
    pages["password set"] = page(
        newcomer.post(
            set_password, {"new_password1": "a long new pass 77", "new_password2": "a long new pass 77"}, follow=True
        )
    )
    pages["link no longer works"] = page(Client().get(link, follow=True))
    client.force_login(User.objects.create_superuser("html-staff-boss", "boss@example.org", "x"))
    pages["a staff member, as a superuser"] = page(client.get(member))
    pages["home, as a superuser"] = page(client.get(reverse("admin:index")))
    pages["system"] = page(client.get(reverse("admin:system")))
    assert "This link to set a password has been used already" in pages["link no longer works"]
    assert html_errors(pages) == {}


def test_the_coding_pages_are_valid_html(checker, client, consultation):  # noqa: F811
    """The queue with its Themes column and "No theme" chosen, the page asking which theme to apply,
    and a comment's page with its themes as tick boxes (and with one refused)."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(analyst=True))
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity & <more>")
    payment = ThemeFactory(consultation=consultation, name="Payment & <pay>")
    ThemeFactory(consultation=consultation, name="Time")
    comments = [CommentFactory(section=section, text=f"Comment {n} with <b>markup</b>") for n in range(3)]
    comments[0].themes.add(payment)
    queue = reverse("admin:guidance_comment_changelist")
    comment_page = reverse("admin:guidance_comment_change", args=[comments[0].pk])
    inlines = {f"{prefix}-{key}": 0 for prefix in ["events", "reports"] for key in ["TOTAL_FORMS", "INITIAL_FORMS"]}
    pages = {
        "queue, no theme": page(
            client.get(queue, {"consultation__id__exact": consultation.pk, "themes__isnull": "True"})
        ),
        "which theme": page(
            client.post(queue, {"action": "apply_theme", "index": 0, "_selected_action": [c.pk for c in comments]})
        ),
        "a comment's themes": page(client.get(comment_page)),
        "a comment's themes refused": page(client.post(comment_page, {**inlines, "themes": ["999999"]})),
    }
    assert html_errors(pages) == {}


def test_the_pages_that_count_every_channel_are_valid_html(checker, client):  # noqa: F811
    """Entering a postal answer with its option (and refused), the response's page with it ticked,
    an import's preview with the options it read, the dashboard's answers by channel, and the
    published figures by channel."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from guidance.models import Question, Response
    from guidance.responses import answers

    client.force_login(User.objects.create_superuser("html-channels", "channels@example.org", "x"))
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document, major=1, title="Scope & aims")
    q1 = QuestionFactory(
        consultation=consultation, position=1, text="Is it <clear>?", kind=Question.Kind.ONE_CHOICE, explain_label="Why"
    )
    answers.set_options(q1, ["Yes", "Partly", "No"], offers_other=True)
    add = reverse("admin:guidance_response_add")
    entered = {
        "consultation": consultation.pk,
        "channel": "post",
        "submitted_at_0": "03/02/2027",
        "submitted_at_1": "10:00:00",
        "respondent_type": "carer",
        "consent": "anonymous",
        "name": "Ann Letter",
        "comments-TOTAL_FORMS": 1,
        "comments-INITIAL_FORMS": 0,
        "comments-0-section": section.pk,
        "comments-0-text": "Pay people & thank them.",
        "comments-2-TOTAL_FORMS": 1,
        "comments-2-INITIAL_FORMS": 0,
        "comments-2-0-question": q1.pk,
        "comments-2-0-chosen": [q1.options.get(label="Yes").pk, q1.options.get(label="No").pk],
    }
    pages = {
        "enter a response": page(client.get(f"{add}?consultation={consultation.pk}")),
        "enter a response, every consultation's questions": page(client.get(add)),
        "enter a response, refused": page(client.post(add, entered)),
    }
    assert "Q1 takes one answer: tick one" in pages["enter a response, refused"]
    entered["comments-2-0-chosen"] = [q1.options.get(label="Partly").pk]
    client.post(add, entered)
    response = Response.objects.get()
    pages["a response entered"] = page(client.get(reverse("admin:guidance_response_change", args=[response.pk])))
    csv = "received_at,channel,author,text,target,option\n2017-10-09,email,Jo,Words,Q1,partly\n"
    client.post(
        reverse("admin:guidance_consultation_import", args=[consultation.pk]),
        {"file": SimpleUploadedFile("a.csv", csv.encode())},
    )
    pages["import preview with options"] = page(
        client.get(reverse("admin:guidance_consultation_import_preview", args=[consultation.pk]))
    )
    assert "Answer: Partly" in pages["import preview with options"]
    pages["dashboard by channel"] = page(
        client.get(reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]))
    )
    assert "Q1: answers chosen, by channel" in pages["dashboard by channel"]
    consultation.opens_at = timezone.now() - datetime.timedelta(days=30)
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    pages["published figures by channel"] = page(client.get(consultation.get_absolute_url()))
    assert "By how they reached us: post 1." in pages["published figures by channel"]
    assert html_errors(pages) == {}
