"""The story of an event: staff make it from the event's approved messages (live, or imported from a
tweetchat's transcript), put them in order with headings and linking text, preview and publish it; the
public reads it, with each name only as its writer agreed; a reply whose answer stops being published
leaves it by itself; changes after publishing are recorded and shown."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guidance.events.models import ChatMessage
from guidance.models import Comment, Consultation, Response, Story, StoryEdit, StoryItem
from guidance.moderation import by_respondent
from guidance.moderation.decisions import decide
from guidance.privacy.retention import erase_response
from guidance.stories import editing
from tests.factories import QuestionFactory
from tests.story_helpers import approve, chat_event, chat_reply, host_message, published_story

pytestmark = pytest.mark.django_db

NAMED = Response.Consent.PUBLISH_NAMED
ANONYMOUS = Response.Consent.PUBLISH_ANONYMOUS
PRIVATE = Response.Consent.DO_NOT_PUBLISH
TRANSCRIPT = (
    "received_at,channel,author,text,target,source_url\n"
    "2026-11-09T20:05,social media,@carer_ann,A1: Pay carers for the time they give,,\n"
    "2026-11-09T20:07,social media,@bob_k,A1 Travel costs put people off,,\n"
    "2026-11-09T20:20,social media,@carer_ann,A2 Ask us before the plan is written,,\n"
)


@pytest.fixture
def questions(consultation):
    return [
        QuestionFactory(consultation=consultation, position=1, text="How should carers be paid?"),
        QuestionFactory(consultation=consultation, position=2, text="When should people be involved?"),
    ]


@pytest.fixture
def event(consultation):
    return chat_event(consultation)


def story_url(event):
    return reverse("guidance:event_story", args=[event.consultation.slug, event.slug])


def editor_url(event, name="", *args):
    return reverse(f"admin:guidance_event_story{'_' + name if name else ''}", args=[event.pk, *args])


def public_page(event):
    return Client().get(story_url(event))


def text_of(response):
    return response.content.decode()


# Messages from a tweetchat's transcript ------------------------------------------------------------


def import_transcript(client, consultation, event=None, transcript=TRANSCRIPT):
    file = SimpleUploadedFile("tweetchat.csv", transcript.encode(), content_type="text/csv")
    data = {"file": file, **({"event": event.pk} if event else {})}
    uploaded = client.post(reverse("admin:guidance_consultation_import", args=[consultation.pk]), data)
    assert uploaded.status_code == 302, text_of(uploaded)
    preview = client.get(uploaded.url)
    done = client.post(uploaded.url, {"import": "Import"})
    assert done.status_code == 302, text_of(done)
    return text_of(preview), text_of(client.get(done.url))


def test_a_story_is_made_from_an_imported_tweetchat_transcript_published_and_read(
    manager_client, consultation, questions, event, moderator
):
    upload_page = text_of(manager_client.get(reverse("admin:guidance_consultation_import", args=[consultation.pk])))
    assert "These are the messages of event" in upload_page and "Carers&#x27; chat hour" in upload_page

    preview, after = import_transcript(manager_client, consultation, event)
    assert "These are the messages of the event “Carers&#x27; chat hour”" in preview
    assert "Imported 3 response(s)" in after and "Each is also a message of the event" in after

    messages = list(event.messages.order_by("posted_at"))
    assert [(m.question.number, m.display_name, m.imported, m.status) for m in messages] == [
        ("Q1", "@carer_ann", True, "approved"),
        ("Q1", "@bob_k", True, "approved"),
        ("Q2", "@carer_ann", True, "approved"),
    ]
    assert messages[0].comment.text == "A1: Pay carers for the time they give"
    assert messages[0].comment.status == Comment.Status.PENDING
    assert messages[0].posted_at == messages[0].comment.created_at
    assert messages[0].posted_at.isoformat().startswith("2026-11-09T20:05")

    assert manager_client.post(editor_url(event, "start")).status_code == 302
    editor = text_of(manager_client.get(editor_url(event)))
    assert "Q1. How should carers be paid?" in editor and editor.count("Add to story") == 3
    for message in messages:
        manager_client.post(editor_url(event, "add_message"), {"message": message.pk})
    manager_client.post(
        editor_url(event, "details"), {"title": "The carers' tweetchat", "introduction": "An hour on Twitter."}
    )
    # The answers wait for a moderator: the editor says so, and the preview leaves them out.
    assert "Not shown yet: its answer is waiting for a moderator." in text_of(manager_client.get(editor_url(event)))
    assert "Pay carers" not in text_of(manager_client.get(editor_url(event, "preview")))

    approve(messages, moderator)
    # The import's choice: published without a name, until staff change it.
    Response.objects.filter(name="@bob_k").update(consent=NAMED)
    assert manager_client.post(editor_url(event, "publish")).status_code == 302

    page = text_of(public_page(event))
    assert "The carers&#x27; tweetchat" in page and "An hour on Twitter." in page
    assert (
        page.index("Q1. How should carers be paid?")
        < page.index("Pay carers for the time")
        < page.index("Travel costs")
        < page.index("Q2. When should people be involved?")
        < page.index("Ask us before")
    )
    assert "@carer_ann" not in page and page.count("Anonymous") == 2 and "@bob_k" in page
    assert "in the tweetchat" in page and "8:05pm on Monday 9 November 2026" in page


def test_importing_without_choosing_an_event_makes_no_messages(manager_client, consultation, questions, event):
    _, after = import_transcript(manager_client, consultation)
    assert "Imported 3 response(s)" in after and "message of the event" not in after
    assert ChatMessage.objects.count() == 0 and Comment.objects.count() == 3


def test_importing_a_transcript_again_adds_no_second_messages(manager_client, consultation, questions, event):
    import_transcript(manager_client, consultation, event)
    _, after = import_transcript(manager_client, consultation, event)
    assert "Imported 0 response(s)" in after
    assert event.messages.count() == 3


def test_an_import_refused_makes_no_messages(manager_client, consultation, questions, event):
    bad = TRANSCRIPT + "soon,social media,@x,A9 nothing,,\n"
    file = SimpleUploadedFile("tweetchat.csv", bad.encode(), content_type="text/csv")
    uploaded = manager_client.post(
        reverse("admin:guidance_consultation_import", args=[consultation.pk]), {"file": file, "event": event.pk}
    )
    refused = manager_client.post(uploaded.url, {"import": "Import"})
    assert refused.status_code == 400
    assert ChatMessage.objects.count() == 0 and Response.objects.count() == 0


def test_the_import_refuses_an_event_that_is_not_the_consultations(manager_client, consultation, questions, event):
    other = chat_event(QuestionFactory().consultation, slug="elsewhere")
    file = SimpleUploadedFile("tweetchat.csv", TRANSCRIPT.encode(), content_type="text/csv")
    answer = manager_client.post(
        reverse("admin:guidance_consultation_import", args=[consultation.pk]), {"file": file, "event": other.pk}
    )
    assert answer.status_code == 200
    assert "Select a valid choice" in text_of(answer)
    assert Response.objects.count() == 0


def test_a_consultation_without_events_is_not_offered_the_choice(manager_client, consultation):
    page = text_of(manager_client.get(reverse("admin:guidance_consultation_import", args=[consultation.pk])))
    assert "These are the messages of event" not in page


# Live chat messages --------------------------------------------------------------------------------


def test_a_story_is_made_from_live_chat_messages(manager_client, manager, moderator, consultation, questions, event):
    host = host_message(event, questions[0], "Q1: how should carers be paid?", manager)
    first = chat_reply(event, questions[0], "A fair hourly rate.", name="Ann Smith", minutes=5)
    second = chat_reply(event, questions[1], "From the very start.", name="Raj Patel", consent=ANONYMOUS, minutes=20)
    waiting = ChatMessage.objects.create(
        event=event, question=questions[0], text="Not approved yet", posted_at=first.posted_at
    )
    approve([first, second], moderator)

    manager_client.post(editor_url(event, "start"))
    editor = text_of(manager_client.get(editor_url(event)))
    assert "Not approved yet" not in editor
    for message in [host, first, second]:
        manager_client.post(editor_url(event, "add_message"), {"message": message.pk})
    refused = manager_client.post(editor_url(event, "add_message"), {"message": waiting.pk}, follow=True)
    assert "That message cannot be added" in text_of(refused)
    manager_client.post(editor_url(event, "publish"))

    page = text_of(public_page(event))
    assert page.index("Kit from the team") < page.index("A fair hourly rate.") < page.index("From the very start.")
    assert "Ann Smith" in page and "Raj Patel" not in page and "Anonymous" in page
    assert "Host" in page and "in the tweetchat" not in page


def test_a_message_added_goes_after_the_others_on_its_question(manager, moderator, consultation, questions, event):
    q1a = chat_reply(event, questions[0], "First on Q1", minutes=5)
    q2 = chat_reply(event, questions[1], "On Q2", minutes=6)
    q1b = chat_reply(event, questions[0], "Second on Q1", minutes=7)
    story = editing.start_story(event, by=manager)
    for message in [q1a, q2, q1b]:
        editing.add_message(story, message.pk, by=manager)
    assert [item.message.text for item in story.items.order_by("position")] == ["First on Q1", "Second on Q1", "On Q2"]


# Consent, and what stops being published ---------------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "shown", "name_shown"),
    [(NAMED, True, True), (ANONYMOUS, True, False), (PRIVATE, False, False)],
)
def test_each_publication_choice_is_honoured_on_the_story_page(
    manager, moderator, consultation, questions, event, consent, shown, name_shown
):
    message = chat_reply(event, questions[0], "Carers need paying.", name="Ann Smith", consent=consent)
    approve([message], moderator)
    published_story(event, [message], manager)
    page = text_of(public_page(event))
    assert ("Carers need paying." in page) is shown
    assert ("Ann Smith" in page) is name_shown
    if shown and not name_shown:
        assert "Anonymous" in page


def reject(message, moderator):
    """Reopened, then rejected: the state machine's only way from published to rejected."""
    decide(Comment.objects.filter(pk=message.comment_id), Comment.Status.PENDING, by=moderator)
    decide(
        Comment.objects.filter(pk=message.comment_id), Comment.Status.REJECTED, by=moderator, reason_code="off_topic"
    )


