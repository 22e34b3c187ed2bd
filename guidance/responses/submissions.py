"""Storing what the public sends: each form adds its comments and answers to the respondent's one
response to the consultation, in one transaction with its receipt; or is saved to finish later.

One response per person per consultation. The browser (or a link to continue, guidance/
respondents.py) says which response is theirs; the first form sent or saved makes it. Everything
they send afterwards, in any order and any number of forms, joins it under the same reference, and
the details sent with the latest form (name, email, type, publication choice) are the response's.

Each form carries a one-time token, recorded with what it sent (a Submission). Sending the same
form again (a double click, or going back and resubmitting it unchanged) finds that Submission and
stores nothing new. A token already used for anything else (changed answers, another section,
another consultation's form) is refused with FormAlreadySent: one response's reference is never
shown for another, and nothing sent is dropped without the respondent knowing.
"""

import datetime
import hashlib
import hmac
import json
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from guidance.mail.emails import Receipt, queue_receipt, send_link
from guidance.models import Comment, Question, Response, SavedForm, Section, Submission
from guidance.moderation import by_respondent
from guidance.responses import answers
from guidance.responses.ratelimit import canonical_address

logger = logging.getLogger(__name__)


class FormAlreadySent(Exception):
    """This copy of a form was already used to send something else: nothing was stored."""


def target_key(target):
    return ("section", target.pk) if isinstance(target, Section) else ("question", target.pk)


def fingerprint(consultation, details, targets_and_texts):
    """What a form sent, as a keyed hash: the same form sent again has the same one, and nobody
    without the portal's secret key can test a guess at who sent what against it."""
    sent = {
        "consultation": consultation.pk,
        "details": {name: str(value) for name, value in sorted(details.items())},
        # A comment's text, or an answer's text, other words and chosen options (guidance/responses/answers.py).
        "answers": sorted([*target_key(target), answers.comparable(text)] for target, text in targets_and_texts),
    }
    key = f"{settings.SECRET_KEY}:submission-fingerprint".encode()
    return hmac.new(key, json.dumps(sent, sort_keys=True).encode(), hashlib.sha256).hexdigest()


# Forms a browser sends at the same moment, before it has learned which response is its own (its
# session is saved as each answer leaves), join the response the first of them started if it was
# started this recently: one browser, one response, however many forms arrive together.
STARTED_TOGETHER = datetime.timedelta(seconds=60)


def response_to_add_to(response, consultation, *, browser="", now=None):
    """`response`, locked, if it may take more of this person's forms: theirs, on this
    consultation, not withdrawn; or, without one, the response this browser (a keyed hash, see
    views.browser_of) started a moment ago. Otherwise None, and a new response is started."""
    online = Response.objects.select_for_update().filter(
        consultation=consultation, channel=Response.Channel.ONLINE, withdrawn_at__isnull=True
    )
    if response is not None:
        return online.filter(pk=response.pk).first()
    if not browser:
        return None
    if connection.vendor == "postgresql":
        # Forms from one browser wait here for each other's transaction (SQLite's immediate
        # transactions already take turns), so the second finds the response the first started.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(browser[:15], 16)])
    since = (now or timezone.now()) - STARTED_TOGETHER
    return online.filter(started_by=browser, started_at__gte=since).order_by("-pk").first()


def with_details(consultation, response, details, *, browser, now, sending):
    """The response a form adds to (response_to_add_to), locked, with the details the form gave, or
    a new one started with them; `sending`: the form is sent, not saved for later, so the response
    has been sent from now on. A change of the name or publication choice its comments are shown
    under follows by_respondent.publication_changed. In the caller's transaction. Returns
    (response, started)."""
    own = response_to_add_to(response, consultation, browser=browser, now=now)
    if own is None:
        started = Response.objects.create(
            consultation=consultation,
            channel=Response.Channel.ONLINE,
            submitted_at=now if sending else None,
            started_by=browser,
            started_at=now,
            **details,
        )
        return started, True
    shown_as = by_respondent.shown_as(own)
    for name, value in details.items():
        setattr(own, name, value)
    fields = list(details)
    if sending and own.submitted_at is None:
        own.submitted_at = now
        fields.append("submitted_at")
    if fields:
        own.save(update_fields=fields)
        by_respondent.publication_changed(own, shown_as, now=now)
    return own, False


