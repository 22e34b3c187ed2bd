"""A respondent's own response: the link that brings it back on any device, what became of each
comment and answer in plain words, and what they may change until the consultation closes.

The link to continue. A signed token (Django's signing, with the portal's secret key and a salt of
its own, so it serves this purpose and no other) naming the response and its link_version. It is
refused when it was changed by hand, when it names another consultation's response, once the
respondent has stopped their links (revoke_links adds one to link_version, which every earlier link
carries), once the response is withdrawn, and once retention has removed its personal details.
After the close it still opens the response, read-only: what they sent, what became of each item
and the official answers. It may be used any number of times: a mail program that opens links to
check them first must not use it up. No accounts and no passwords.

What a respondent may do, each refused (RespondentError) once the consultation has closed: change
the text of a comment or answer (guidance/moderation/by_respondent.py, change_text: the earlier text is kept in
its history, and one that was decided goes back to a moderator), withdraw one, withdraw the whole
response, change their publication choice and whether they are told what happened.
"""

import dataclasses

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from guidance.consultations.access import Access
from guidance.mail import mailqueue
from guidance.models import Comment, ModerationReason, Response
from guidance.moderation import by_respondent, decisions

LINK_SALT = "guidance.responses.respondents.continue"


class RespondentError(Exception):
    """What the respondent asked cannot be done (the consultation has closed): nothing changed."""


# The link to continue ------------------------------------------------------------------------


def continue_token(response):
    # The response's reference, not its number: a link says nothing of how many responses there are.
    return signing.dumps({"ref": response.reference, "v": response.link_version}, salt=LINK_SALT)


def continue_path(response):
    return reverse("guidance:continue", args=[response.consultation.slug, continue_token(response)])


class LinkRefused(Exception):
    """A link to continue that does not open a response; `reason` says why, for the page."""

    BROKEN = "broken"
    OTHER_CONSULTATION = "other_consultation"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def response_for_link(token, consultation):
    """The response a link to continue opens on `consultation`'s pages, or LinkRefused."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        raise LinkRefused(LinkRefused.BROKEN) from None
    if isinstance(data, dict) and isinstance(data.get("ref"), str):
        found = {"reference": data["ref"]}
    elif isinstance(data, dict) and isinstance(data.get("r"), int):
        found = {"pk": data["r"]}  # links emailed before they named the reference
    else:
        raise LinkRefused(LinkRefused.BROKEN)
    response = Response.objects.filter(channel=Response.Channel.ONLINE, **found).first()
    if response is None:
        raise LinkRefused(LinkRefused.BROKEN)
    if response.consultation_id != consultation.pk:
        raise LinkRefused(LinkRefused.OTHER_CONSULTATION)
    if response.anonymised_at:
        raise LinkRefused(LinkRefused.ERASED)
    if response.withdrawn_at:
        raise LinkRefused(LinkRefused.WITHDRAWN)
    if data.get("v") != response.link_version:
        raise LinkRefused(LinkRefused.REVOKED)
    return response


# What became of each comment, in plain words ---------------------------------------------------


# Why a comment was not published, as the respondent is told it: never the moderator's own words.
PUBLIC_REASONS = {
    ModerationReason.OFFENSIVE: "It contained language that is offensive or abusive.",
    ModerationReason.PERSONAL: "It contained personal information, such as details that could identify someone, "
    "which we do not publish.",
    ModerationReason.OFF_TOPIC: "It was not about the draft or the consultation's questions.",
    ModerationReason.DUPLICATE: "It repeated a comment that had already been sent.",
    ModerationReason.OTHER: "It did not meet our rules for what we publish.",
}
SPAM_REASON = "It looked like advertising or spam."


@dataclasses.dataclass(frozen=True)
class StateInWords:
    """A comment's state as its respondent is told it: a short label, a sentence more, and the
    colour of its tag (GOV.UK Frontend's tag modifiers)."""

    label: str
    detail: str = ""
    colour: str = "grey"
    is_published: bool = False


def comment_state(comment):
    status = comment.status
    if status == Comment.Status.WITHDRAWN:
        return StateInWords("Withdrawn", "You withdrew it. It is not published and is left out of the analysis.")
    if status == Comment.Status.PENDING:
        return StateInWords(
            "Waiting for a moderator", "A moderator reads every comment before anything is published.", "blue"
        )
    if status == Comment.Status.APPROVED:
        if comment.response.consent == Response.Consent.DO_NOT_PUBLISH:
            return StateInWords(
                "Accepted, not published",
                "A moderator accepted it. It is not published because you asked us not to publish your response.",
                "turquoise",
            )
        return StateInWords("Published", "", "green", is_published=True)
    if status == Comment.Status.SPAM:
        return StateInWords("Not published", SPAM_REASON, "red")
    return StateInWords("Not published", PUBLIC_REASONS.get(comment.reason_code, PUBLIC_REASONS["other"]), "red")


def may_change(comment):
    return comment.status in decisions.MAY_CHANGE_TEXT


def may_withdraw(comment):
    return comment.status != Comment.Status.WITHDRAWN


# What a respondent may change until the close --------------------------------------------------


CLOSED_MESSAGE = (
    "This consultation has closed, so your response can no longer be changed. "
    "What you sent stays as it was when the consultation closed."
)


def check_open(response, now=None):
    if not Access(response.consultation, now=now or timezone.now()).may_change_own_response:
        raise RespondentError(CLOSED_MESSAGE)


def change_comment(response, comment, text):
    """The respondent's new text for one of their comments or answers. True if it changed."""
    check_open(response)
    if not may_change(comment):
        raise RespondentError("This comment cannot be changed.")
    try:
        return by_respondent.change_text(comment.pk, text)
    except decisions.ModerationError as error:
        raise RespondentError(str(error)) from None


def withdraw_comment(response, comment):
    check_open(response)
    return by_respondent.withdraw(Comment.objects.filter(pk=comment.pk, response=response))


def withdraw_response(response):
    """Withdraw every comment and answer, delete the saved forms, stop the links and the emails
    saying what happened, and cancel any email still queued for it: the response stays in the
    audit trail, marked withdrawn."""
    check_open(response)
    now = timezone.now()
    with transaction.atomic():
        by_respondent.withdraw(response.comments.all(), now=now)
        response.saved_forms.all().delete()
        mailqueue.cancel(response.emails.all(), reason="response withdrawn")
        Response.objects.filter(pk=response.pk).update(
            withdrawn_at=now, notify=False, link_version=F("link_version") + 1
        )
    response.refresh_from_db()


def change_choices(response, *, consent, notify):
    """The publication choice and whether to be told what happened. Not publishing, or publishing
    without the name, applies at once; publishing with the name waits for a moderator
    (by_respondent.name_to_publish_changed)."""
    check_open(response)
    with transaction.atomic():
        shown_as = by_respondent.shown_as(response)
        Response.objects.filter(pk=response.pk).update(consent=consent, notify=bool(notify and response.email))
        response.refresh_from_db()
        by_respondent.publication_changed(response, shown_as)


def revoke_links(response):
    """Stop every link to continue this response sent so far."""
    Response.objects.filter(pk=response.pk).update(link_version=F("link_version") + 1)
    response.refresh_from_db()
