"""Template filters for the public pages."""

from urllib.parse import urlsplit

from django import forms, template
from django.utils import timezone

from guidance.responses import answers

register = template.Library()


def _uk_time(moment):
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


@register.filter
def state_label(state):
    """A consultation's state in words: "Not open yet", "Open", "Closed"."""
    from guidance.models import Consultation

    return Consultation.State(state).label


@register.filter
def uk_datetime(value):
    """A moment in plain English, UK time, as GOV.UK writes it: "11:59pm on Friday 22 January 2027"."""
    if not value:
        return ""
    moment = timezone.localtime(value)
    return f"{_uk_time(moment)} on {moment:%A} {moment.day} {moment:%B %Y}"


@register.simple_tag
def uk_period(start, end=None):
    """When something happens, in plain English, UK time: "from 8pm to 9pm on Monday 9 October 2017",
    "at 8pm on Monday 9 October 2017" without an end, both dates in full when it spans days."""
    if not start:
        return ""
    if not end or end == start:
        return f"at {uk_datetime(start)}"
    first, last = timezone.localtime(start), timezone.localtime(end)
    if first.date() == last.date():
        return f"from {_uk_time(first)} to {uk_datetime(end)}"
    return f"from {uk_datetime(start)} to {uk_datetime(end)}"


@register.simple_tag
def page_links(page):
    """The page numbers to link to: the first, the last, and one either side of the current page,
    with None where numbers are left out (shown as an ellipsis). A section with thousands of
    comments still gets a short list, built without looping over every page."""
    ellipsis = page.paginator.ELLIPSIS
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return [None if number == ellipsis else number for number in numbers]


@register.filter
def source_host(url):
    """The site a link goes to, as people read it: "www.nihr.ac.uk"."""
    return urlsplit(url).hostname or url


@register.filter
def answer(comment):
    """What a comment or an answer holds, as guidance.responses.answers.Answer: its chosen options,
    their words for "Other", its text. templates/includes/answer.html shows it on every page."""
    return answers.stored_answer(comment)


@register.filter
def answer_labels(comment):
    """The options an answer chose, as people read them ("Other: their words"); [] for a comment.
    To show an answer, include templates/includes/answer.html, which shows its text too."""
    return answers.stored_answer(comment).labels


@register.simple_tag
def counted_box(field):
    """The box of a field with a character count (templates/gds/layout/character_count.html), as
    GOV.UK Frontend's component has it: described by its limit, then its hint and its errors."""
    widget = field.field.widget
    kind = "govuk-textarea" if isinstance(widget, forms.Textarea) else "govuk-input"
    classes = [kind, "govuk-js-character-count", *([f"{kind}--error"] if field.errors else [])]
    described = [f"{field.auto_id}-info", *([f"{field.auto_id}_hint"] if field.help_text else [])]
    described += [f"{field.auto_id}_{number}_error" for number in range(1, len(field.errors) + 1)]
    return field.as_widget(attrs={"class": " ".join(classes), "aria-describedby": " ".join(described)})
