"""The public "What changed" page after a consultation: per consulted section what became of it
(changed, renamed, split, merged, removed, unchanged) with its word diff, what people said (themes
of the published comments, counted) and what was done; sections new in the next version; the whole
next version on one page; replies to single comments beside them; and the staff's CSV of the
"you said, we did" table."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Consultation
from tests.factories import CommentFactory, ConsultationFactory, OutcomeFactory, SectionFactory, SectionLinkFactory
from tests.journey_helpers import section_url
from tests.what_changed_helpers import consulted_and_revised, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def revised():
    return consulted_and_revised()


def what_changed_url(consultation):
    return reverse("guidance:what_changed", args=[consultation.slug])


def new_version_url(consultation):
    return reverse("guidance:new_version", args=[consultation.slug])


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def block(page, anchor):
    """The HTML of one section's block, found by its id."""
    start = page.index(f'<section class="portal-change" id="{anchor}"')
    end = page.find('<section class="portal-change"', start + 1)
    return page[start : end if end != -1 else len(page)]


def text(fragment):
    """What a reader sees: tags gone, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


# When the page exists ----------------------------------------------------------------------------


def test_the_pages_are_not_found_while_the_consultation_is_open(client, revised):
    consultation, _ = revised
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get(what_changed_url(consultation)).status_code == 404
    assert client.get(new_version_url(consultation)).status_code == 404


def test_the_pages_are_not_found_until_the_outcome_is_published(client, revised):
    consultation, _ = revised
    assert client.get(what_changed_url(consultation)).status_code == 404
    assert client.get(new_version_url(consultation)).status_code == 404
    published(consultation)
    assert client.get(what_changed_url(consultation)).status_code == 200
    assert client.get(new_version_url(consultation)).status_code == 200


def test_the_sitemap_lists_the_pages_once_they_are_public(client, revised):
    consultation, _ = revised
    caches["default"].clear()
    assert what_changed_url(consultation).encode() not in client.get("/sitemap.xml").content
    published(consultation)
    sitemap = client.get("/sitemap.xml").content
    assert what_changed_url(consultation).encode() in sitemap
    assert new_version_url(consultation).encode() in sitemap


def test_the_pages_are_not_found_until_the_links_of_the_next_version_are_confirmed(client, revised):
    consultation, objects = revised
    published(consultation)
    # Started again after the outcome was published, say: not public until confirmed again.
    objects["revised"].links_confirmed_at = None
    objects["revised"].save()
    caches["default"].clear()
    assert client.get(what_changed_url(consultation)).status_code == 404
    assert client.get(new_version_url(consultation)).status_code == 404


def test_a_consultation_that_does_not_exist_has_no_page(client, db):
    assert client.get(reverse("guidance:what_changed", args=["nothing-here"])).status_code == 404


def test_a_draft_consultation_has_no_page_even_for_staff(admin_client, revised):
    consultation, _ = revised
    Consultation.objects.filter(pk=consultation.pk).update(publication=Consultation.Publication.DRAFT)
    assert admin_client.get(what_changed_url(consultation)).status_code == 404


# What the page shows ------------------------------------------------------------------------------


def test_each_consulted_section_has_a_block_saying_what_became_of_it(client, revised):
    consultation, _ = revised
    page = html(client.get(what_changed_url(published(consultation))))
    assert text(block(page, "section-reciprocity")).startswith("1. Reciprocity Changed Now section 1.")
    assert "2. Payment Renamed Now section 2, renamed “Paying people”. Its text is unchanged." in text(
        block(page, "section-payment")
    )
    assert "3. Training Split Split into sections 3. Training researchers and 4. Training the public." in text(
        block(page, "section-training")
    )
    assert "4. Roles Merged Merged with section 5. Power into section 5. Sharing power." in text(
        block(page, "section-roles")
    )
    assert "5. Power Merged Merged with section 4. Roles into section 5. Sharing power." in text(
        block(page, "section-power")
    )
    assert "6. Jargon Removed This section is not in the new version." in text(block(page, "section-jargon"))
    ethics = text(block(page, "section-ethics"))
    assert "7. Ethics Unchanged Now section 6." in ethics
    assert "No change to this section's text." in ethics
    new = text(block(page, "new-evaluation"))
    assert new.startswith("7. Evaluation New Evaluate together.")


def test_the_changes_are_shown_word_by_word_with_the_consulted_and_new_texts(client, revised):
    consultation, _ = revised
    reciprocity = block(html(client.get(what_changed_url(published(consultation)))), "section-reciprocity")
    assert "Pay people <ins" in reciprocity
    assert "Added: </span>fairly<" in reciprocity
    for heading in ["Changes", "Consulted text", "New text"]:
        assert f'<h3 class="govuk-heading-m">{heading}</h3>' in reciprocity
    assert 'href="#consulted-reciprocity">Consulted text</a>' in reciprocity
    assert "<p>Pay people for their time.</p>" in reciprocity
    assert "<p>Pay people fairly for their time.</p>" in reciprocity


def test_a_split_section_is_compared_with_its_new_sections_together(client, revised):
    consultation, _ = revised
    training = block(html(client.get(what_changed_url(published(consultation)))), "section-training")
    assert "No change to this section's text." in training
    assert "3. Training researchers" in training and "4. Training the public" in training


def test_merged_sections_are_compared_together_with_the_new_text(client, revised):
    consultation, _ = revised
    page = html(client.get(what_changed_url(published(consultation))))
    roles, power = block(page, "section-roles"), block(page, "section-power")
    diff = re.search(r'<div class="govuk-body portal-diff">(.*?)</div>', roles, re.S)[1]
    # "Agree roles early." and "Share power." were brought together: only "Fairly." is new.
    assert "<del" not in diff
    assert text(diff) == "Agree roles early. Share power. Added: Fairly. end of addition"
    assert re.search(r'<div class="govuk-body portal-diff">(.*?)</div>', power, re.S)[1] == diff


def test_a_removed_section_still_shows_the_text_consulted_on_as_text(client, revised):
    consultation, _ = revised
    jargon = block(html(client.get(what_changed_url(published(consultation)))), "section-jargon")
    assert "Avoid jargon" in jargon
    assert "<like this>" not in jargon
    assert "govuk-tabs" not in jargon


def test_text_like_html_in_a_changed_section_is_shown_as_text(client, revised):
    consultation, objects = revised
    objects["new"]["reciprocity"].body = "Pay people <script>alert(1)</script> for a < b & c."
    objects["new"]["reciprocity"].save()
    page = html(client.get(what_changed_url(published(consultation))))
    assert "<script>alert" not in page and "alert(1)" not in page  # not in the text people read either
    assert "Added: </span>a &lt; b &amp; c." in block(page, "section-reciprocity")


def test_you_said_counts_only_published_comments_by_theme(client, revised):
    consultation, _ = revised
    reciprocity = text(block(html(client.get(what_changed_url(published(consultation)))), "section-reciprocity"))
    assert "You said 4 published comments on this section. Money: 3 comments Time: 1 comment" in reciprocity
    assert "Not under any theme: 1 comment" in reciprocity
    assert "Read the comments on section 1" in reciprocity


def test_you_said_links_to_the_comments_on_the_consulted_section(client, revised):
    consultation, objects = revised
    reciprocity = block(html(client.get(what_changed_url(published(consultation)))), "section-reciprocity")
    link = section_url(objects["old"]["reciprocity"], consultation) + "#comments"
    assert f'href="{link}"' in reciprocity
    assert 'id="comments"' in html(client.get(link))


def test_a_section_without_published_comments_says_so(client, revised):
    consultation, _ = revised
    assert "No comments on this section were published." in text(
        block(html(client.get(what_changed_url(published(consultation)))), "section-payment")
    )


def test_we_did_shows_the_section_and_theme_outcomes(client, revised):
    consultation, _ = revised
    reciprocity = block(html(client.get(what_changed_url(published(consultation)))), "section-reciprocity")
    we_did = reciprocity[reciprocity.index("We did</h3>") :]
    assert "We changed the text." in text(we_did)
    assert "We now say <strong>fairly</strong>." in we_did
    assert "On “Money”: we will consider it later We will look at budgets." in text(we_did)
    assert "We have not written about this section." in text(
        block(html(client.get(what_changed_url(consultation))), "section-payment")
    )


def test_the_summary_counts_responses_changed_sections_and_main_themes(client, revised):
    consultation, _ = revised
    page = text(html(client.get(what_changed_url(published(consultation)))))
    assert "Responses received 8" in page
    assert "Sections changed 6 of the 7 sections we consulted on" in page
    assert "New sections 1" in page
    assert "Money 3 We will consider it later" in page
    assert "Time 2 No response written" in page


def test_every_id_on_the_page_is_unique_whatever_the_slugs(client, revised):
    consultation, objects = revised
    # Slugs that would collide with a block's inner ids or the page's own, were they built carelessly.
    SectionFactory(document=consultation.document, major=8, slug="reciprocity-changes", title="Changes")
    SectionFactory(document=objects["revised"], major=8, slug="sections", title="Sections")
    page = html(client.get(what_changed_url(published(consultation))))
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert 'id="new-sections"' in page


def test_the_page_makes_the_same_few_queries_however_many_sections(client, revised, django_assert_max_num_queries):
    consultation, objects = revised
    published(consultation)
    # One more than before the pages' cache was keyed by the consultation's content_version.
    with django_assert_max_num_queries(14):
        html(client.get(what_changed_url(consultation)))
    for n in range(20):
        old = SectionFactory(document=consultation.document, major=10 + n, slug=f"more-{n}")
        new = SectionFactory(document=objects["revised"], major=10 + n, slug=f"more-{n}", body="Other words.")
        SectionLinkFactory(later=new, earlier=old)
        CommentFactory(section=old, status=Comment.Status.APPROVED).themes.set([objects["time"]])
    caches["fragments"].clear()
    with django_assert_max_num_queries(14):
        page = html(client.get(what_changed_url(consultation)))
    assert page.count('<section class="portal-change"') == 7 + 20 + 1


def test_the_new_version_is_shown_whole_with_links_to_what_changed(client, revised):
    consultation, _ = revised
    page = html(client.get(new_version_url(published(consultation))))
    assert "Guidance on co-producing research" in page
    assert "Published, 2018" in page
    assert page.index("1. Reciprocity") < page.index("5. Sharing power") < page.index("7. Evaluation")
    changes = what_changed_url(consultation)
    assert f'href="{changes}#section-training"' in page  # from "Training researchers"
    assert f'href="{changes}#new-evaluation"' in page


# Where the page is linked from ---------------------------------------------------------------------


def test_the_consulted_version_says_a_new_version_exists_only_once_public(client, revised):
    consultation, objects = revised
    draft = reverse("guidance:draft", args=[consultation.slug])
    section = section_url(objects["old"]["training"], consultation)
    notice = "This is the version we consulted on. A new version has been published"
    assert notice not in html(client.get(draft))
    assert notice not in html(client.get(section))
    assert "See what changed in the new version" not in html(client.get(consultation.get_absolute_url()))
    published(consultation)
    assert notice in html(client.get(draft))
    assert f'href="{what_changed_url(consultation)}">see what changed</a>' in html(client.get(draft))
    assert f'href="{what_changed_url(consultation)}#section-training">see what changed' in html(client.get(section))
    overview = html(client.get(consultation.get_absolute_url()))
    assert f'<a class="govuk-link" href="{what_changed_url(consultation)}">See what changed' in overview


# Replies to single comments ---------------------------------------------------------------------


def test_a_reply_shows_beside_the_published_comment_only_once_the_outcome_is_published(client, revised):
    consultation, objects = revised
    pages = [
        reverse("guidance:published", args=[consultation.slug]),
        section_url(objects["old"]["reciprocity"], consultation),
    ]
    reply = "Our response: Already covered. Section 2 covers travel."
    for url in pages:
        assert "Our response" not in html(client.get(url))
    published(consultation)
    for url in pages:
        page = html(client.get(url))
        assert reply in text(page)
        assert text(page).count("Our response") == 1
        # Beside its own comment, after its text.
        assert text(page).index("Pay for travel too.") < text(page).index(reply)


def test_a_reply_shows_on_the_respondents_own_page_once_the_outcome_is_published(client, revised):
    consultation, objects = revised
    session = client.session
    session["responses"] = {str(consultation.pk): objects["replied"].response_id}
    session.save()
    your_response = reverse("guidance:your_response", args=[consultation.slug])
    assert "Our response" not in html(client.get(your_response))
    published(consultation)
    assert "Our response: Already covered. Section 2 covers travel." in text(html(client.get(your_response)))


def test_replies_do_not_add_a_query_per_comment(client, revised, django_assert_max_num_queries):
    consultation, objects = revised
    published(consultation)
    url = reverse("guidance:published", args=[consultation.slug])
    # 8 for the page and its replies, and 5 for its filters: the questions and themes offered, whether
    # the outcome is published, and the counts beside their choices. None of them grows with the comments.
    most = 13
    with django_assert_max_num_queries(most):
        html(client.get(url))
    for _ in range(10):
        replied = CommentFactory(section=objects["old"]["power"], status=Comment.Status.APPROVED)
        OutcomeFactory(consultation=consultation, comment=replied, kind="out_of_scope", text="Not for us.")
    caches["fragments"].clear()
    with django_assert_max_num_queries(most):
        page = html(client.get(url))
    assert text(page).count("Our response: Out of scope.") == 10


# The "you said, we did" table as CSV ----------------------------------------------------------------


def staff(username, *permissions):
    user = get_user_model().objects.create_user(username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_consultation", *permissions]))
    return user


def table_url(consultation):
    return reverse("admin:guidance_consultation_you_said_we_did", args=[consultation.pk])


def open_csv(response):
    """The file as a spreadsheet opens it: UTF-8 with its byte-order mark, CRLF rows."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="co-producing-research-you-said-we-did-' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    assert b"\r\n" in response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_the_table_needs_the_permission_to_view_outcomes(client, revised):
    consultation, _ = revised
    client.force_login(staff("moderator", "view_comment"))
    assert client.get(table_url(consultation)).status_code == 403
    client.force_login(staff("analyst", "view_outcome"))
    assert client.get(table_url(consultation)).status_code == 200


