"""What each endpoint returns, declared for the OpenAPI schema (drf-spectacular). The views build
plain dicts of exactly these fields; tests/test_open_data_api.py checks every response against the
schema made from these."""

from rest_framework import serializers

from guidance.models import Consultation, Question, Response


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()


class LinksSerializer(serializers.Serializer):
    page = serializers.URLField(help_text="The consultation's page on this site.")
    published_responses = serializers.URLField()
    open_data = serializers.URLField(help_text="What each field means, the licence and the downloads.")
    csv = serializers.URLField()
    json = serializers.URLField()
    sections = serializers.URLField()
    questions = serializers.URLField()
    comments = serializers.URLField()
    statistics = serializers.URLField()


class ConsultationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    summary = serializers.CharField()
    state = serializers.ChoiceField(choices=Consultation.State.choices, help_text="Where its dates put it now.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    outcome_published = serializers.BooleanField(help_text="Whether the organisation has published what it did.")
    outcome_published_at = serializers.DateTimeField(allow_null=True)
    licence = LicenceSerializer()
    links = LinksSerializer()


class SectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="For the comments' section filter.")
    number = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    published_comments = serializers.IntegerField()


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="For the comments' option filter.")
    label = serializers.CharField()
    is_other = serializers.BooleanField(help_text="The person may write their own answer with it.")


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="For the comments' question filter.")
    number = serializers.CharField()
    text = serializers.CharField()
    hint = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    required = serializers.BooleanField()
    explain_label = serializers.CharField(allow_blank=True)
    options = OptionSerializer(many=True)
    published_comments = serializers.IntegerField()


class CommentSerializer(serializers.Serializer):
    """One published comment or answer: guidance/public/open_data.py's record, field by field."""

    id = serializers.IntegerField()
    section = serializers.CharField(allow_blank=True)
    section_title = serializers.CharField(allow_blank=True)
    question = serializers.CharField(allow_blank=True)
    question_text = serializers.CharField(allow_blank=True)
    answers = serializers.ListField(child=serializers.CharField())
    other = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)
    respondent_type = serializers.ChoiceField(choices=Response.RespondentType.choices)
    respondent_type_label = serializers.CharField()
    name = serializers.CharField(help_text="Only with the person's agreement to publish their name; else Anonymous.")
    sent_at = serializers.DateTimeField()
    reply_kind = serializers.CharField(allow_blank=True)
    reply = serializers.CharField(allow_blank=True)
    themes = serializers.ListField(child=serializers.CharField())


class CountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()


class OptionCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class QuestionCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    text = serializers.CharField()
    count = serializers.IntegerField()
    options = OptionCountSerializer(many=True)


class RespondentTypeCountSerializer(serializers.Serializer):
    respondent_type = serializers.ChoiceField(choices=Response.RespondentType.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class PublishedCountsSerializer(serializers.Serializer):
    comments = serializers.IntegerField()
    by_section = CountSerializer(many=True)
    by_question = QuestionCountSerializer(many=True)
    by_respondent_type = RespondentTypeCountSerializer(many=True)


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class ChoiceShareSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Per cent of the answers that chose anything.")


class ChoicesSerializer(serializers.Serializer):
    question = serializers.CharField()
    text = serializers.CharField()
    answered = serializers.IntegerField()
    options = ChoiceShareSerializer(many=True)


class AfterCloseSerializer(serializers.Serializer):
    """The figures the consultation's page shows once it has closed."""

    responses_received = serializers.IntegerField()
    responses_published = serializers.IntegerField()
    comments_received = serializers.IntegerField()
    comments_published = serializers.IntegerField()
    comments_not_published = serializers.IntegerField()
    not_published = ReasonCountSerializer(many=True)
    choices = ChoicesSerializer(many=True)


class StatisticsSerializer(serializers.Serializer):
    published = PublishedCountsSerializer(help_text="Counts of the published comments, as the filters count them.")
    after_close = AfterCloseSerializer(allow_null=True, help_text="Null until the consultation has closed.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField(), required=False)
