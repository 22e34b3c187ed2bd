"""A consultation closed, with a next version of its document in which sections are changed,
renamed, split, merged, removed, unchanged and new: for the "What changed" tests (tests/
test_what_changed.py, the browser test and the HTML validity check)."""

import datetime

from django.core.cache import caches
from django.utils import timezone

from guidance.consultations.publishing import publish_outcome
from guidance.models import Comment, Response
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DocumentFactory,
    OutcomeFactory,
    ResponseFactory,
    SectionFactory,
    SectionLinkFactory,
    ThemeFactory,
)


def consulted_and_revised(slug="co-producing-research"):
    """A closed consultation on seven sections, and a next version (links confirmed) in which
    section 1 is changed, 2 renamed, 3 split in two, 4 and 5 merged, 6 removed, 7 unchanged, and
    a section is new. Published and unpublished comments with themes, and the outcomes written but
    not yet published. Returns (consultation, {name: object})."""
    now = timezone.now()
    consultation = ConsultationFactory(
        title="Co-producing research",
        slug=slug,
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now - datetime.timedelta(days=1),
    )
    consulted = consultation.document

    def section(document, major, title, body, slug=None):
        return SectionFactory(document=document, major=major, title=title, slug=slug or title.lower(), body=body)

    old = {
        "reciprocity": section(consulted, 1, "Reciprocity", "Pay people for their time."),
        "payment": section(consulted, 2, "Payment", "Plan payment from the start."),
        "training": section(consulted, 3, "Training", "Train researchers.\n\nTrain the public."),
        "roles": section(consulted, 4, "Roles", "Agree roles early."),
        "power": section(consulted, 5, "Power", "Share power."),
        "jargon": section(consulted, 6, "Jargon", "Avoid jargon <like this> & that."),
        "ethics": section(consulted, 7, "Ethics", "Think about ethics."),
    }
    revised = DocumentFactory(
        title="Guidance on co-producing research",
        version_label="Published, 2018",
        revises=consulted,
        links_confirmed_at=now,
    )
    new = {
        "reciprocity": section(revised, 1, "Reciprocity", "Pay people fairly for their time."),
        "paying": section(revised, 2, "Paying people", "Plan payment from the start.", slug="paying-people"),
        "training-researchers": section(
            revised, 3, "Training researchers", "Train researchers.", "training-researchers"
        ),
        "training-public": section(revised, 4, "Training the public", "Train the public.", "training-public"),
        "sharing-power": section(
            revised, 5, "Sharing power", "Agree roles early. Share power. Fairly.", "sharing-power"
        ),
        "ethics": section(revised, 6, "Ethics", "Think about ethics."),
        "evaluation": section(revised, 7, "Evaluation", "Evaluate together."),
    }
    for later, earlier in [
        ("reciprocity", "reciprocity"),
        ("paying", "payment"),
        ("training-researchers", "training"),
        ("training-public", "training"),
        ("sharing-power", "roles"),
        ("sharing-power", "power"),
        ("ethics", "ethics"),
    ]:
        SectionLinkFactory(later=new[later], earlier=old[earlier])

    money = ThemeFactory(consultation=consultation, name="Money")
    time = ThemeFactory(consultation=consultation, name="Time")

    def comment(target, status=Comment.Status.APPROVED, themes=(), consent=Response.Consent.PUBLISH_ANONYMOUS, **kw):
        made = CommentFactory(
            section=target, response=ResponseFactory(consultation=consultation, consent=consent), **kw
        )
        Comment.objects.filter(pk=made.pk).update(status=status)
        made.themes.set(themes)
        made.refresh_from_db()
        return made

    objects = {"old": old, "new": new, "money": money, "time": time, "revised": revised}
    objects["replied"] = comment(old["reciprocity"], themes=[money], text="Pay for travel too.")
    comment(old["reciprocity"], themes=[money, time])
    comment(old["reciprocity"], themes=[money])
    comment(old["reciprocity"])  # published, no theme
    # Not published: never counted on the page.
    comment(old["reciprocity"], status=Comment.Status.PENDING, themes=[money])
    comment(old["reciprocity"], status=Comment.Status.REJECTED, themes=[money])
    comment(old["reciprocity"], themes=[money], consent=Response.Consent.DO_NOT_PUBLISH)
    comment(old["training"], themes=[time])
    objects["section_outcome"] = OutcomeFactory(
        consultation=consultation, section=old["reciprocity"], text="We now say **fairly**."
    )
    OutcomeFactory(consultation=consultation, theme=money, kind="later", text="We will look at budgets.")
    objects["reply"] = OutcomeFactory(
        consultation=consultation, comment=objects["replied"], kind="covered", text="Section 2 covers travel."
    )
    return consultation, objects


def published(consultation):
    publish_outcome(consultation, by=None)
    caches["fragments"].clear()
    return consultation
