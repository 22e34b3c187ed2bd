"""What the portal emails a respondent, and what the confirmation page may say about it; and the
email that lets a new member of staff set their password (set_password_message); and the emails
of subscriptions (guidance/subscriptions/): the link to confirm one, and the daily digest.

Three kinds of email to respondents (and three to people signed up to an event: event_message), each
queued (guidance/mail/mailqueue.py) in the transaction that causes it and sent by the worker: the
receipt for the forms sent in one visit, the link to continue a response, and the daily email
saying what happened to someone's comments (guidance/mail/notifications.py).
Whom each goes to, and which comments a receipt lists, is fixed when it is queued; each is built
here when the worker sends it, with its comments' current text and state.

The confirmation page says a receipt *will be* sent once it is queued, never that it was sent: a
queued email is safe in the database, but the mail server may take it minutes or hours later.
It says why not when none is queued: no address given, the portal has no mail server (the
console, file or dummy backend), or the address has had receipts for RATE_LIMIT_RECEIPTS_PER_DAY
other responses today (counted when queued, whoever sends the form, so that nobody can use the
form to fill a stranger's inbox).
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import versions
from guidance.mail import mailqueue
from guidance.mail.notifications import unsubscribe_path
from guidance.models import Comment, Outcome, QueuedEmail, Response
from guidance.responses import answers, ratelimit
from guidance.responses.respondents import comment_state, continue_path

logger = logging.getLogger(__name__)

# Django's email backends that hand nothing to a mail server: they print the message, write it to a
# file or drop it. (The tests' in-memory backend stands in for a mail server.)
BACKENDS_THAT_SEND_NOTHING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


class Receipt(models.TextChoices):
    """What became of a form's receipt; the confirmation page says it in words."""

    QUEUED = "queued", "Queued for the mail server"
    NOT_ASKED = "none", "No email address given"
    NO_MAIL_SERVER = "no_mail_server", "The portal has no mail server"
    DAILY_LIMIT = "daily_limit", "The address has had its receipts for today"
    ALREADY_SENT = "already_sent", "The same form was sent before"


def has_mail_server():
    return settings.EMAIL_BACKEND not in BACKENDS_THAT_SEND_NOTHING


def prints_emails():
    """The console backend (`make run`): emails are printed where the portal runs."""
    return settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


def queue_receipt(response, submission, comments):
    """Queue the receipt for one form sent (`submission`, with its `comments`), in the caller's
    transaction. One receipt a visit: while the response's last receipt is still waiting, the form's
    comments join it and it waits RECEIPT_GATHER_SECONDS more, so it goes once the sending pauses.
    Only a new receipt to an address it has not gone to today for this response takes a place under
    the recipient's daily limit, which so counts responses: nobody can use the form to fill a
    stranger's inbox, and a person always gets the receipts for their own response. Returns what
    the confirmation page says."""
    if not response.email:
        return Receipt.NOT_ASKED
    told = Receipt.QUEUED if has_mail_server() else Receipt.NO_MAIL_SERVER
    ids = [comment.pk for comment in comments]
    due_at = timezone.now() + datetime.timedelta(seconds=settings.RECEIPT_GATHER_SECONDS)
    waiting = (
        QueuedEmail.objects.select_for_update()
        .filter(response=response, kind=QueuedEmail.Kind.RECEIPT, status=QueuedEmail.Status.WAITING, attempts=0)
        .filter(to=response.email)
        .order_by("-pk")
        .first()
    )
    if waiting is not None:
        waiting.payload = {**waiting.payload, "comments": [*waiting.payload.get("comments", []), *ids]}
        waiting.next_attempt_at = due_at
        waiting.save(update_fields=["payload", "next_attempt_at"])
        return told
    # Chosen on purpose without a mail server (a system check refuses the console by default with
    # DEBUG off): the backend is given the message as the operator wants, under no limit.
    if told == Receipt.QUEUED and not receipt_went_today(response):
        place = ratelimit.take_place("receipts", ratelimit.recipient_fingerprint(response.email))
        if not place.taken:
            logger.info(
                "Receipt for response %s not queued: its address has had its receipts for today", response.reference
            )
            return Receipt.DAILY_LIMIT
    payload = {"submission": submission.pk, "sent_at": submission.sent_at.isoformat(), "comments": ids}
    mailqueue.queue(QueuedEmail.Kind.RECEIPT, response, payload, due_at=due_at)
    return told


