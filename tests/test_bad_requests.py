"""No request can make a 500: whatever arrives, the answer is a page that says what was wrong.

A form post in another text encoding than UTF-8 and a file sent to a public form each get the 400
page saying so; a corpus of hostile requests runs against every public URL (found by walking the
URLconf, so a new page is covered without touching this file) and the admin's sign-in page.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from guidance.consultations import previews, supporting
from guidance.models import Comment, Event, Report, Response
from tests.factories import CommentFactory, QuestionFactory
from tests.journey_helpers import comment_data, publish, section_url

pytestmark = pytest.mark.django_db

ENCODING_PROBLEM = "The form was sent in a text encoding other than UTF-8"
FILE_PROBLEM = "Our forms do not take files"


def browser():
    """A client that, like a browser, has the CSRF cookie and sends its token with each form."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/admin/login/")
    return client


def csrf_token(client):
    return client.cookies["csrftoken"].value


@pytest.fixture
def published_comment(consultation, section):
    return publish(CommentFactory(section=section, response__consultation=consultation))


@pytest.fixture
def form_posts(consultation, section, published_comment):
    """(url, fields) of every public form and the admin's sign-in, each filled in correctly."""
    question = QuestionFactory(consultation=consultation, position=1)
    return [
        (section_url(section, consultation), comment_data("Café au lait")),
        (
            reverse("guidance:questions", args=[consultation.slug]),
            {**comment_data(), f"answer_{question.pk}": "Café au lait"},
        ),
        (reverse("guidance:report_comment", args=[published_comment.pk]), {"reason": "other", "details": "Café"}),
        ("/admin/login/", {"username": "café", "password": "not-a-real-password"}),
    ]


def nothing_new_stored(published_comment):
    return Response.objects.count() == 1 and Comment.objects.count() == 1 and Report.objects.count() == 0


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "iso-8859-1", "windows-1252", "no-such-encoding"])
def test_a_form_post_in_another_encoding_than_utf8_gets_a_400_page_saying_so(form_posts, published_comment, charset):
    for url, fields in form_posts:
        client = browser()
        body = urlencode({**fields, "csrfmiddlewaretoken": csrf_token(client)}, encoding="latin-1")
        if charset == "utf-16":
            body = body.encode("utf-16")
        page = client.generic("POST", url, body, content_type=f"application/x-www-form-urlencoded; charset={charset}")
        assert page.status_code == 400, url
        assert "Sorry, there is a problem with what was sent" in page.content.decode()
        assert ENCODING_PROBLEM in page.content.decode()
    assert nothing_new_stored(published_comment)


def test_a_multipart_form_in_another_encoding_than_utf8_gets_the_same_400_page(consultation, section):
    client = browser()
    body = ('--XyZ\r\nContent-Disposition: form-data; name="comment"\r\n\r\nCaf\xe9\r\n--XyZ--\r\n').encode("latin-1")
    page = client.generic(
        "POST",
        section_url(section, consultation),
        body,
        content_type="multipart/form-data; boundary=XyZ; charset=latin-1",
    )
    assert page.status_code == 400
    assert ENCODING_PROBLEM in page.content.decode()


def test_another_spelling_of_utf8_is_read_as_utf8(consultation, section):
    client = browser()
    body = urlencode({**comment_data("Café au lait"), "csrfmiddlewaretoken": csrf_token(client)})
    page = client.generic(
        "POST", section_url(section, consultation), body, content_type="application/x-www-form-urlencoded; charset=UTF8"
    )
    assert page.status_code == 302
    assert Comment.objects.get().text == "Café au lait"


# Public forms take no files ------------------------------------------------------------------


@pytest.fixture
def file_handlers_used(monkeypatch):
    """Records each time Django's own upload handlers are handed a file: the memory handler keeps
    it in memory, the temporary-file handler writes it to disk."""
    used = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        for method in ("new_file", "receive_data_chunk"):
            original = getattr(handler, method)

            def record(self, *args, _original=original, _name=f"{handler.__name__}.{method}", **kwargs):
                used.append(_name)
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(handler, method, record)
    return used


def big_file():
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so without the refusal it would be written to disk.
    return SimpleUploadedFile("holiday.mov", b"\0" * 3_000_000, content_type="video/quicktime")


