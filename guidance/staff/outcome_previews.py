"""The preview of a consultation's outcome, for staff, before they publish it: its public overview
(with "What you said and what we did") and its "What changed" page, rendered by the public pages'
own templates and context (guidance/public/pages.py), as they will be once the outcome is published
and the consultation has closed. Nothing is saved: the consultation is shown from a copy in memory
marked as published. Under a banner saying it is a preview; never kept in any cache (the public
pages' per-process cache included: guidance/public/reading.py is not used). Like the section preview
(guidance/staff/drafts.py), a staff page in the public design.

Needs view_outcome (Analysts and Consultation managers), like "You said, we did". Once the outcome
is published the preview leads to the public page itself.
"""

import copy

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import versions
from guidance.consultations.access import Access
from guidance.models import Consultation
from guidance.outcomes import changes
from guidance.public.pages import overview_context
from guidance.staff import roles


def as_published(consultation):
    """(Access, the consultation's sections) as the public will see it once its outcome is published:
    closed (at the close, if that is still to come) and the outcome published. The stored
    consultation is not changed."""
    shown = copy.copy(consultation)
    shown.publication = Consultation.Publication.OUTCOME_PUBLISHED
    now = max(timezone.now(), consultation.closes_at)
    return Access(shown, now=now), list(consultation.document.sections.all())


def _consultation(consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    if consultation.is_draft:
        raise Http404("A draft has no outcome to preview: preview the draft itself.")
    return consultation


def _urls(consultation, has_changes):
    return {
        "overview_url": reverse("admin:guidance_consultation_outcome_preview", args=[consultation.pk]),
        "what_changed_url": reverse("admin:guidance_consultation_outcome_preview_what_changed", args=[consultation.pk])
        if has_changes
        else "",
        "replies_url": reverse("admin:guidance_consultation_replies", args=[consultation.pk]),
        "publish_url": reverse("admin:guidance_consultation_publish", args=[consultation.pk]),
    }


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def overview(request, consultation_id):
    consultation = _consultation(consultation_id)
    if consultation.outcome_is_published:
        return redirect(consultation)
    access, sections = as_published(consultation)
    has_changes = versions.next_version(consultation) is not None
    context = {
        **overview_context(access, sections, has_changes),
        "preview": {**_urls(consultation, has_changes), "here": "overview"},
    }
    return render(request, "guidance/outcome_preview.html", context)


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def what_changed(request, consultation_id):
    consultation = _consultation(consultation_id)
    if consultation.outcome_is_published:
        return redirect("guidance:what_changed", slug=consultation.slug)
    access, sections = as_published(consultation)
    changed = changes.what_changed(access.consultation, sections)
    if changed.document is None:
        raise Http404("There is no next version with confirmed section links, so no What changed page.")
    context = {
        "consultation": access.consultation,
        "access": access,
        "changes": changed,
        "preview": {**_urls(consultation, True), "here": "what_changed"},
    }
    return render(request, "guidance/what_changed_preview.html", context)