def already_on(response, targets_and_texts):
    """The positions in targets_and_texts of the (section or question, text or answer) pairs that
    `response` already holds, word for word and option for option (withdrawn ones aside)."""
    held = {
        (target_key(comment.section or comment.question), answers.comparable_stored(comment))
        for comment in response.comments.exclude(status=Comment.Status.WITHDRAWN)
        .filter(
            Q(section__in=[target for target, _ in targets_and_texts if isinstance(target, Section)])
            | Q(question__in=[target for target, _ in targets_and_texts if isinstance(target, Question)])
        )
        .select_related("section", "question")
        .prefetch_related("options")
    }
    sent = [(target_key(target), answers.comparable(text)) for target, text in targets_and_texts]
    return {n for n, pair in enumerate(sent) if pair in held}


def submit_response(
    consultation, details, targets_and_texts, form_token=None, *, response=None, form_key="", browser=""
):
    """Add one comment per (section or question, text) pair to the respondent's response (`response`,
    or a new one), with the form's details; delete the form's saved copy (`form_key`) and queue its
    receipt, in one transaction. The worker groups each comment with its near-copies within seconds
    (guidance/moderation/campaigns.py). The text of a comment on a section is a string, an answer to
    a question a guidance.responses.answers.Answer (a string is taken as the answer to a free-text question).

    Returns (response, receipt, created): created is False when this same form, with the same
    consultation, details, targets and texts, was sent before, or everything in it is on the
    response already, and nothing new was stored. Raises FormAlreadySent when the token was used to
    send anything else.
    """
    form_token = form_token or uuid.uuid4()
    sent = fingerprint(consultation, details, targets_and_texts)
    now = timezone.now()
    try:
        with transaction.atomic():
            response, is_new = with_details(consultation, response, details, browser=browser, now=now, sending=True)
            # Back, then Send again, on a page the browser loaded afresh (a new token, the same words):
            # what the response already holds is not stored twice.
            repeated = set() if is_new else already_on(response, targets_and_texts)
            targets_and_texts = [pair for n, pair in enumerate(targets_and_texts) if n not in repeated]
            if not targets_and_texts:
                logger.info("Response %s: a form sent again, nothing new in it", response.reference)
                return response, Receipt.ALREADY_SENT, False
            submission = Submission.objects.create(
                response=response, form_token=form_token, fingerprint=sent, sent_at=now
            )
            comments = Comment.objects.bulk_create(
                Comment(
                    response=response,
                    consultation=consultation,
                    section=target if isinstance(target, Section) else None,
                    question=target if isinstance(target, Question) else None,
                    created_at=now,
                    **answers.comment_fields(text),
                )
                for target, text in targets_and_texts
            )
            answers.save_options(zip(comments, (text for _, text in targets_and_texts), strict=True))
            if form_key and not is_new:  # a response started just now has no saved forms yet
                SavedForm.objects.filter(response=response, form_key=form_key).delete()
            # Its comments wait, not compared yet, for the worker to group them with their
            # near-copies (campaigns.group_waiting): a form never waits for another's comparison.
            receipt = queue_receipt(response, submission, comments)
    except IntegrityError:
        # This form was sent before (a double click, or going back and sending it again), or two
        # copies arrived at the same moment: its token is taken, so the first stands.
        existing = Submission.objects.filter(form_token=form_token).select_related("response").first()
        if existing is None:
            raise
        if existing.fingerprint != sent or existing.response.consultation_id != consultation.pk:
            logger.warning("Submission refused: its form token was already used for another response")
            raise FormAlreadySent from None
        return existing.response, Receipt.ALREADY_SENT, False
    logger.info("Response %s: %d comment(s) added", response.reference, len(targets_and_texts))
    return response, receipt, True


def save_for_later(consultation, details, form_key, values, *, section=None, response=None, browser=""):
    """Keep a form to finish later: its comment or answer fields (`values`, the form's own field
    names and values) as the response's saved form for that form, and whatever details were given on
    the response, which is started if need be (with nothing sent, submitted_at stays empty). With an
    email address on the response, the link to come back to it is queued in the same transaction
    (under the limits of guidance/mail/emails.py send_link). Returns (response, created, link): link
    is a Receipt, what became of the link."""
    with transaction.atomic():
        now = timezone.now()
        address_before = response.email if response is not None else ""
        own, created = with_details(consultation, response, details, browser=browser, now=now, sending=False)
        SavedForm.objects.update_or_create(
            response=own, form_key=form_key, defaults={"values": values, "section": section, "saved_at": timezone.now()}
        )
        same_address = bool(address_before) and canonical_address(address_before) == canonical_address(own.email)
        link = send_link(own, own=same_address)
    logger.info("Response %s: form %s saved to finish later", own.reference, form_key)
    return own, created, link
