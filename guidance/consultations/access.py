"""What a visitor may do with a consultation now: the one place that decides it, for the public's
pages, the respondent's own pages and the staff's.

A consultation's stage (draft, published, outcome published) and its dates decide. A draft is seen
only by staff and by colleagues holding a preview link (guidance/consultations/previews.py), as it
will be while open, forms and all; nothing sent from a preview is stored. Once published, it is
upcoming, open or closed by its dates, read at each request from the consultation as stored (the
public pages' cache is renewed whenever staff change it: guidance/consultations/changed.py).
"""

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone

from guidance.models import Consultation

OPEN, CLOSED = Consultation.State.OPEN, Consultation.State.CLOSED


@dataclasses.dataclass(frozen=True)
class Access:
    """One visitor's view of one consultation at one moment."""

    consultation: Consultation
    # A draft seen by staff or through a preview link: its pages say "Preview" and it shows as open.
    previewing: bool = False
    now: datetime.datetime = dataclasses.field(default_factory=lambda: timezone.now())

    @property
    def state(self):
        """Upcoming, open or closed, as the visitor is shown it: a preview shows it open."""
        return OPEN if self.previewing else self.consultation.state_at(self.now)

    @property
    def is_open(self):
        return self.state == OPEN

    @property
    def may_send(self):
        """What a form sends is stored: published and open now (a preview only checks forms)."""
        return not self.previewing and self.consultation.is_public and self.consultation.state_at(self.now) == OPEN

    def may_send_form(self, opened_at):
        """A form opened at `opened_at` (from its signed token; None if unknown) may be sent now:
        while open, and for CLOSE_GRACE_MINUTES after the close if it was opened before it, so that
        what someone typed before midnight is not lost for being sent at one minute past."""
        if self.may_send:
            return True
        consultation = self.consultation
        grace = datetime.timedelta(minutes=settings.CLOSE_GRACE_MINUTES)
        return (
            not self.previewing
            and consultation.is_public
            and opened_at is not None
            and opened_at < consultation.closes_at <= self.now < consultation.closes_at + grace
        )

    @property
    def may_change_own_response(self):
        """A respondent may change or withdraw what they sent, and their choices, until the close."""
        return self.may_send

    @property
    def outcome_may_be_published(self):
        """Staff may publish the outcome once the consultation has closed."""
        return self.consultation.is_public and self.consultation.state_at(self.now) == CLOSED
