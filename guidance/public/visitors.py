"""What the portal knows of one visitor, kept in their session: which response is theirs on each
consultation, whose details fill in their next form, what they agreed to; and what their request
has sent so far, for an error page met on the way.

The session names responses, never holds the details themselves: the next form's details are read
from the response, so an erasure reaches them. Each binding carries the response's link version:
stopping the links, withdrawing or erasing the response adds one to it, and every browser holding
the earlier one lets go of it.
"""

import functools
import hashlib
import hmac

from django.conf import settings
from django.middleware.csrf import rotate_token
from django.urls import reverse
from django.utils.cache import patch_cache_control

from guidance.models import Comment, Response
from guidance.outcomes.published import attach_replies, target_outcomes
from guidance.public.forms import REMEMBERED_FIELDS
from guidance.responses import answers
from guidance.responses.respondents import comment_state, may_change, may_withdraw

# Which response is this browser's on each consultation: from the first form sent or saved, or from
# a link to continue (guidance/public/own_response.py).
RESPONSES_KEY = "responses"
# The response whose details fill in a form on another consultation: the last one this browser sent.
LAST_RESPONSE_KEY = "last_response"


def response_held(binding, **filters):
    """The response a session's binding ([id, link version]) names, if it still holds; else None."""
    if isinstance(binding, int):
        binding = [binding, 0]  # bound before the version was kept with it: as if never revoked
    if not (isinstance(binding, list) and len(binding) == 2):
        return None
    pk, version = binding
    return Response.objects.filter(pk=pk, link_version=version, **filters).first()


def bound_response(request, consultation):
    """The response this browser is adding to on this consultation, or None."""
    binding = request.session.get(RESPONSES_KEY, {}).get(str(consultation.pk))
    if binding is None:
        return None
    response = response_held(binding, consultation=consultation, withdrawn_at__isnull=True)
    if response is None:
        forget_response(request, consultation)
        return None
    response.consultation = consultation  # in hand: not read again
    return response


def bind_response(request, response):
    """From now on this browser adds to `response` on its consultation's forms."""
    request.session[RESPONSES_KEY] = {
        **request.session.get(RESPONSES_KEY, {}),
        str(response.consultation_id): [response.pk, response.link_version],
    }
    if response.submitted_at:
        # Its details were given in full, with the agreement to the privacy notice.
        request.session["privacy_agreed"] = True
        request.session[LAST_RESPONSE_KEY] = [response.pk, response.link_version]
    if not request.session.get("kept_on_device"):
        # Remembered only until the browser closes, unless the respondent chose otherwise:
        # library and shared computers.
        request.session.set_expiry(0)


def forget_response(request, consultation):
    request.session[RESPONSES_KEY] = {
        key: binding for key, binding in request.session.get(RESPONSES_KEY, {}).items() if key != str(consultation.pk)
    }


def browser_of(request):
    """A keyed hash of this browser's CSRF cookie: the same for every form one browser sends until it
    is closed (the cookie lasts the browser's session), and nothing anyone else can work out. "" when
    there is no cookie (a client that skips the CSRF check: the tests')."""
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not cookie:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), f"browser:{cookie}".encode(), hashlib.sha256).hexdigest()


def remembered_details(request, response=None):
    """The details to fill the next form in with: the response's, once it has been sent (or those
    given when saving it); otherwise those of the last response this browser sent, to another
    consultation, unless it has been withdrawn, erased or its links stopped since."""
    last = request.session.get(LAST_RESPONSE_KEY)
    remembered = {}
    if last is not None:
        earlier = response_held(last, withdrawn_at__isnull=True, anonymised_at__isnull=True)
        remembered = {name: getattr(earlier, name) for name in REMEMBERED_FIELDS if name != "notify"} if earlier else {}
    if response is not None:
        given = {name: getattr(response, name) for name in REMEMBERED_FIELDS}
        if response.submitted_at is None:
            given = {name: value for name, value in given.items() if value not in ("", None, False)}
            return {**remembered, **given}
        return given
    return remembered


def saved_values(response, form_key):
    """What was saved of this form to finish later, as its fields' initial values."""
    if response is None:
        return {}
    draft = response.saved_forms.filter(form_key=form_key).first()
    return dict(draft.values) if draft else {}


def form_options(request, response=None):
    """What a respondent's form takes from their session and response: the details remembered (shown
    as a summary, masked) and whether they agreed to the privacy notice (then not asked again)."""
    sent_before = response is not None and response.submitted_at is not None
    return {
        "privacy_url": reverse("guidance:privacy"),
        "remembered": remembered_details(request, response),
        "privacy_agreed": sent_before or request.session.get("privacy_agreed", False),
    }


def forget_this_device(request):
    """This browser lets go of every response and detail it holds, as if it had never been used:
    for the next person at a shared computer. The responses themselves are untouched. A new CSRF
    token too, since a browser's forms join the response it started a moment ago (browser_of)."""
    request.session.flush()
    rotate_token(request)


def for_this_visitor_only(page):
    """A page showing what this visitor wrote, their remembered details or their reference: no
    shared cache keeps it, and the browser keeps no copy once it is closed (library and shared
    computers)."""
    patch_cache_control(page, private=True, no_store=True)
    return page


def response_comments(response):
    """The response's comments and answers in the order of the draft and the questions, each with
    its state in plain words (guidance/responses/respondents.py) and, once the outcome is published,
    the answer to it and what was done about its section or question."""
    consultation = response.consultation
    # A response holds a handful of comments: sorted here, which costs less than asking the
    # database to sort on its joins.
    comments = sorted(
        answers.with_chosen_options(response.comments.select_related("section", "question")),
        key=Comment.reading_order,
    )
    attach_replies(consultation, comments)
    outcomes = target_outcomes(consultation)
    for comment in comments:
        comment.target_outcome = outcomes.get(
            ("section", comment.section_id) if comment.section_id else ("question", comment.question_id)
        )
        # Both in hand already: reading them again would be a query for each comment.
        comment.response, comment.consultation = response, consultation
        comment.state = comment_state(comment)
        comment.may_change, comment.may_withdraw = may_change(comment), may_withdraw(comment)
    return comments


# What this request has sent, for an error page met on the way (guidance/public/errors.py) ----------


def saves_what_is_sent(view):
    """For a view that saves what a form sends only through sending(request, "storing"): until it
    says so, a failure has stored nothing."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            sending(request, "not_stored")
        return view(request, *args, **kwargs)

    return wrapped


def sending(request, state):
    """Note what has become of what this request sent: "not_stored" while it is checked, "storing"
    while it is being saved, "stored" once saved (committed): a failure after that, such as the
    session failing to save, then says so rather than asking for it to be sent again."""
    request.sending = state