def withdraw(message, moderator):
    by_respondent.withdraw(Comment.objects.filter(pk=message.comment_id))


def erase(message, moderator):
    erase_response(message.response, by=moderator, include_text=True)


def no_longer_public(message, moderator):
    Response.objects.filter(pk=message.response_id).update(consent=PRIVATE)


def taken_down(message, moderator):
    ChatMessage.objects.filter(pk=message.pk).update(status=ChatMessage.Status.TAKEN_DOWN)


@pytest.mark.parametrize("change", [reject, withdraw, erase, no_longer_public, taken_down])
def test_a_reply_that_stops_being_published_leaves_the_story_by_itself(
    manager_client, manager, moderator, consultation, questions, event, change
):
    kept = chat_reply(event, questions[0], "This one stays.", name="Bea Jones", minutes=3)
    going = chat_reply(event, questions[0], "This one goes.", name="Ann Smith", minutes=4)
    approve([kept, going], moderator)
    published_story(event, [kept, going], manager)
    assert "This one goes." in text_of(public_page(event))

    change(going, moderator)
    page = text_of(public_page(event))
    assert "This one stays." in page and "This one goes." not in page and "Ann Smith" not in page
    assert "This one goes." not in text_of(manager_client.get(editor_url(event, "preview")))
    assert "Not shown" in text_of(manager_client.get(editor_url(event)))