def receipt_went_today(response):
    """A receipt for `response` was queued to its address today (UTC, as the daily limits count)."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=datetime.UTC)
    return QueuedEmail.objects.filter(
        response=response, kind=QueuedEmail.Kind.RECEIPT, to=response.email, created_at__gte=today
    ).exists()


def queue_link(response, *, own):
    """Queue an email with the link to continue `response` to its address, under a daily limit of
    links: the response's own when `own` (the address is the one it was sent with), so that strangers
    naming that address cannot use up its owner's links; otherwise the address's, whoever asks. True
    if queued."""
    if own:
        place = ratelimit.take_place("own_links", f"response-{response.pk}")
    else:
        place = ratelimit.take_place("links", ratelimit.recipient_fingerprint(response.email))
    if not place.taken:
        logger.info("Link for response %s not queued: its address has had its links for today", response.reference)
        return False
    mailqueue.queue(QueuedEmail.Kind.LINK, response)
    return True


def send_link(response, *, own):
    """Queue the link to continue `response` to its address (queue_link, under its limits), in the
    caller's transaction; what the page says about it, as a Receipt. Without a mail server it is
    queued all the same, for the backend the operator chose (the console prints it)."""
    if not response.email:
        return Receipt.NOT_ASKED
    if not has_mail_server():
        mailqueue.queue(QueuedEmail.Kind.LINK, response)
        return Receipt.NO_MAIL_SERVER
    return Receipt.QUEUED if queue_link(response, own=own) else Receipt.DAILY_LIMIT


def link_to_address(response, address):
    """ "Email me a link" on the response's page: to `address`, which becomes the response's address
    unless it is already (written however: canonical_address); send_link's Receipt."""
    own = bool(response.email) and ratelimit.canonical_address(address) == ratelimit.canonical_address(response.email)
    with transaction.atomic():
        if not own:
            Response.objects.filter(pk=response.pk).update(email=address)
            response.email = address
        return send_link(response, own=own)


def send_links_to_address(consultation, address):
    """ "Lost your link?": a link to each of `consultation`'s responses sent or saved from the web with
    `address` that a link still opens (not withdrawn, not erased), each under the address's daily limit
    of links, whoever asks. Returns how many were queued, for the log: the person asking is told the
    same whether or not there were any, so that nobody can learn who responded."""
    responses = consultation.responses.filter(
        channel=Response.Channel.ONLINE, withdrawn_at__isnull=True, anonymised_at__isnull=True
    ).filter(email__iexact=address.strip())
    queued = 0
    with transaction.atomic():
        for response in responses:
            queued += send_link(response, own=False) in (Receipt.QUEUED, Receipt.NO_MAIL_SERVER)
    logger.info("Lost link asked for on %s: %d link(s) queued", consultation.slug, queued)
    return queued


# Building each email when the worker sends it -------------------------------------------------


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def build_message(email, *, receipt_comments):
    """The EmailMessage for a queued email, or None when there is nobody to send it to (cancelled,
    or the address erased) or nothing left to say. It goes to the address it was queued for. A
    receipt lists `receipt_comments` (receipts_comments(), read for the whole batch)."""
    if not email.to:
        return None
    response = email.response
    if email.kind == QueuedEmail.Kind.SET_PASSWORD:
        built = set_password_message(email, email.user)
    elif email.kind == QueuedEmail.Kind.RECEIPT:
        built = receipt_message(email, response, receipt_comments)
    else:
        builder = {
            QueuedEmail.Kind.LINK: link_message,
            QueuedEmail.Kind.NOTIFICATION: notification_message,
            QueuedEmail.Kind.SUBSCRIBE: subscribe_message,
            QueuedEmail.Kind.DIGEST: digest_message,
            **dict.fromkeys(EVENT_KINDS, event_message),
        }
        built = builder[email.kind](email, response)
    if built is None:
        return None
    subject, body, headers = built
    return EmailMessage(
        # A subject is one line, whatever a title stored before the text rules held may contain.
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [email.to],
        headers={"Message-ID": mailqueue.message_id(email), **headers},
    )


def continue_url(response):
    return absolute(continue_path(response))


def put_in_words(comments):
    """The comments as a list, each given `in_words`: what the respondent sent as every page shows
    it (guidance.responses.answers.stored_answer: an answer's choices, then its text), their chosen
    options read in one query for them all."""
    comments = answers.with_chosen_options(comments)
    for comment in comments:
        comment.in_words = str(answers.stored_answer(comment))
    return comments


def receipts_comments(emails):
    """What each receipt among a batch of queued emails lists, by the email's id: the comments its
    form sent that are still its response's, in reading order, put in words. Two queries for the
    whole batch (the comments, and the options chosen in answers), not two for each email."""
    receipts = [email for email in emails if email.kind == QueuedEmail.Kind.RECEIPT]
    wanted = {pk for email in receipts for pk in email.payload.get("comments", [])}
    if not wanted:
        return {}
    comments = Comment.objects.filter(pk__in=wanted).select_related("section", "question")
    found = {comment.pk: comment for comment in put_in_words(comments)}
    return {
        email.pk: sorted(
            (
                found[pk]
                for pk in email.payload.get("comments", [])
                if pk in found and found[pk].response_id == email.response_id
            ),
            key=Comment.reading_order,
        )
        for email in receipts
    }


