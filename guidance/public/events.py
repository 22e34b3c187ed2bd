"""A consultation's events in public: each event's page (when, where or how to join, accessibility,
sign-up while it is open, its notes once published), its calendar file, the page after signing up,
and the link to cancel a sign-up (guidance/events/signups.py does every write).

An event is seen wherever its consultation is (reading.visit(): published, or a draft's preview).
Its page is rendered at each view and depends on nothing about the visitor but the form; what a
person signed up sees (their status, the online meeting's link) is on pages for them alone.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from guidance.consultations.markdown import render_markdown
from guidance.events import calendar, signups
from guidance.mail.emails import has_mail_server, prints_emails
from guidance.models import Event, EventSignUp, Story
from guidance.privacy.retention import SIGNUPS_KEPT_DAYS
from guidance.public.event_forms import SignUpForm
from guidance.public.form_fields import masked
from guidance.public.reading import shown_to, visit
from guidance.public.visitors import for_this_visitor_only
from guidance.responses import ratelimit

SESSION_KEY = "event_signup"


def visible_event(request, slug, event_slug):
    """(access, the event) if this visitor may see the consultation; otherwise not found."""
    access, _ = visit(request, slug)
    event = get_object_or_404(Event, consultation=access.consultation, slug=event_slug)
    event.consultation = access.consultation
    return access, event


def event_context(access, event, form, **extra):
    notes_html = render_markdown(event.notes) if event.notes_published_at and event.notes.strip() else ""
    return {
        "consultation": access.consultation,
        "access": access,
        "event": event,
        "form": form,
        "refusal": signups.refusal(event, access.now) if not access.previewing else "",
        "places_left": signups.places_left(event) if event.capacity is not None else None,
        "notes_html": notes_html,
        "story_published": Story.objects.published().filter(event=event).exists(),
        "kept_days": SIGNUPS_KEPT_DAYS,
        **extra,
    }


def event_page(request, slug, event):
    """The event's page; POST: the sign-up form, sent."""
    access, event = visible_event(request, slug, event)
    form = SignUpForm(request.POST or None)
    status, extra = 200, {}
    if request.method == "POST":
        if form.is_spam:
            # Looks like success to the bot; nothing is stored.
            return redirect(event)
        if not form.is_valid():
            status = 400
        elif access.previewing:
            # A preview checks its forms and stores nothing (guidance/consultations/access.py).
            extra["preview_checked"] = True
        elif why := signups.refusal(event, access.now):
            form.add_error(None, why)
            status = 400
        else:
            place = ratelimit.take_place("event_signups", ratelimit.client_fingerprint(request))
            if not place.taken:
                extra["try_again_at"] = place.until
                status = 429
            else:
                try:
                    done = signups.sign_up(
                        event,
                        name=form.cleaned_data["name"],
                        email=form.cleaned_data["email"],
                        access_needs=form.cleaned_data["access_needs"],
                    )
                except signups.SignUpRefused as refused:
                    ratelimit.give_back(place)
                    form.add_error(None, str(refused))
                    status = 400
                else:
                    request.session[SESSION_KEY] = {
                        "event": event.pk,
                        "token": done.signup.token if done.new else "",
                        "to": masked(form.cleaned_data["email"]),
                    }
                    return redirect("guidance:event_signed_up", slug=slug, event=event.slug)
    page = render(request, "guidance/event.html", event_context(access, event, form, **extra), status=status)
    if request.method == "POST":
        page = for_this_visitor_only(page)
    return shown_to(access, page)


def event_ics(request, slug, event):
    """The event as an iCalendar file (guidance/events/calendar.py)."""
    access, event = visible_event(request, slug, event)
    body = calendar.event_ics(event, url=request.build_absolute_uri(event.get_absolute_url()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return shown_to(access, response)


def signed_up(request, slug, event):
    """After signing up: what the person got, for them alone. A new sign-up shows its status, its
    links and (with a place) the online meeting's link; an address already signed up is only told
    that its details were emailed again, so that nobody learns another person's links."""
    access, event = visible_event(request, slug, event)
    remembered = request.session.get(SESSION_KEY)
    if not isinstance(remembered, dict) or remembered.get("event") != event.pk:
        return redirect(event)
    signup = EventSignUp.objects.filter(event=event, token=remembered.get("token") or None).first()
    context = {
        "consultation": access.consultation,
        "event": event,
        "signup": signup,
        "to": remembered.get("to", ""),
        "has_mail_server": has_mail_server(),
        "prints_emails": prints_emails(),
        "cancel_url": reverse("guidance:event_cancel", args=[slug, event.slug, signup.token]) if signup else "",
    }
    return for_this_visitor_only(render(request, "guidance/event_signed_up.html", context))


def cancel(request, slug, event, token):
    """The link to cancel a sign-up: GET asks (one button), POST cancels, then back here to say so.
    A mail program that opens links changes nothing."""
    access, event = visible_event(request, slug, event)
    signup = signups.signup_for_token(token)
    if signup is None or signup.event_id != event.pk:
        context = {"consultation": access.consultation, "event": event}
        return for_this_visitor_only(render(request, "guidance/event_cancel_broken.html", context, status=404))
    if request.method == "POST":
        signups.cancel(signup)
        return redirect(request.path)
    context = {"consultation": access.consultation, "event": event, "signup": signup, "action": request.path}
    return for_this_visitor_only(render(request, "guidance/event_cancel.html", context))


def events_of(consultation, now):
    """(upcoming, past) events of a consultation, for its page."""
    events = list(Event.objects.filter(consultation=consultation).order_by("starts_at"))
    if not events:
        return [], []
    upcoming = [event for event in events if event.ends_at > now]
    past = [event for event in reversed(events) if event.ends_at <= now]
    return upcoming, past
