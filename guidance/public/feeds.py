"""The Atom feed of consultations (/consultations/feed.atom): an entry each time a published
consultation opened, came within a week of its close, closed, or had its outcome published, each
dated by the moment it happened (never before the consultation was published: nobody could read
of it then). Only what has happened is in it: nothing about a draft, nothing in the future."""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from guidance.models import Consultation
from guidance.templatetags.portal import uk_datetime

CLOSING_SOON = datetime.timedelta(days=7)
# The newest entries a reader is given.
ENTRIES = 50


@dataclasses.dataclass(frozen=True)
class Happened:
    consultation: Consultation
    kind: str  # opened, closing-soon, closed, outcome
    at: datetime.datetime

    @property
    def title(self):
        title = self.consultation.title
        return {
            "opened": f"Open for comments: {title}",
            "closing-soon": f"Closing soon: {title}",
            "closed": f"Closed: {title}",
            "outcome": f"Outcome published: {title}",
        }[self.kind]


def happenings(now=None):
    """What happened to the published consultations, newest first."""
    now = now or timezone.now()
    found = []
    for consultation in Consultation.objects.public():
        published = consultation.published_at or consultation.opens_at
        moments = {
            "opened": consultation.opens_at,
            "closing-soon": consultation.closes_at - CLOSING_SOON,
            "closed": consultation.closes_at,
            "outcome": consultation.outcome_published_at if consultation.outcome_is_published else None,
        }
        for kind, at in moments.items():
            if at is None:
                continue
            at = max(at, published)
            if at <= now and (kind != "closing-soon" or at < consultation.closes_at):
                found.append(Happened(consultation, kind, at))
    found.sort(key=lambda happened: happened.at, reverse=True)
    return found[:ENTRIES]


class ConsultationFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def title(self):
        return f"Consultations – {settings.SITE_NAME}"

    def subtitle(self):
        return "Each consultation as it opens, a week before it closes, as it closes and when its outcome is published."

    def link(self):
        return reverse("guidance:consultation_list")

    def feed_url(self):
        return reverse("guidance:consultation_feed")

    def items(self):
        return happenings()

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        consultation = item.consultation
        if item.kind == "opened":
            return f"{consultation.organisation} would like your views. {consultation.summary}"
        if item.kind == "closing-soon":
            return f"It closes at {uk_datetime(consultation.closes_at)}. {consultation.summary}"
        if item.kind == "closed":
            return "It is closed. The organisation is reading the responses."
        return "The organisation has published what it heard and what it did."

    def item_link(self, item):
        return item.consultation.get_absolute_url()

    def item_guid(self, item):
        # An Atom entry's id is a whole address, the same for as long as the entry lasts.
        return f"{settings.SITE_URL}{item.consultation.get_absolute_url()}#{item.kind}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.at

    def item_updateddate(self, item):
        return item.at

    def item_author_name(self, item):
        return item.consultation.organisation