def receipt_message(email, response, comments):
    if not comments:
        return None
    sent_at = email.payload.get("sent_at")
    context = {
        "response": response,
        "comments": comments,
        "sent_at": datetime.datetime.fromisoformat(sent_at) if sent_at else response.submitted_at,
        "continue_url": continue_url(response) if response.consultation.is_open else "",
        "site_name": settings.SITE_NAME,
    }
    subject = f"Your response to {response.consultation.title} ({response.reference})"
    return subject, render_to_string("emails/receipt.txt", context), {}


def link_message(email, response):
    if not response.consultation.is_open or response.withdrawn_at:
        return None
    context = {
        "response": response,
        "continue_url": continue_url(response),
        "site_name": settings.SITE_NAME,
    }
    subject = f"Continue your response to {response.consultation.title} ({response.reference})"
    return subject, render_to_string("emails/link.txt", context), {}


def what_changed_links(response):
    """For the outcome email: each consulted section the response commented on, with its place on
    the "What changed" page, once that page is public; [] before (or without a next version)."""
    consultation = response.consultation
    if not versions.what_changed_is_public(consultation):
        return []
    page = absolute(reverse("guidance:what_changed", args=[consultation.slug]))
    sections = consultation.document.sections.filter(
        pk__in=response.comments.exclude(status=Comment.Status.WITHDRAWN).values("section")
    )
    return [{"section": section, "url": f"{page}#section-{section.slug}"} for section in sections]


def answers_to_comments(responses):
    """For the outcome email: the answers staff wrote to these responses' own comments (an Outcome
    on the comment), by response id, in reading order, each comment put in words with its
    `answer`. Withdrawn comments are left out."""
    outcomes = (
        Outcome.objects.filter(comment__response__in=responses)
        .exclude(comment__status=Comment.Status.WITHDRAWN)
        .select_related("comment__section", "comment__question")
    )
    comments = []
    for outcome in outcomes:
        outcome.comment.answer = outcome
        comments.append(outcome.comment)
    found = {}
    for comment in sorted(put_in_words(comments), key=Comment.reading_order):
        found.setdefault(comment.response_id, []).append(comment)
    return found


def notification_message(email, response):
    responses = {
        r.pk: r
        for r in Response.objects.filter(pk__in=email.payload.get("responses", [response.pk]), notify=True)
        .exclude(email="")
        .select_related("consultation")
    }
    if not responses:
        return None
    changed = dict(email.payload.get("comments", []))
    comments = sorted(
        Comment.objects.filter(pk__in=changed.keys(), response__in=responses.keys()).select_related(
            "section", "question", "consultation", "response"
        ),
        key=lambda comment: (comment.consultation_id, comment.reading_order()),
    )
    items = []
    for comment in put_in_words(comments):
        state = comment_state(comment)
        url = absolute(comment.get_public_url()) if state.is_published else ""
        items.append({"comment": comment, "state": state, "url": url})
    outcomes = [responses[pk] for pk in email.payload.get("outcomes", []) if pk in responses]
    if not items and not outcomes:
        return None
    unsubscribe = absolute(unsubscribe_path(sorted(responses)))
    answered = answers_to_comments(outcomes) if outcomes else {}
    context = {
        "items": items,
        "outcomes": [
            {
                "response": r,
                "url": absolute(reverse("guidance:consultation", args=[r.consultation.slug])),
                "sections": what_changed_links(r),
                "answered": answered.get(r.pk, []),
            }
            for r in outcomes
        ],
        "unsubscribe_url": unsubscribe,
        "site_name": settings.SITE_NAME,
    }
    references = ", ".join(sorted({r.reference for r in responses.values()}))
    subject = f"What happened to your response ({references})"
    # One click unsubscribes from the mail program too (RFC 8058): it posts to the same address.
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return subject, render_to_string("emails/notification.txt", context), headers


EVENT_KINDS = [QueuedEmail.Kind.EVENT_SIGNUP, QueuedEmail.Kind.EVENT_PLACE, QueuedEmail.Kind.EVENT_REMINDER]


