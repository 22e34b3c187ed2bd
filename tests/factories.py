import datetime

import factory
from django.utils import timezone

from guidance.models import (
    Comment,
    Consultation,
    Document,
    Event,
    Outcome,
    Question,
    Response,
    Section,
    SectionLink,
    Theme,
)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Draft guidance {n}")
    slug = factory.Sequence(lambda n: f"draft-guidance-{n}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    document = factory.SubFactory(DocumentFactory)
    major = factory.Sequence(lambda n: n + 1)
    minor = 0
    title = factory.Sequence(lambda n: f"Section title {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    body = "Some text about this part of the draft."


class ConsultationFactory(factory.django.DjangoModelFactory):
    """Published and open by default: opened a week ago, closes in three weeks. A draft:
    publication=Consultation.Publication.DRAFT."""

    class Meta:
        model = Consultation

    document = factory.SubFactory(DocumentFactory)
    title = factory.Sequence(lambda n: f"Consultation {n}")
    slug = factory.Sequence(lambda n: f"consultation-{n}")
    organisation = "Example organisation"
    summary = "We would like your views on our draft."
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=21))
    contact_email = "consult@example.org"
    publication = Consultation.Publication.PUBLISHED


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    consultation = factory.SubFactory(ConsultationFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"What do you think of point {n}?")


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    consultation = factory.SubFactory(ConsultationFactory)
    respondent_type = Response.RespondentType.PUBLIC
    consent = Response.Consent.PUBLISH_ANONYMOUS


class CommentFactory(factory.django.DjangoModelFactory):
    """A pending comment on a section. Pass question=... and section=None for a question."""

    class Meta:
        model = Comment

    section = factory.SubFactory(SectionFactory)
    question = None
    response = factory.SubFactory(
        ResponseFactory,
        consultation=factory.LazyAttribute(
            lambda r: r.factory_parent.consultation_for_target,
        ),
    )
    consultation = factory.SelfAttribute("response.consultation")
    text = factory.Sequence(lambda n: f"Comment number {n}")

    class Params:
        consultation_for_target = factory.LazyAttribute(
            lambda c: (
                c.question.consultation
                if c.question
                else Consultation.objects.filter(document=c.section.document).first()
                or ConsultationFactory(document=c.section.document)
            )
        )


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    consultation = factory.SubFactory(ConsultationFactory)
    name = factory.Sequence(lambda n: f"Theme {n}")


class SectionLinkFactory(factory.django.DjangoModelFactory):
    """Section `later` of a new version comes from section `earlier` of the consulted one."""

    class Meta:
        model = SectionLink

    later = factory.SubFactory(SectionFactory)
    earlier = factory.SubFactory(SectionFactory)


class OutcomeFactory(factory.django.DjangoModelFactory):
    """What was done ("we did"): pass exactly one of section, question, theme or comment."""

    class Meta:
        model = Outcome

    consultation = factory.SubFactory(ConsultationFactory)
    kind = Outcome.Kind.CHANGED
    text = "We changed the text."


class ChatHourFactory(factory.django.DjangoModelFactory):
    """A chat hour on the portal that started five minutes ago."""

    class Meta:
        model = Event

    consultation = factory.SubFactory(ConsultationFactory)
    kind = Event.Kind.CHAT
    title = "Chat hour"
    slug = "chat-hour"
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=5))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + datetime.timedelta(hours=1))


class NextVersionFactory(DocumentFactory):
    """A new version of a document (by default of a new one), its links not confirmed yet."""

    revises = factory.SubFactory(DocumentFactory)
    version_label = "Published guidance"


class UserFactory(factory.django.DjangoModelFactory):
    """A member of staff, with one of the portal's roles: UserFactory(moderator=True),
    UserFactory(analyst=True), UserFactory(manager=True), or UserFactory(role="<group name>").
    Without a role, a member of staff who may do nothing yet. The password is PASSWORD."""

    class Meta:
        model = "auth.User"
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Patel {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    # The group of the role: not a field of the user, taken out in _create.
    role = None

    class Params:
        moderator = factory.Trait(role="Moderator")
        analyst = factory.Trait(role="Analyst")
        manager = factory.Trait(role="Consultation manager")

    @classmethod
    def _create(cls, model_class, *args, role=None, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role:
            from django.contrib.auth.models import Group

            user.groups.add(Group.objects.get(name=role))
        return user


PASSWORD = "correct horse battery staple"


def pdf(padding=0, header=b"%PDF-1.4\n"):
    """A PDF of one blank page, its content stream padded with spaces, with its cross-reference
    table, trailer, startxref and %%EOF as the standard wants them."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % padding + b" " * padding + b"\nendstream",
    ]
    data, offsets = header, []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return data + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
