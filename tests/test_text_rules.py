"""The text rules (guidance/responses/text.py) are the same at every door: the public's forms, a response
typed in by staff in the admin, an imported file (the admin's upload and the import_responses
command)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from guidance.analysis.imports import read_import
from guidance.models import Comment, Report, Response
from guidance.responses import text
from tests.factories import CommentFactory, QuestionFactory
from tests.journey_helpers import comment_data, publish, section_url
from tests.test_moderation_offline import ADD, offline_response

pytestmark = pytest.mark.django_db

CONTROL = "Remove the hidden control characters"
DIRECTION = "Remove the hidden characters that change the direction of the text"
# Zero-width space, zero-width non-joiner and joiner, word joiner, byte-order mark, soft hyphen,
# left-to-right mark, Hangul filler, and spaces: nothing a reader can see.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u3164 \u00a0\n"
C1_CSI = "\x9b"  # the C1 form of ESC [, which starts a terminal escape sequence
RLO = "\u202e"  # right-to-left override: "Ann\u202enimda" shows as "Annadmin"
FSI = "\u2068"  # first-strong isolate

RULE_BREAKERS = {
    "NUL": "\x00",
    "BEL": "\x07",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "C1 control": C1_CSI,
    "next line (C1)": "\x85",
}


def test_invisible_characters_make_blank_text_and_visible_ones_do_not():
    assert text.is_blank(INVISIBLE)
    assert text.tidy(f"  {INVISIBLE} ") == ""
    assert not text.is_blank("\u200b.")
    # A joiner inside an emoji or a word is part of the text, not blank.
    assert text.tidy(" 👩\u200d🔬 ") == "👩\u200d🔬"


# The public's forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("character", list(RULE_BREAKERS.values()), ids=list(RULE_BREAKERS))
@pytest.mark.parametrize("field", ["name", "organisation"])
def test_a_name_or_organisation_with_a_control_character_is_refused(client, consultation, section, field, character):
    page = client.post(
        section_url(section, consultation),
        comment_data(
            **{"respondent_type": "organisation", "organisation": "Carers Trust", field: f"Ann{character}Smith"}
        ),
    )
    assert page.status_code == 200
    assert CONTROL in page.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("character", [RLO, FSI, "\u202a", "\u2069"], ids=["RLO", "FSI", "LRE", "PDI"])
@pytest.mark.parametrize("field", ["name", "organisation"])
def test_a_name_or_organisation_that_changes_the_direction_of_text_is_refused(
    client, consultation, section, field, character
):
    page = client.post(
        section_url(section, consultation),
        comment_data(
            **{"respondent_type": "organisation", "organisation": "Carers Trust", field: f"Ann{character}nimda"}
        ),
    )
    assert DIRECTION in page.content.decode()
    assert not Response.objects.exists()


def test_a_name_in_a_right_to_left_script_with_a_direction_mark_is_accepted(client, consultation, section):
    name = "\u0633\u0627\u0631\u0629 \u200fSmith"  # Arabic, a right-to-left mark, Latin
    assert client.post(section_url(section, consultation), comment_data(name=name)).status_code == 302
    assert Response.objects.get().name == name


def test_a_comment_of_only_invisible_characters_counts_as_empty(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(INVISIBLE))
    assert "Enter your comment" in page.content.decode()
    assert not Comment.objects.exists()


def test_answers_of_only_invisible_characters_count_as_no_answer(client, consultation):
    question = QuestionFactory(consultation=consultation, position=1)
    page = client.post(
        reverse("guidance:questions", args=[consultation.slug]), {**comment_data(), f"answer_{question.pk}": INVISIBLE}
    )
    assert "Answer at least one question" in page.content.decode()
    assert not Comment.objects.exists()


def test_an_organisation_of_only_invisible_characters_is_no_organisation(client, consultation, section):
    page = client.post(
        section_url(section, consultation), comment_data(respondent_type="organisation", organisation=INVISIBLE)
    )
    assert "Enter the name of the organisation you are responding for" in page.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("character", [C1_CSI, "\x85"], ids=["CSI", "NEL"])
def test_a_comment_or_report_with_a_c1_control_character_is_refused(client, consultation, section, character):
    page = client.post(section_url(section, consultation), comment_data(f"Hello{character}world"))
    assert CONTROL in page.content.decode()
    published = publish(CommentFactory(section=section, response__consultation=consultation))
    page = client.post(
        reverse("guidance:report_comment", args=[published.pk]), {"reason": "other", "details": f"Bad{character}text"}
    )
    assert CONTROL in page.content.decode()
    assert Comment.objects.count() == 1 and not Report.objects.exists()


def test_a_comment_may_change_the_direction_of_its_own_text(client, consultation, section):
    # People writing in Arabic or Hebrew may need an isolate to quote a left-to-right name; each
    # comment is shown in its own block, so it cannot reach beyond it.
    comment = "\u05d4\u05e2\u05e8\u05d4 \u2066NIHR\u2069 \u05d8\u05d5\u05d1\u05d4"
    assert client.post(section_url(section, consultation), comment_data(comment)).status_code == 302
    assert Comment.objects.get().text == comment


# Staff entering a response received offline -------------------------------------------------


@pytest.mark.parametrize("character", ["\x1b", "\x07", C1_CSI], ids=["ESC", "BEL", "CSI"])
def test_staff_entry_refuses_control_characters_in_names_and_comments(
    manager_client, consultation, section, question, character
):
    page = manager_client.post(
        ADD,
        offline_response(
            consultation,
            comments=[{"section": section.pk, "text": f"Dear sir{character}"}],
            answers=[{"question": question.pk, "text": "Fine"}],
            name=f"Ann{character}",
            organisation=f"Trust{character}",
        ),
    )
    assert page.status_code == 200
    assert page.content.decode().count(CONTROL) == 3  # the name, the organisation, the comment
    assert not Response.objects.exists() and not Comment.objects.exists()


def test_staff_entry_refuses_a_name_that_changes_the_direction_of_text(manager_client, consultation, section):
    page = manager_client.post(
        ADD,
        offline_response(consultation, comments=[{"section": section.pk, "text": "Hello"}], name=f"Ann{RLO}nimda"),
    )
    assert DIRECTION in page.content.decode()
    assert not Response.objects.exists()


def test_staff_entry_refuses_a_comment_of_only_invisible_characters(manager_client, consultation, section):
    page = manager_client.post(
        ADD, offline_response(consultation, comments=[{"section": section.pk, "text": "\u200b\ufeff\u200d"}])
    )
    assert "this contains only invisible characters" in page.content.decode()
    assert not Comment.objects.exists()


# Imported files ------------------------------------------------------------------------------

HEADER = "received_at,channel,author,text,target,source_url\n"


def csv_bytes(*rows):
    return (HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


@pytest.mark.parametrize("character", list(RULE_BREAKERS.values()), ids=list(RULE_BREAKERS))
def test_an_import_refuses_control_characters_in_any_cell(consultation, section, character):
    preview = read_import(
        consultation,
        csv_bytes(
            f"2017-10-09,email,Sam,Text with{character}inside,1,",
            f"2017-10-09,email,Sam{character}Smith,Fine text,1,",
            f"2017-10{character}-09,email,Sam,Fine text,1,",
            f"2017-10-09,email,Sam,Fine text,1,https://example.org/{character}/",
        ),
    )
    problem = "contains hidden control characters (such as NUL, BEL or ESC). Correct the file and import it again."
    assert preview.errors == [
        f"Line 2: the text {problem}",
        f"Line 3: the author {problem}",
        f"Line 4: the received_at {problem}",
        f"Line 5: the source_url {problem}",
    ]
    assert not preview.can_import


def test_an_import_applies_the_name_rules_to_the_author(consultation, section):
    preview = read_import(
        consultation,
        csv_bytes(f"2017-10-09,email,Ann{RLO}nimda,Hello,1,", f"2017-10-09,email,{'A' * 201},Hello,1,"),
    )
    assert preview.errors == [
        "Line 2: the author contains hidden characters that change the direction of the text. "
        "Correct the file and import it again.",
        "Line 3: the author is longer than 200 characters.",
    ]


def test_an_imported_text_of_only_invisible_characters_is_empty(consultation, section):
    preview = read_import(consultation, csv_bytes("2017-10-09,email,Sam,\u200b\ufeff\u200d,1,"))
    assert preview.errors == ["Line 2: the text is empty."]


def test_the_import_command_refuses_a_file_with_a_nul_byte_and_echoes_no_control_character(
    consultation, section, tmp_path, capsys
):
    path = tmp_path / "letters.csv"
    path.write_bytes(csv_bytes("2017-10-09,email,Sam\x1b[31m,Hello\x00there,1,"))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_responses", consultation.slug, str(path))
    out = capsys.readouterr().out
    assert "the text contains hidden control characters" in out
    assert "\x1b" not in out and "\x00" not in out
    assert not Response.objects.exists()


def test_an_uploaded_file_with_a_nul_byte_shows_the_line_and_imports_nothing(admin_client, consultation, section):
    file = SimpleUploadedFile("letters.csv", csv_bytes("2017-10-09,email,Sam,Hello\x00there,1,"), "text/csv")
    upload = admin_client.post(reverse("admin:guidance_consultation_import", args=[consultation.pk]), {"file": file})
    preview_url = reverse("admin:guidance_consultation_import_preview", args=[consultation.pk])
    assert upload.status_code == 302 and upload.url == preview_url
    page = admin_client.get(preview_url)
    assert page.status_code == 400  # a page that says what is wrong, and a 4xx
    assert "Line 2: the text contains hidden control characters" in page.content.decode()
    assert 'name="import"' not in page.content.decode()
    refused = admin_client.post(preview_url, {"import": "Import"})
    assert refused.status_code == 400
    assert not Response.objects.exists()


# Email addresses: only what mail sending writes exactly as typed -------------------------------

ADDRESSES_MAIL_SENDING_WOULD_CHANGE = [
    '"=?utf-8?q?a=0Ab?="@example.org',  # an encoded word: decoded, a line break in a header
    "=?utf-8?q?ann?=@example.org",
    '"ann smith"@example.org',  # a quoted name
    "ann@[192.0.2.1]",  # an IP address for a domain
    "ann@[IPv6:2001:db8::1]",
    "ännä@example.org",  # a name in another script: sending would encode it
]


@pytest.mark.parametrize("address", ADDRESSES_MAIL_SENDING_WOULD_CHANGE)
def test_the_form_refuses_an_address_that_mail_sending_would_change_or_refuse(client, consultation, section, address):
    page = client.post(section_url(section, consultation), comment_data(email=address))
    assert page.status_code == 200
    assert "Enter an email address in the correct format, like name@example.com" in page.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("address", ["ann.smith+consult@example.org", "o'neill@example.co.uk", "ann@bücher.example"])
def test_ordinary_addresses_are_accepted(client, consultation, section, address):
    page = client.post(section_url(section, consultation), comment_data(email=address))
    assert page.status_code == 302
    assert Response.objects.get().email == address


@pytest.mark.parametrize("address", ADDRESSES_MAIL_SENDING_WOULD_CHANGE[:4])
def test_staff_entry_refuses_such_an_address_too(address):
    from django.core.exceptions import ValidationError

    from guidance.models import Response as ResponseModel

    with pytest.raises(ValidationError) as refused:
        ResponseModel(email=address).clean_fields(exclude=["consultation", "respondent_type", "consent"])
    assert "email" in refused.value.message_dict


@pytest.mark.parametrize("title", ["Our draft\r\nBcc: everyone@example.org", "Our draft\nguidance", "Draft\x1b[2J"])
def test_a_consultation_title_that_reaches_email_subjects_follows_the_name_rules(consultation, title):
    from django.core.exceptions import ValidationError

    consultation.title = title
    with pytest.raises(ValidationError) as refused:
        consultation.full_clean()
    assert CONTROL in str(refused.value.message_dict["title"])