def test_a_name_erased_on_request_is_not_shown_but_the_words_stay(manager, moderator, consultation, questions, event):
    message = chat_reply(event, questions[0], "Carers need paying.", name="Ann Smith")
    approve([message], moderator)
    published_story(event, [message], manager)
    erase_response(message.response, by=moderator, include_text=False)
    page = text_of(public_page(event))
    assert "Carers need paying." in page and "Ann Smith" not in page and "Anonymous" in page


def test_a_redacted_answer_shows_as_redacted(manager, moderator, consultation, questions, event):
    message = chat_reply(event, questions[0], "Call me on 07700 900123 about pay.")
    approve([message], moderator)
    published_story(event, [message], manager)
    Comment.objects.filter(pk=message.comment_id).update(text="Call me on [number removed] about pay.")
    page = text_of(public_page(event))
    assert "[number removed]" in page and "07700" not in page


# Order, headings and linking text -------------------------------------------------------------------


def items_in_order(event):
    return [
        item.text or item.message.text for item in StoryItem.objects.filter(story__event=event).order_by("position")
    ]


def test_items_move_up_and_down_and_are_removed(manager_client, manager, moderator, consultation, questions, event):
    replies = [chat_reply(event, questions[0], text, minutes=n) for n, text in enumerate(["One", "Two", "Three"])]
    approve(replies, moderator)
    story = published_story(event, replies, manager)
    one, two, three = story.items.order_by("position")

    manager_client.post(editor_url(event, "move", three.pk), {"direction": "up"})
    assert items_in_order(event) == ["One", "Three", "Two"]
    manager_client.post(editor_url(event, "move", one.pk), {"direction": "down"})
    assert items_in_order(event) == ["Three", "One", "Two"]
    top = manager_client.post(editor_url(event, "move", three.pk), {"direction": "up"}, follow=True)
    assert "at the top of the story already" in text_of(top)
    end = manager_client.post(editor_url(event, "move", two.pk), {"direction": "down"}, follow=True)
    assert "at the end of the story already" in text_of(end)
    manager_client.post(editor_url(event, "remove", one.pk))
    assert items_in_order(event) == ["Three", "Two"]
    assert list(StoryItem.objects.order_by("position").values_list("position", flat=True)) == [1, 2]
    page = text_of(public_page(event))
    assert page.index("Three") < page.index("Two") and ">One<" not in page
    # A message taken out can be put back.
    assert "Add to story" in text_of(manager_client.get(editor_url(event)))