def test_the_table_of_a_consultation_that_does_not_exist_is_not_found(client, revised):
    client.force_login(staff("analyst", "view_outcome"))
    assert client.get(reverse("admin:guidance_consultation_you_said_we_did", args=[999999])).status_code == 404


def test_the_table_asks_someone_signed_out_to_sign_in(client, revised):
    consultation, _ = revised
    response = client.get(table_url(consultation))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_table_has_a_row_per_section_and_theme_with_what_was_done(client, revised):
    consultation, _ = revised
    client.force_login(staff("analyst", "view_outcome"))
    rows = open_csv(client.get(table_url(consultation)))
    assert rows[0] == [
        "Section",
        "Section title",
        "Change",
        "New section",
        "Theme",
        "Published comments",
        "Theme response",
        "Theme response text",
        "Section response",
        "Section response text",
    ]
    reciprocity = ["1", "Reciprocity", "Changed", "1. Reciprocity"]
    section_response = ["We changed the text", "We now say **fairly**."]
    assert rows[1] == [
        *reciprocity,
        "Money",
        "3",
        "We will consider it later",
        "We will look at budgets.",
        *section_response,
    ]
    assert rows[2] == [*reciprocity, "Time", "1", "", "", *section_response]
    assert rows[3] == [*reciprocity, "", "1", "", "", *section_response]
    assert rows[4] == ["2", "Payment", "Renamed", "2. Paying people", "", "0", "", "", "", ""]
    assert rows[5] == [
        "3",
        "Training",
        "Split",
        "3. Training researchers; 4. Training the public",
        "Time",
        "1",
        "",
        "",
        "",
        "",
    ]
    assert rows[6][:4] == ["4", "Roles", "Merged", "5. Sharing power"]
    assert rows[8] == ["6", "Jargon", "Removed", "", "", "0", "", "", "", ""]
    assert rows[9][:3] == ["7", "Ethics", "Unchanged"]
    assert rows[10] == ["", "", "New", "7. Evaluation", "", "0", "", "", "", ""]
    assert len(rows) == 11


