"""The public reports a published comment: a reason and optional details, then a thank-you page.
Nothing about the reporter is asked or stored; one address's reports on one comment count once a
day, and reports are limited per address per hour."""

import logging

from django.shortcuts import get_object_or_404, redirect, render

from guidance.models import Comment, Consultation
from guidance.moderation import decisions
from guidance.public.forms import ReportForm
from guidance.public.submitting import over_limit, refuse_over_limit, take_place
from guidance.public.visitors import saves_what_is_sent, sending
from guidance.responses import ratelimit

logger = logging.getLogger(__name__)


@saves_what_is_sent
def report_comment(request, pk):
    """A member of the public reports a published comment (only published ones can be)."""
    comment = get_object_or_404(
        Comment.objects.published()
        .filter(consultation__in=Consultation.objects.public())
        .select_related("response", "consultation", "consultation__document", "section"),
        pk=pk,
    )
    if request.method == "POST":
        refusal = refuse_over_limit(request, "reports")
        if refusal:
            return refusal
        form = ReportForm(request.POST)
        if form.is_spam or form.is_valid():
            return receive_report(request, comment, form)
    else:
        form = ReportForm()
    return render(
        request,
        "guidance/report.html",
        {"comment": comment, "consultation": comment.consultation, "form": form, "back_url": comment.get_public_url()},
    )


def receive_report(request, comment, form):
    """Store a valid report, or discard a bot's, once it has a place under the hourly limit."""
    place = take_place(request, "reports")
    if not place.taken:
        return over_limit(request, "reports", place.until)
    if form.is_spam:
        logger.warning(
            "Honeypot filled on %s: report discarded (client %s)", request.path, ratelimit.client_fingerprint(request)
        )
    elif ratelimit.first_report_today(request, comment.pk):
        sending(request, "storing")
        decisions.report_comment(comment, form.cleaned_data["reason"], form.cleaned_data["details"])
        sending(request, "stored")
    else:
        ratelimit.give_back(place)
        logger.info(
            "Report on comment %s discarded: already reported today from client %s",
            comment.pk,
            ratelimit.client_fingerprint(request),
        )
    request.session["report_sent"] = {"consultation": comment.consultation.slug, "back_url": comment.get_public_url()}
    return redirect("guidance:report_sent")


def report_sent(request):
    sent = request.session.get("report_sent")
    consultation = Consultation.objects.filter(slug=sent["consultation"]).first() if sent else None
    if not consultation:
        return redirect("guidance:consultation_list")
    return render(request, "guidance/report_sent.html", {"consultation": consultation, "back_url": sent["back_url"]})