def test_headings_and_linking_text_are_put_where_chosen(
    manager_client, manager, moderator, consultation, questions, event
):
    q1 = chat_reply(event, questions[0], "On pay", minutes=1)
    q2 = chat_reply(event, questions[1], "On timing", minutes=2)
    approve([q1, q2], moderator)
    published_story(event, [q1, q2], manager)

    added = manager_client.post(
        editor_url(event, "add_words"), {"kind": "heading", "text": "Money matters", "position": 1}
    )
    assert added.status_code == 302
    manager_client.post(
        editor_url(event, "add_words"), {"kind": "text", "text": "Then we turned to timing.", "position": 3}
    )
    assert items_in_order(event) == ["Money matters", "On pay", "Then we turned to timing.", "On timing"]
    heading, _, linking, _ = StoryItem.objects.order_by("position")
    assert heading.question == questions[0] and linking.question == questions[1]

    page = text_of(public_page(event))
    assert '<h3 class="govuk-heading-m portal-story__heading">Money matters</h3>' in page
    assert page.index("Q1. How should carers be paid?") < page.index("Money matters") < page.index("On pay")
    assert page.index("Q2. When should") < page.index("Then we turned to timing.") < page.index("On timing")


# Changes after publishing -------------------------------------------------------------------------


def test_changes_after_publishing_are_recorded_and_shown(
    manager_client, manager, moderator, consultation, questions, event
):
    first = chat_reply(event, questions[0], "On pay", minutes=1)
    later = chat_reply(event, questions[0], "More on pay", minutes=2)
    approve([first, later], moderator)
    story = editing.start_story(event, by=manager)
    editing.add_message(story, first.pk, by=manager)
    editing.add_words(story, kind="heading", text="Before publishing", position=1, by=manager)
    assert StoryEdit.objects.count() == 0  # before publishing, nothing is recorded
    manager_client.post(editor_url(event, "publish"))
    assert "Updated on" not in text_of(public_page(event))

    manager_client.post(editor_url(event, "details"), {"title": "A better title", "introduction": ""})
    manager_client.post(editor_url(event, "add_message"), {"message": later.pk})
    manager_client.post(editor_url(event, "add_words"), {"kind": "heading", "text": "Costs", "position": 1})

    assert list(StoryEdit.objects.order_by("pk").values_list("change", flat=True)) == [
        "Changed the title",
        "Added a message on Q1",
        "Added the heading “Costs”",
    ]
    page = text_of(public_page(event))
    assert "Updated on" in page and "Added the heading “Costs”" in page and "Changed the title" in page
    editor = text_of(manager_client.get(editor_url(event)))
    assert "Changes since publishing" in editor and "Kit Jones" in editor and "Added a message on Q1" in editor
    story.refresh_from_db()
    assert story.updated_at > story.published_at