def test_a_file_sent_to_a_public_form_is_refused_before_any_of_it_is_kept(
    form_posts, published_comment, file_handlers_used, settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    for url, fields in form_posts:
        client = browser()
        page = client.post(url, {**fields, "csrfmiddlewaretoken": csrf_token(client), "attachment": big_file()})
        assert page.status_code == 400, url
        assert FILE_PROBLEM in page.content.decode()
    assert file_handlers_used == []
    assert list(tmp_path.iterdir()) == []
    assert nothing_new_stored(published_comment)


def test_a_file_sent_to_the_staff_import_without_signing_in_is_refused_too(consultation, file_handlers_used):
    client = browser()
    url = reverse("admin:guidance_consultation_import", args=[consultation.pk])
    page = client.post(url, {"csrfmiddlewaretoken": csrf_token(client), "file": big_file()})
    assert page.status_code == 400
    assert file_handlers_used == []


def test_a_form_without_a_file_part_is_accepted_as_multipart(consultation, section):
    # Nothing wrong with the encoding itself: only files are refused.
    client = browser()
    page = client.post(
        section_url(section, consultation), {**comment_data(), "csrfmiddlewaretoken": csrf_token(client)}
    )
    assert page.status_code == 302
    assert Comment.objects.count() == 1


# The corpus: every public URL, every hostile request ----------------------------------------------


def sample_arguments(consultation, section, comment):
    """A real value for each parameter a public URL takes. A new URL with a parameter not named
    here fails the corpus test until it is added."""
    link = previews.make_link(consultation, by=None)
    document = supporting.attach(consultation, "Full draft", SimpleUploadedFile("d.txt", b"The draft."), by=None)
    # A chat hour on now, so that its page takes a reply and a sign-up, with its story published so far.
    event = Event.objects.create(
        consultation=consultation,
        title="Chat hour",
        slug="chat-hour",
        starts_at=timezone.now() - datetime.timedelta(minutes=10),
        ends_at=timezone.now() + datetime.timedelta(minutes=50),
        signup_open=True,
    )
    publish_a_story_of(event)
    return {
        "slug": consultation.slug,
        "section_slug": section.slug,
        "pk": comment.pk,
        "token": previews.token_for(link),
        "document_id": document.pk,
        "comment_id": comment.pk,
        "event": event.slug,
    }


def publish_a_story_of(event):
    """A published story, so that the event's story page is there to be asked for."""
    from guidance.stories import editing

    story = editing.start_story(event, by=None)
    editing.add_words(story, kind="heading", text="What was said", position=1, by=None)
    editing.publish(story, by=None)


def public_url_names(patterns=None, namespace=""):
    """(name, parameter names) of every named URL but the admin's, walking the URLconf."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from public_url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", list(entry.pattern.converters)


@pytest.fixture
def public_urls(consultation, section, published_comment):
    QuestionFactory(consultation=consultation, position=1)
    arguments = sample_arguments(consultation, section, published_comment)
    urls = []
    for name, parameters in public_url_names():
        missing = [p for p in parameters if p not in arguments]
        assert not missing, f"{name} takes {missing}: add a real value for it to sample_arguments()"
        urls.append(reverse(name, kwargs={p: arguments[p] for p in parameters}))
    return urls


def test_the_walk_finds_every_public_page(public_urls, consultation, section):
    assert section_url(section, consultation) in public_urls
    assert reverse("guidance:questions", args=[consultation.slug]) in public_urls
    assert "/" in public_urls and "/comments/reported/" in public_urls
    assert not any(url.startswith("/admin/") for url in public_urls)


def multipart(parts, boundary="XyZ"):
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def field(name, value):
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value


def hostile_requests(token):
    """(description, method, suffix to the URL, body, content type, extra headers)."""
    form = {**comment_data(), "csrfmiddlewaretoken": token}
    form_body = urlencode(form)
    long_text = "x" * 50_000
    yield "unknown query parameters", "GET", "?utm_source=x&page=abc&page=-3&sort=..%2F&debug=1", b"", None, {}
    yield "huge page number", "GET", "?page=" + "9" * 5000, b"", None, {}
    yield "bad percent-encoding", "GET", "?q=%ZZ%&page=%FF%FE%C0%AF&%=%", b"", None, {}
    yield "NUL in the query", "GET", "?page=%00&q=a%00b", b"", None, {}
    yield "too many query parameters", "GET", "?" + "&".join(f"p{n}=1" for n in range(1500)), b"", None, {}
    yield "path traversal", "GET", "../../../../etc/passwd", b"", None, {}
    yield "encoded path traversal", "GET", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", b"", None, {}
    yield "NUL in the path", "GET", "%00", b"", None, {}
    yield "bad UTF-8 in the path", "GET", "%FF%FE", b"", None, {}
    yield "host not allowed", "GET", "", b"", None, {"HTTP_HOST": "evil.example"}
    yield "garbage host", "GET", "", b"", None, {"HTTP_HOST": "a b\x00c:99999"}
    yield (
        "garbage forwarded-for",
        "POST",
        "",
        form_body.encode(),
        "application/x-www-form-urlencoded",
        {
            "HTTP_X_FORWARDED_FOR": "not-an-address, ::::, 999.1.1.1:80, [zz]:1, " + "1" * 5000,
            "REMOTE_ADDR": "127.0.0.1",
        },
    )
    yield "garbage cookies", "GET", "", b"", None, {"HTTP_COOKIE": "sessionid=\x00bad; csrftoken=;;==; a=" + "b" * 8000}
    yield "huge header", "GET", "", b"", None, {"HTTP_USER_AGENT": "x" * 100_000, "HTTP_REFERER": "\x00" * 10}
    yield (
        "odd accept headers",
        "GET",
        "",
        b"",
        None,
        {
            "HTTP_ACCEPT_LANGUAGE": "zz-ZZ;q=abc, *;q=-1, " + "en," * 500,
            "HTTP_ACCEPT_ENCODING": "\x00",
            "HTTP_IF_MODIFIED_SINCE": "yesterday",
            "HTTP_RANGE": "bytes=99999999-1",
        },
    )
    yield "garbage request id", "GET", "", b"", None, {"HTTP_X_REQUEST_ID": "\n\x00" + "i" * 1000}
    for method in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "HEAD"):
        yield f"{method} with a form", method, "", form_body.encode(), "application/x-www-form-urlencoded", {}
    for charset in ("latin-1", "utf-16", "utf-32", "no-such-encoding", ""):
        yield (
            f"form in {charset!r}",
            "POST",
            "",
            form_body.encode("latin-1"),
            (f"application/x-www-form-urlencoded; charset={charset}"),
            {},
        )
    yield (
        "invalid UTF-8 in a form",
        "POST",
        "",
        form_body.encode() + b"&comment=%FF%FE%C0&name=\xff\xfe",
        ("application/x-www-form-urlencoded"),
        {},
    )
    yield (
        "NUL in every field",
        "POST",
        "",
        urlencode({**{name: f"a\x00{value}" for name, value in form.items()}, "csrfmiddlewaretoken": token}).encode(),
        "application/x-www-form-urlencoded",
        {},
    )
    yield (
        "overlong fields",
        "POST",
        "",
        urlencode(
            {
                **form,
                "comment": long_text,
                "name": long_text,
                "email": long_text + "@example.org",
                "organisation": long_text,
                "details": long_text,
                "username": long_text,
                "password": long_text,
            }
        ).encode(),
        "application/x-www-form-urlencoded",
        {},
    )
    yield (
        "odd choices and a bad token",
        "POST",
        "",
        urlencode(
            {
                **form,
                "respondent_type": "admin",
                "consent": "\u202e",
                "reason": "' OR 1=1 --",
                "form_token": "../../" + "f" * 300,
                "page": "-1",
            }
        ).encode(),
        "application/x-www-form-urlencoded",
        {},
    )
    yield (
        "repeated fields",
        "POST",
        "",
        (form_body + "&comment=two&comment=three&form_token=1&form_token=2").encode(),
        ("application/x-www-form-urlencoded"),
        {},
    )
    yield (
        "body over the limit",
        "POST",
        "",
        urlencode({**form, "comment": "x" * 1_100_000}).encode(),
        ("application/x-www-form-urlencoded"),
        {},
    )
    yield (
        "too many fields",
        "POST",
        "",
        urlencode({**form, **{f"field{n}": "x" for n in range(1001)}}).encode(),
        "application/x-www-form-urlencoded",
        {},
    )
    yield (
        "JSON body",
        "POST",
        "",
        b'{"comment": "hi", "csrfmiddlewaretoken": "' + token.encode() + b'"}',
        ("application/json"),
        {},
    )
    yield "no content type", "POST", "", form_body.encode(), "", {}
    body, content_type = multipart([field("csrfmiddlewaretoken", token.encode()), field("comment", b"hi")])
    yield "multipart without a boundary", "POST", "", body, "multipart/form-data", {}
    yield "multipart with an empty boundary", "POST", "", body, "multipart/form-data; boundary=", {}
    yield "multipart cut short", "POST", "", body[: len(body) // 2], content_type, {}
    yield "multipart with a wrong boundary", "POST", "", body, "multipart/form-data; boundary=Other", {}
    yield (
        "multipart with a file",
        "POST",
        "",
        multipart(
            [
                field("csrfmiddlewaretoken", token.encode()),
                b'Content-Disposition: form-data; name="f"; filename="\xff\x00../../x.sh"\r\n'
                b"Content-Type: text/x-sh\r\n\r\n#!/bin/sh",
            ]
        )[0],
        content_type,
        {},
    )
    yield (
        "multipart with odd part headers",
        "POST",
        "",
        multipart(
            [
                field("csrfmiddlewaretoken", token.encode()),
                b"Content-Disposition: form-data\r\n\r\nno name",
                b'Content-Disposition: form-data; name="comment"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!',
                b"X-Nothing: " + b"h" * 20_000 + b"\r\n\r\nvalue",
            ]
        )[0],
        content_type,
        {},
    )
    yield (
        "multipart with NUL and bad UTF-8",
        "POST",
        "",
        multipart(
            [field("csrfmiddlewaretoken", token.encode()), field("comment", b"\x00\xff\xfe"), field("name\x00", b"x")]
        )[0],
        content_type,
        {},
    )


def test_no_hostile_request_to_any_public_url_gets_a_server_error(public_urls):
    urls = [*public_urls, "/admin/login/", "/healthz", "/no-such-page/"]
    failures = []
    for url in urls:
        client = browser()
        for description, method, suffix, body, content_type, headers in hostile_requests(csrf_token(client)):
            if content_type is None:
                page = client.generic(method, url + suffix, **headers)
            else:
                page = client.generic(method, url + suffix, body, content_type=content_type, **headers)
            if page.status_code >= 500:
                failures.append(f"{method} {url}{suffix[:40]} ({description}): {page.status_code}")
    assert failures == [], "\n".join(failures)
