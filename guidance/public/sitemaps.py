"""The sitemap (/sitemap.xml): the public pages of published consultations, never a draft's."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from guidance.consultations import versions
from guidance.models import Consultation, Event, Section


class ConsultationSitemap(Sitemap):
    def items(self):
        return Consultation.objects.public().order_by("pk")


class DraftPageSitemap(Sitemap):
    """The whole draft on one page, and each section's page."""

    def items(self):
        public = Consultation.objects.public()
        pages = [(consultation.slug, None) for consultation in public.order_by("pk")]
        sections = Section.objects.filter(document__consultations__in=public).values_list(
            "document__consultations__slug", "slug"
        )
        return pages + list(sections.order_by("document__consultations__pk", "major", "minor"))

    def location(self, item):
        slug, section = item
        if section is None:
            return reverse("guidance:draft", args=[slug])
        return reverse("guidance:section", args=[slug, section])


class WhatChangedSitemap(Sitemap):
    """After the close, each consultation's "What changed" page and its next version, once public.
    Only closed consultations with a published outcome are asked: few, and each answers once."""

    def items(self):
        closed = Consultation.objects.public().closed().filter(publication=Consultation.Publication.OUTCOME_PUBLISHED)
        return [
            (name, consultation.slug)
            for consultation in closed.order_by("pk")
            if versions.what_changed_is_public(consultation)
            for name in ("guidance:what_changed", "guidance:new_version")
        ]

    def location(self, item):
        name, slug = item
        return reverse(name, args=[slug])


class EventSitemap(Sitemap):
    """Each event's page, of published consultations only."""

    def items(self):
        return Event.objects.filter(consultation__in=Consultation.objects.public()).select_related("consultation")


SITEMAPS = {
    "consultations": ConsultationSitemap,
    "drafts": DraftPageSitemap,
    "what_changed": WhatChangedSitemap,
    "events": EventSitemap,
}