def test_publishing_twice_or_with_nothing_in_it_is_refused(manager_client, manager, consultation, questions, event):
    manager_client.post(editor_url(event, "start"))
    empty = manager_client.post(editor_url(event, "publish"), follow=True)
    assert "Add at least one message" in text_of(empty)
    assert not Story.objects.get().is_published
    manager_client.post(editor_url(event, "add_words"), {"kind": "heading", "text": "Hello", "position": 1})
    manager_client.post(editor_url(event, "publish"))
    again = manager_client.post(editor_url(event, "publish"), follow=True)
    assert "published already" in text_of(again)


# Who may see what ---------------------------------------------------------------------------------


def test_the_story_is_not_found_until_it_is_published(
    manager_client, manager, moderator, consultation, questions, event
):
    assert public_page(event).status_code == 404
    message = chat_reply(event, questions[0], "On pay")
    approve([message], moderator)
    story = editing.start_story(event, by=manager)
    editing.add_message(story, message.pk, by=manager)
    assert public_page(event).status_code == 404
    preview = manager_client.get(editor_url(event, "preview"))
    assert preview.status_code == 200 and "Preview" in text_of(preview) and "On pay" in text_of(preview)
    assert "no-store" in preview["Cache-Control"]
    assert Client().get(editor_url(event, "preview")).status_code == 302  # to the staff sign-in
    editing.publish(story, by=manager)
    assert public_page(event).status_code == 200


def test_a_story_of_a_draft_consultation_is_not_public(manager, moderator, consultation, questions, event):
    message = chat_reply(event, questions[0], "On pay")
    approve([message], moderator)
    published_story(event, [message], manager)
    Consultation.objects.filter(pk=consultation.pk).update(
        publication=Consultation.Publication.DRAFT, content_version=consultation.content_version + 1
    )
    assert public_page(event).status_code == 404


def test_another_consultations_address_does_not_find_the_story(manager, moderator, consultation, questions, event):
    message = chat_reply(event, questions[0], "On pay")
    approve([message], moderator)
    published_story(event, [message], manager)
    other = QuestionFactory().consultation
    assert Client().get(reverse("guidance:event_story", args=[other.slug, event.slug])).status_code == 404
    assert Client().get(reverse("guidance:event_story", args=[consultation.slug, "no-such-event"])).status_code == 404


@pytest.mark.parametrize("role", ["moderator", "analyst"])
def test_only_staff_who_may_edit_stories_reach_the_editor(client, request, role, consultation, event):
    client.force_login(request.getfixturevalue(role))
    for name in ["", "preview"]:
        assert client.get(editor_url(event, name)).status_code == 403
    assert client.get(reverse("admin:guidance_consultation_stories", args=[consultation.pk])).status_code == 403
    assert client.post(editor_url(event, "start")).status_code == 403
    assert not Story.objects.exists()


