"""Changing the dates of a published consultation.

A published consultation is upcoming, open or closed by its dates alone (Consultation.state_at), so
a date typed into its settings can open it, close it or reopen it the moment it is saved: people in
the middle of a response find the form refused, or a closed consultation takes responses again.
Such a change is saved only once confirmed: the settings page says what the new dates would do and
asks for a tick (the staff page, ConsultationForm), and save_consultation() refuses (NeedsConfirming,
nothing saved) unless the confirmation names that very change, so a change confirmed for one set
of dates never carries another, and a consultation that closed by itself meanwhile asks again.

Every change to a published consultation's dates, whatever it does, is recorded as a DateChange
(who, when, from what to what, the state before and after) in the transaction that saves it, and
shown in the consultation's history. A draft's dates change freely: nobody outside staff sees it.
"""

import dataclasses
import datetime

from django.db import transaction
from django.utils import timezone

from guidance.models import Consultation, DateChange
from guidance.templatetags.portal import uk_datetime

UPCOMING, OPEN, CLOSED = Consultation.State.UPCOMING, Consultation.State.OPEN, Consultation.State.CLOSED


class NeedsConfirming(Exception):
    """The dates would open, close or reopen the consultation and that was not confirmed; `change`
    says what they would do. Nothing was saved."""

    def __init__(self, change):
        super().__init__(change.in_words())
        self.change = change


@dataclasses.dataclass(frozen=True)
class NewDates:
    """What new dates would do to a published consultation, judged at `at`."""

    opens_before: datetime.datetime
    opens_after: datetime.datetime
    closes_before: datetime.datetime
    closes_after: datetime.datetime
    state_before: str
    state_after: str

    @property
    def needs_confirming(self):
        """True when it opens, closes or reopens the consultation."""
        return self.state_before != self.state_after

    @property
    def key(self):
        """Names this very change: a confirmation is for these dates from this state."""
        return "|".join(
            [self.state_before, self.state_after, self.opens_after.isoformat(), self.closes_after.isoformat()]
        )

    @property
    def action(self):
        """What it does, as the box to tick says it: "close it now"."""
        return action(self.state_before, self.state_after)

    def in_words(self):
        """What it does, in a sentence: "These dates close the consultation now: …"."""
        before, after = self.state_before, self.state_after
        if after == OPEN and before == UPCOMING:
            return (
                f"These dates open the consultation now: responses are accepted until {uk_datetime(self.closes_after)}."
            )
        if after == OPEN:
            return (
                "These dates reopen the consultation, which has closed: responses are accepted again until "
                f"{uk_datetime(self.closes_after)}."
            )
        if after == UPCOMING and before == CLOSED:
            return (
                "These dates reopen the consultation, which has closed, from "
                f"{uk_datetime(self.opens_after)} until {uk_datetime(self.closes_after)}."
            )
        if after == UPCOMING:
            return (
                "These dates close the consultation now, which is open, until it opens again at "
                f"{uk_datetime(self.opens_after)}: responses are refused until then."
            )
        if before == UPCOMING:
            return "These dates close the consultation before it has opened: it will never take responses."
        return (
            f"These dates close the consultation now, before {uk_datetime(self.closes_before)}: "
            "responses are refused from the moment they are saved."
        )


def verb(state_before, state_after):
    """What a move between states does: "open", "close", "reopen", or "" for none."""
    if state_before == state_after:
        return ""
    if state_before == CLOSED:
        return "reopen"
    return "open" if state_after == OPEN else "close"


def action(state_before, state_after):
    """What a move between states does, as the box to tick says it: "close it now"."""
    return {"open": "open it now", "close": "close it now", "reopen": "reopen it"}.get(
        verb(state_before, state_after), ""
    )


def effect(state_before, state_after):
    """What a move between states did, as the history says it: "Closed it"."""
    return {"open": "Opened it", "close": "Closed it", "reopen": "Reopened it"}.get(verb(state_before, state_after), "")


def to_the_second(moment):
    # The settings page shows and sends dates to the second: a date stored with a fraction of a
    # second (made by code) comes back without it, unchanged.
    return moment.replace(microsecond=0)


def new_dates(stored, opens_at, closes_at, now=None):
    """What saving these dates would do to the consultation as stored, or None when nothing needs
    recording: the dates are the same, or it is a draft."""
    if stored.is_draft or (to_the_second(stored.opens_at), to_the_second(stored.closes_at)) == (
        to_the_second(opens_at),
        to_the_second(closes_at),
    ):
        return None
    now = now or timezone.now()
    after = Consultation(opens_at=opens_at, closes_at=closes_at)
    return NewDates(
        opens_before=stored.opens_at,
        opens_after=opens_at,
        closes_before=stored.closes_at,
        closes_after=closes_at,
        state_before=stored.state_at(now),
        state_after=after.state_at(now),
    )


def save_consultation(consultation, *, by, confirmed=""):
    """Save the consultation as edited (its settings and its dates), in one transaction, recording
    a change to a published consultation's dates (DateChange). NeedsConfirming, nothing saved, when
    the dates would open, close or reopen it and `confirmed` is not that change's key."""
    with transaction.atomic():
        now = timezone.now()
        stored = Consultation.objects.select_for_update().get(pk=consultation.pk)
        change = new_dates(stored, consultation.opens_at, consultation.closes_at, now)
        if change is not None and change.needs_confirming and confirmed != change.key:
            raise NeedsConfirming(change)
        consultation.save()
        if change is not None:
            DateChange.objects.create(
                consultation=consultation,
                changed_at=now,
                changed_by=by,
                opens_at_before=change.opens_before,
                opens_at_after=change.opens_after,
                closes_at_before=change.closes_before,
                closes_at_after=change.closes_after,
                state_before=change.state_before,
                state_after=change.state_after,
            )
    return change
