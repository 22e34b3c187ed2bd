"""The forms of the pages that write a consultation: its draft and sections, questions, supporting
documents, versions, publishing and outcome. They only validate; the pages act on what they return."""

from django import forms

from guidance.consultations import dates, sections
from guidance.equality import questions as equality_questions
from guidance.models import (
    Consultation,
    Document,
    Outcome,
    Question,
    Section,
)
from guidance.responses import answers
from guidance.responses.text import whole_number


class DraftUploadForm(forms.Form):
    # An empty file is refused by guidance/consultations/draft_import.py, saying so in its own words.
    file = forms.FileField(
        allow_empty_file=True,
        label="Word document or Markdown file",
        help_text=(
            "A .docx (Word) or Markdown file. Section titles are its headings: Heading 1 for sections, Heading 2 for "
            "sub-sections; numbers typed at their start (“4. Planning”, “3.1 Start early”) are kept as the "
            "sections' numbers. Nothing is saved until you confirm on the next page."
        ),
    )


class PublishForm(forms.Form):
    """Publishing, or publishing the outcome: a tick to confirm when there are warnings."""

    confirm = forms.BooleanField(required=False, label="I have read the warnings above and want to publish it anyway")

    def __init__(self, *args, warnings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings = list(warnings)

    def clean(self):
        cleaned = super().clean()
        if self.warnings and not cleaned.get("confirm"):
            self.add_error("confirm", "Tick the box to confirm, after reading the warnings.")
        return cleaned


class ConsultationForm(forms.ModelForm):
    """A consultation's settings in the admin, the equality monitoring questions as boxes to tick.
    New dates that would open, close or reopen a published consultation
    (guidance/consultations/dates.py) are an error until confirmed: the page comes back saying what
    they would do, with a box to tick naming that very change, and nothing is saved before it is
    ticked and the form sent again."""

    CONFIRM = "confirm_dates"

    equality_questions = forms.MultipleChoiceField(
        label="Equality monitoring questions",
        choices=[(characteristic.key, characteristic.name) for characteristic in equality_questions.CHARACTERISTICS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Asked, as optional, after a respondent sends their response (docs/analysis.md, “Whose voices”). "
        "The answers are personal data: only staff who may see personal data see them, and only in aggregate.",
    )

    class Meta:
        model = Consultation
        fields = [
            "document",
            "title",
            "slug",
            "organisation",
            "summary",
            "opens_at",
            "closes_at",
            "contact_email",
            "event_note",
            "event_starts_at",
            "event_ends_at",
            "retention_months",
            "equality_questions",
            "licence",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form sent without it (a script, a page opened before the field was added) keeps the
        # licence as it is: the published responses are never relicensed by leaving a field out.
        # (Someone who may only view the consultation gets no editable fields at all.)
        if "licence" in self.fields:
            self.fields["licence"].required = False

    def clean_licence(self):
        return self.cleaned_data.get("licence") or self.instance.licence

    def clean(self):
        cleaned = super().clean()
        self.date_change = None
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if self.instance.pk and opens_at and closes_at and closes_at > opens_at:
            stored = Consultation.objects.get(pk=self.instance.pk)
            change = dates.new_dates(stored, opens_at, closes_at)
            if change is not None and change.needs_confirming and self.data.get(self.CONFIRM) != change.key:
                self.date_change = change
                raise forms.ValidationError(
                    f"{change.in_words()} Nothing has been saved: tick “Yes, {change.action}” below and save "
                    "again, or change the dates.",
                    code="confirm_dates",
                )
        return cleaned


class SectionForm(forms.ModelForm):
    """A section in the admin: refused once a consultation on its document has closed
    (guidance/consultations/sections.py), and a number already taken named with the section that has it."""

    class Meta:
        model = Section
        fields = ["document", "major", "minor", "part", "title", "slug", "body"]

    def clean(self):
        cleaned = super().clean()
        document = cleaned.get("document")
        if document is None:
            return cleaned
        refusal = sections.change_refusal(document)
        if refusal:
            raise forms.ValidationError(f"Nothing was saved. {refusal}", code="record_holds")
        major, minor = cleaned.get("major"), cleaned.get("minor")
        if major is not None and minor is not None:
            taken = Section.objects.filter(document=document, major=major, minor=minor).exclude(pk=self.instance.pk)
            holder = taken.first()
            if holder is not None:
                # On the field, so the database's own check (with its vaguer message) is not run too.
                self.add_error(
                    "major",
                    f"Section {holder.number} already exists: “{holder.title}”. Give this section another number, "
                    "or renumber all the sections at once on the document's Sections page.",
                )
        return cleaned


class SectionNumbersForm(forms.Form):
    """The numbers of all a document's sections, typed at once on its Sections page, one box each,
    and checked together (guidance/consultations/sections.py, number_problems): each problem is
    shown at the top, naming the sections in conflict, and beside each of their boxes."""

    # The ids of the sections shown, so that a section added or removed meanwhile is noticed.
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        self.fields["shown"].initial = ",".join(str(section.pk) for section in self.sections)
        for section in self.sections:
            self.fields[self.name_of(section)] = forms.CharField(
                label=f"Number of “{section.title}”",
                initial=section.number,
                max_length=20,
                error_messages={"required": f"Give “{section.title}” a number, such as 3 or 3.1."},
            )
        self.summary = []  # [(message, the id of the first box it is about)]

    @staticmethod
    def name_of(section):
        return f"number-{section.pk}"

    def rows(self):
        """(section, its bound field) in the order shown."""
        return [(section, self[self.name_of(section)]) for section in self.sections]

    def numbers(self):
        """{section id: (major, minor)} once valid."""
        return {section.pk: self.cleaned_data[self.name_of(section)] for section in self.sections}

    def clean(self):
        cleaned = super().clean()
        shown = {whole_number(pk) for pk in (cleaned.get("shown") or "").split(",") if pk}
        if shown != {section.pk for section in self.sections}:
            self.summary.append((sections.SECTIONS_CHANGED, ""))
            raise forms.ValidationError(sections.SECTIONS_CHANGED)
        for section in self.sections:
            name = self.name_of(section)
            if name not in cleaned:
                continue
            number = sections.read_number(cleaned[name])
            if number is None:
                message = f"“{section.title}”: write a number such as 3 for a section or 3.1 for a sub-section."
                self.add_error(name, message)
                self.summary.append((message, self[name].auto_id))
            else:
                cleaned[name] = number
        if self.errors:
            return cleaned
        for problem in sections.number_problems(self.sections, self.numbers()):
            self.add_problem(problem)
        return cleaned

    def add_problem(self, problem):
        """A problem sections.number_problems found, on each box it is about."""
        by_id = {section.pk: section for section in self.sections}
        boxes = [self.name_of(by_id[pk]) for pk in problem.section_ids if pk in by_id]
        for name in boxes:
            self.add_error(name, problem.message)
        if not boxes:
            self.add_error(None, problem.message)
        self.summary.append((problem.message, self[boxes[0]].auto_id if boxes else ""))


class SupportingDocumentForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="What it is, as the public will read it, such as “Full draft” or “Easy read version”.",
    )
    # Its content is checked when it is attached (guidance/consultations/supporting.py), which refuses it with a
    # message for this field.
    file = forms.FileField(
        help_text="A PDF, Word document (.docx), OpenDocument text (.odt) or plain text file. Its type is "
        "checked from its content, not its name."
    )


class QuestionForm(forms.ModelForm):
    """A question on the consultation's page: its kind, and for a choice question its options, one
    per line, and whether it offers "Other, please say" (guidance/responses/answers.py keeps the options)."""

    option_lines = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text="For a one-choice or several-choices question: one option per line, in order. An agreement "
        "scale has its own six. An option people have chosen can be reworded but not removed.",
    )
    offers_other = forms.BooleanField(
        label="Offer “Other, please say”", required=False, help_text="A last option with a box for their own words."
    )

    class Meta:
        model = Question
        fields = ["position", "text", "hint", "kind", "required", "explain_label"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            options = list(self.instance.options.order_by("position"))
            if self.instance.kind in (Question.Kind.ONE_CHOICE, Question.Kind.SEVERAL_CHOICES):
                self.initial["option_lines"] = "\n".join(o.label for o in options if not o.is_other)
            self.initial["offers_other"] = any(o.is_other for o in options)

    def option_labels(self):
        return [line.strip() for line in self.cleaned_data.get("option_lines", "").splitlines() if line.strip()]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        labels = self.option_labels()
        if kind in (Question.Kind.ONE_CHOICE, Question.Kind.SEVERAL_CHOICES) and len(labels) < 2:
            self.add_error("option_lines", "Give at least two options, one per line.")
        if len(set(labels)) != len(labels):
            self.add_error("option_lines", "Each option must be different.")
        if any(len(label) > 200 for label in labels):
            self.add_error("option_lines", "Each option must be 200 characters or fewer.")
        if kind == Question.Kind.TEXT and cleaned.get("explain_label"):
            self.add_error("explain_label", "A free-text question has no explanation box: its answer is words.")
        if kind != Question.Kind.ONE_CHOICE and kind != Question.Kind.SEVERAL_CHOICES and cleaned.get("offers_other"):
            self.add_error("offers_other", "Only a one-choice or several-choices question can offer “Other”.")
        if kind and self.instance.pk and not self.errors:
            problem = answers.options_problem(self.instance, kind, labels, cleaned.get("offers_other", False))
            if problem:
                self.add_error("option_lines", problem)
        return cleaned


class OutcomeTextField(forms.CharField):
    """Words as typed, every line break made "\n" (browsers send "\r\n"), so that the words a
    page showed and the words sent back compare equal when nobody changed them."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class OutcomeForm(forms.Form):
    """One block of the "You said, we did" pages: a "we did" on a section, a question, a theme or a
    comment (a kind and words), or the outcome of the consultation as a whole (`overall`: words
    only). guidance/outcomes/replies.py decides what is needed (a kind for a theme or a comment,
    words always) so that every door says the same.

    `shown_kind` and `shown_text` carry what the page showed, so that only the blocks a person
    changed are written (touched()): a block left alone is not rewritten in their name, nor over
    a colleague's change made meanwhile. `remove` (for staff who may remove) takes away what is
    written."""

    kind = forms.ChoiceField(
        label="What became of it",
        choices=[("", "No kind: the words say it"), *Outcome.Kind.choices],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose one of the kinds listed."},
    )
    text = OutcomeTextField(
        label="What we did",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="In plain words, for the people who commented. Markdown: *emphasis*, lists, links.",
    )
    shown_kind = forms.CharField(required=False, widget=forms.HiddenInput)
    shown_text = OutcomeTextField(required=False, strip=False, widget=forms.HiddenInput)
    remove = forms.BooleanField(required=False, label="Remove what is written")

    def __init__(self, *args, overall=False, may_remove=False, **kwargs):
        super().__init__(*args, **kwargs)
        if overall:
            del self.fields["kind"], self.fields["shown_kind"]
            self.fields["text"].label = "What you said and what we did, for the consultation as a whole"
            self.fields["text"].help_text = (
                "Shown first under “What you said and what we did” on the consultation's page: what was heard "
                "and what changes. "
                "Markdown: *emphasis*, lists, links."
            )
            self.fields["text"].widget.attrs["rows"] = 8
        if not may_remove:
            del self.fields["remove"]

    def clean(self):
        cleaned = super().clean()
        was_written = bool((cleaned.get("shown_text") or "").strip())
        if not cleaned.get("remove") and was_written and not (cleaned.get("text") or "").strip():
            hint = " or tick “Remove what is written”" if "remove" in self.fields else ""
            self.add_error("text", f"Write what was done about it{hint}.")
        return cleaned

    def touched(self):
        """True if the person changed this block: words or kind other than the page showed, or
        Remove ticked on what was written. Call after is_valid()."""
        data = self.cleaned_data
        if data.get("remove"):
            return bool(data["shown_text"].strip())
        return data["text"].strip() != data["shown_text"].strip() or data.get("kind", "") != data.get("shown_kind", "")


class OutcomeBlocksForm(forms.Form):
    """Which blocks the "You said, we did" overview sent: each must be one it offers, of this
    consultation's own (its sections, questions and themes, or the consultation as a whole)."""

    block = forms.MultipleChoiceField(
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={
            "invalid_choice": "What was sent names something that is not one of this consultation's sections, "
            "questions or themes (%(value)s). Nothing was saved: open the page again and write there."
        },
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = [(key, key) for key in targets]


class VersionLabelForm(forms.Form):
    """Starting the next version of a document: what it is called."""

    version_label = forms.CharField(
        label="Name of the new version",
        max_length=Document._meta.get_field("version_label").max_length,
        help_text="How the organisation will name it, such as “Published guidance, 2018”.",
        error_messages={"required": "Give the new version a name, such as “Published guidance, 2018”."},
    )


class VersionUploadForm(VersionLabelForm, DraftUploadForm):
    """Starting the next version from a Word document or a Markdown file."""

    field_order = ["version_label", "file"]


class SectionLinksForm(forms.Form):
    """Where each section of a new version comes from: for each of its sections, a field
    `from-<id>` holding the ids of the consulted sections it comes from (none: a new section).
    `shown` holds the ids of the sections the page showed, so that links chosen for sections
    that have changed since are refused rather than half-saved."""

    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, later_sections, earlier_sections, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.later_sections = list(later_sections)
        choices = [(str(section.pk), str(section)) for section in earlier_sections]
        self.fields["shown"].initial = self.shown_ids()
        for section in self.later_sections:
            self.fields[self.field_name(section)] = forms.MultipleChoiceField(
                label=f"Where section {section} comes from",
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": f"Section {section.number} can only come from sections of the version "
                    "consulted on."
                },
            )

    @staticmethod
    def field_name(section):
        return f"from-{section.pk}"

    def shown_ids(self):
        return ",".join(str(section.pk) for section in self.later_sections)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("shown", "") != self.shown_ids():
            raise forms.ValidationError(
                "The new version's sections have changed since this page was shown, so nothing was saved. "
                "Check where each section comes from again below."
            )
        return cleaned

    def links(self):
        """{later section id: [earlier section ids]}, for versions.confirm_links."""
        return {
            section.pk: [int(pk) for pk in self.cleaned_data.get(self.field_name(section), [])]
            for section in self.later_sections
        }