def test_a_manager_finds_the_stories_from_the_consultation(manager_client, consultation, event):
    settings_page = text_of(manager_client.get(reverse("admin:guidance_consultation_change", args=[consultation.pk])))
    assert reverse("admin:guidance_consultation_stories", args=[consultation.pk]) in settings_page
    overview = text_of(manager_client.get(reverse("admin:guidance_consultation_stories", args=[consultation.pk])))
    assert "Carers&#x27; chat hour" in overview and "Make its story" in overview
    start = text_of(manager_client.get(editor_url(event)))
    assert "Make its story" in start
    manager_client.post(editor_url(event, "start"))
    assert Story.objects.get().title == "Carers' chat hour"


def test_the_consultation_page_and_its_outcome_link_to_the_published_story(
    client, manager, moderator, closed, questions, event
):
    message = chat_reply(event, questions[0], "On pay")
    approve([message], moderator)
    overview = text_of(Client().get(closed.get_absolute_url()))
    assert story_url(event) not in overview
    published_story(event, [message], manager)
    overview = text_of(Client().get(closed.get_absolute_url()))
    assert story_url(event) in overview and "What carers told us" in overview
    outcome = overview[overview.index('id="outcome-heading"') :]
    assert story_url(event) in outcome.split("How we handled the responses")[0]


def test_an_open_consultations_page_links_to_the_story_with_what_others_said(
    manager, moderator, consultation, questions, event
):
    message = chat_reply(event, questions[0], "On pay")
    approve([message], moderator)
    published_story(event, [message], manager)
    overview = text_of(Client().get(consultation.get_absolute_url()))
    said = overview[overview.index("What others have said") :]
    assert story_url(event) in said and "What carers told us" in said
    assert 'id="outcome-heading"' not in overview


def test_the_writes_accept_only_posts(manager_client, event):
    for name in ["start", "details", "add_message", "add_words", "publish"]:
        assert manager_client.get(editor_url(event, name)).status_code == 405


# Bad input ----------------------------------------------------------------------------------------


@pytest.fixture
def story(manager, moderator, consultation, questions, event):
    message = chat_reply(event, questions[0], "On pay")
    approve([message], moderator)
    return published_story(event, [message], manager)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "heading", "text": "", "position": 1}, "Enter the words of the heading or linking text."),
        ({"kind": "heading", "text": "   ", "position": 1}, "Enter the words of the heading or linking text."),
        (
            {"kind": "heading", "text": "x" * 151, "position": 1},
            "A heading must be 150 characters or fewer; it has 151.",
        ),
        ({"kind": "heading", "text": "Two\nlines", "position": 1}, "A heading is one line"),
        ({"kind": "text", "text": "x" * 1001, "position": 1}, "A linking text must be 1,000 characters or fewer"),
        ({"kind": "text", "text": "Bell \x07 here", "position": 1}, "The linking text:"),
        ({"kind": "quote", "text": "Hello", "position": 1}, "Select a valid choice"),
        ({"text": "Hello", "position": 1}, "Choose a heading or a linking text."),
        ({"kind": "heading", "text": "Hello", "position": 9}, "Choose where to put it from the list"),
        ({"kind": "heading", "text": "Hello", "position": "top"}, "Choose where to put it from the list"),
        ({"kind": "heading", "text": "Hello"}, "Choose where to put it."),
    ],
)
def test_a_bad_heading_or_linking_text_is_refused_with_a_clear_error(manager_client, story, data, error):
    answer = manager_client.post(editor_url(story.event, "add_words"), data)
    assert answer.status_code == 400
    assert error in text_of(answer)
    assert StoryItem.objects.count() == 1 and StoryEdit.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "introduction": ""}, "Enter the story&#x27;s title."),
        ({"title": "x" * 201, "introduction": ""}, "Ensure this value has at most 200 characters"),
        ({"title": "Fine", "introduction": "x" * 3001}, "Ensure this value has at most 3000 characters"),
        ({"title": "Fine\u202e", "introduction": ""}, "The title:"),
    ],
)
def test_a_bad_title_or_introduction_is_refused_with_a_clear_error(manager_client, story, data, error):
    answer = manager_client.post(editor_url(story.event, "details"), data)
    assert answer.status_code == 400
    assert error in text_of(answer)
    story.refresh_from_db()
    assert story.title == "What carers told us"