def event_message(email, response=None):
    """To someone signed up to an event (guidance/events/signups.py): what they got (a place or the
    waiting list), a place freed for them, or the reminder. Nothing is sent about a sign-up since
    cancelled or deleted, nor a reminder to someone without a place or of an event that is over."""
    from guidance.models import EventSignUp
    from guidance.privacy.retention import SIGNUPS_KEPT_DAYS

    signup = EventSignUp.objects.select_related("event__consultation").filter(pk=email.payload.get("signup")).first()
    if signup is None or signup.status == EventSignUp.Status.CANCELLED:
        return None
    event = signup.event
    has_place = signup.status == EventSignUp.Status.CONFIRMED
    if event.is_over or (email.kind != QueuedEmail.Kind.EVENT_SIGNUP and not has_place):
        return None
    event_url = absolute(event.get_absolute_url())
    context = {
        "kind": email.kind,
        "signup": signup,
        "event": event,
        # What the sign-up got when it was made: the email says so even if a place came since.
        "status": email.payload.get("status", signup.status),
        "has_place": has_place and email.payload.get("status", signup.status) != EventSignUp.Status.WAITING,
        "event_url": event_url,
        "ics_url": f"{event_url}event.ics",
        "cancel_url": absolute(
            reverse("guidance:event_cancel", args=[event.consultation.slug, event.slug, signup.token])
        ),
        "kept_days": SIGNUPS_KEPT_DAYS,
        "site_name": settings.SITE_NAME,
    }
    subject = {
        QueuedEmail.Kind.EVENT_SIGNUP: f"You are signed up: {event.title}"
        if context["has_place"]
        else f"You are on the waiting list: {event.title}",
        QueuedEmail.Kind.EVENT_PLACE: f"You have a place: {event.title}",
        QueuedEmail.Kind.EVENT_REMINDER: f"Reminder: {event.title}",
    }[email.kind]
    return subject, render_to_string("emails/event.txt", context), {}


def set_password_message(email, user):
    """The link for a member of staff to set their password (guidance/staff/members.py), made now,
    as it is sent: its token is never stored, and its days run from when it leaves. Nothing is sent
    to someone whose access was removed since it was queued."""
    from guidance.staff import members

    if not (user.is_active and user.is_staff):
        return None
    context = {
        "name": members.display_name(user),
        "username": user.get_username(),
        "role": members.role_of(user) or "Administrator",
        "set_password_url": absolute(members.set_password_path(user)),
        "days": members.SET_PASSWORD_LINK_DAYS,
        "site_name": settings.SITE_NAME,
    }
    subject = f"Set your password for the {settings.SITE_NAME} staff pages"
    return subject, render_to_string("emails/set_password.txt", context), {}


# Subscriptions (guidance/subscriptions/): built for the subscriber, whose emails are deleted with it.


def subscribe_message(email, _response):
    """The link to confirm a subscription, or, when it is confirmed already, a note saying so: the
    same kind of email either way, so that asking says nothing of who is subscribed."""
    from guidance.models import Subscription
    from guidance.subscriptions.subscribing import CONFIRM_DAYS

    subscription = (
        Subscription.objects.filter(pk=email.payload.get("subscription"), subscriber=email.subscriber_id)
        .select_related("consultation")
        .first()
    )
    if subscription is None:
        return None
    context = {
        "subscription": subscription,
        "confirm_url": absolute(reverse("guidance:subscribe_confirm", args=[subscription.token])),
        "manage_url": absolute(reverse("guidance:subscriptions", args=[email.subscriber.token])),
        "days": CONFIRM_DAYS,
        "site_name": settings.SITE_NAME,
    }
    if subscription.confirmed_at:
        subject = f"You already get emails about consultations from {settings.SITE_NAME}"
    else:
        subject = f"Confirm you want emails about consultations from {settings.SITE_NAME}"
    return subject, render_to_string("emails/subscribe.txt", context), {}


def digest_message(email, _response):
    """What happened to the consultations the subscriber follows since its last digest."""
    from guidance.subscriptions.subscribing import digest_lines

    lines = digest_lines(email)
    if not lines:
        return None
    stop = absolute(reverse("guidance:subscriptions_stop", args=[email.subscriber.token]))
    context = {
        "lines": [
            {"announcement": a, "url": absolute(reverse("guidance:consultation", args=[a.consultation.slug]))}
            for a in lines
        ],
        "manage_url": absolute(reverse("guidance:subscriptions", args=[email.subscriber.token])),
        "stop_url": stop,
        "site_name": settings.SITE_NAME,
    }
    subject = f"News of {len(lines)} consultation{'s' if len(lines) != 1 else ''} you follow"
    if len(lines) == 1:
        subject = f"{lines[0].consultation.title}: {lines[0].get_kind_display().lower()}"
    # One click stops them from the mail program too (RFC 8058), as the respondents' emails do.
    headers = {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return subject, render_to_string("emails/digest.txt", context), headers