def test_the_table_neutralises_cells_a_spreadsheet_would_run(client, revised):
    consultation, objects = revised
    objects["money"].name = "=HYPERLINK(1)"
    objects["money"].save()
    objects["section_outcome"].text = "-1 budget"
    objects["section_outcome"].save()
    client.force_login(staff("analyst", "view_outcome"))
    rows = open_csv(client.get(table_url(consultation)))
    assert rows[1][4] == "'=HYPERLINK(1)"
    assert rows[1][9] == "'-1 budget"


def test_before_a_next_version_the_table_still_lists_what_people_said(client, db):
    section = SectionFactory(title="Reciprocity")
    consultation = section.document.consultations.get() if section.document.consultations.exists() else None
    consultation = consultation or ConsultationFactory(document=section.document, slug="co-producing-research")
    CommentFactory(section=section, status=Comment.Status.APPROVED)
    client.force_login(staff("analyst", "view_outcome"))
    rows = open_csv(client.get(table_url(consultation)))
    assert rows[1] == [section.number, "Reciprocity", "", "", "", "1", "", "", "", ""]


def test_the_export_page_links_to_the_table(client, revised):
    consultation, _ = revised
    client.force_login(staff("analyst", "export_responses", "view_outcome", "view_comment"))
    page = html(client.get(reverse("admin:guidance_consultation_export", args=[consultation.pk])))
    assert f'href="{table_url(consultation)}"' in page