def test_a_message_that_is_not_this_events_cannot_be_added(manager_client, manager, moderator, story, questions):
    other_event = chat_event(story.event.consultation, slug="another-hour")
    theirs = chat_reply(other_event, questions[0], "Said elsewhere")
    approve([theirs], moderator)
    for value in [theirs.pk, 999999, "abc", "", "1e3"]:
        answer = manager_client.post(editor_url(story.event, "add_message"), {"message": value}, follow=True)
        assert answer.status_code == 200
        page = text_of(answer)
        assert "That message cannot be added" in page or "Choose a message of this event to add." in page
    mine = StoryItem.objects.get().message_id
    twice = manager_client.post(editor_url(story.event, "add_message"), {"message": mine}, follow=True)
    assert "in the story already" in text_of(twice)
    assert StoryItem.objects.count() == 1


def test_an_item_that_is_not_in_this_story_cannot_be_moved_or_removed(
    manager_client, manager, moderator, story, questions
):
    other_event = chat_event(story.event.consultation, slug="another-hour")
    theirs = chat_reply(other_event, questions[0], "Said elsewhere")
    approve([theirs], moderator)
    other_story = published_story(other_event, [theirs], manager)
    their_item = other_story.items.get()
    for url in [editor_url(story.event, "remove", their_item.pk), editor_url(story.event, "remove", 999999)]:
        answer = manager_client.post(url, follow=True)
        assert "That item is not in this story" in text_of(answer)
    answer = manager_client.post(editor_url(story.event, "move", their_item.pk), {"direction": "up"}, follow=True)
    assert "That item is not in this story" in text_of(answer)
    mine = story.items.get()
    sideways = manager_client.post(editor_url(story.event, "move", mine.pk), {"direction": "sideways"}, follow=True)
    assert "Choose to move it up or down." in text_of(sideways)
    assert StoryItem.objects.count() == 2 and StoryEdit.objects.count() == 0


def test_changing_a_story_that_does_not_exist_yet_says_to_make_it(manager_client, event):
    for name, data in [
        ("details", {"title": "T"}),
        ("add_words", {}),
        ("publish", {}),
        ("add_message", {"message": 1}),
    ]:
        answer = manager_client.post(editor_url(event, name), data, follow=True)
        assert answer.status_code == 200 and "This event has no story yet" in text_of(answer)
    assert manager_client.get(editor_url(event, "preview")).status_code == 404
    assert manager_client.get(reverse("admin:guidance_event_story", args=[999999])).status_code == 404


def test_the_domain_functions_refuse_bad_words_whatever_door_they_come_from(story, manager):
    refusals = [
        (
            {"kind": "heading", "text": "x" * 151, "position": 1},
            "The heading must be 150 characters or fewer; it has 151.",
        ),
        ({"kind": "heading", "text": " \u200b ", "position": 1}, "Enter the heading."),
        ({"kind": "text", "text": "x" * 1001, "position": 1}, "The linking text must be 1,000 characters or fewer"),
        ({"kind": "message", "text": "Hello", "position": 1}, "Choose a heading or a linking text."),
        ({"kind": "heading", "text": "Hello", "position": 0}, "Choose where to put the heading: a place from 1 to 2."),
        ({"kind": "heading", "text": "Hello", "position": None}, "Choose where to put the heading"),
    ]
    for arguments, message in refusals:
        with pytest.raises(editing.StoryRefused, match=message.replace("(", r"\(")):
            editing.add_words(story, **arguments, by=manager)
    with pytest.raises(editing.StoryRefused, match="Enter the title."):
        editing.change_details(story, title="  ", introduction="", by=manager)
    assert StoryItem.objects.count() == 1 and StoryEdit.objects.count() == 0
