"""The forms of the suggested-themes pages (guidance/staff/suggested_themes.py): they only validate."""

from django import forms

from guidance.analysis.suggestions import COUNTS, DEFAULT_COUNT
from guidance.responses.text import whole_number


class SuggestThemesForm(forms.Form):
    part = forms.ChoiceField(
        label="Which comments?",
        help_text="Approved comments with words, whether or not their authors agreed to publication.",
        error_messages={"invalid_choice": "Choose the whole consultation, a section or a question."},
    )
    count = forms.IntegerField(
        label="How many themes, at most?",
        initial=DEFAULT_COUNT,
        min_value=COUNTS[0],
        max_value=COUNTS[-1],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "vIntegerField", "autocomplete": "off"}),
        error_messages={
            "required": "Say how many themes to suggest.",
            "invalid": f"Write a number from {COUNTS[0]} to {COUNTS[-1]} with the digits 0 to 9.",
            "min_value": f"Ask for at least {COUNTS[0]} themes.",
            "max_value": f"Ask for at most {COUNTS[-1]} themes.",
        },
    )

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sections = consultation.document.sections.order_by("major", "minor")
        questions = consultation.questions.order_by("position")
        self.targets = {f"section-{s.pk}": ("section", s) for s in sections} | {
            f"question-{q.pk}": ("question", q) for q in questions
        }
        self.fields["part"].choices = [
            ("all", "The whole consultation"),
            ("Sections", [(key, f"Section {s}"[:120]) for key, (kind, s) in self.targets.items() if kind == "section"]),
            ("Questions", [(key, str(q)[:120]) for key, (kind, q) in self.targets.items() if kind == "question"]),
        ]

    def clean_count(self):
        # Only the digits 0 to 9 make a number (IntegerField would take "٣" or " 3 ").
        raw = self.data.get(self.add_prefix("count"), "")
        if whole_number(raw) is None:
            raise forms.ValidationError(self.fields["count"].error_messages["invalid"])
        return self.cleaned_data["count"]

    def target(self):
        """{"section": …} or {"question": …} or {} for the whole consultation."""
        kind, target = self.targets.get(self.cleaned_data["part"], (None, None))
        return {kind: target} if kind else {}


class AcceptSuggestionForm(forms.Form):
    name = forms.CharField(
        label="Name of the new theme",
        max_length=100,
        error_messages={
            "required": "Give the theme a name.",
            "max_length": "A theme's name can have at most 100 characters.",
        },
    )


class MergeSuggestionsForm(forms.Form):
    first = forms.TypedChoiceField(label="Merge", coerce=int)
    second = forms.TypedChoiceField(label="with", coerce=int)

    def __init__(self, open_suggestions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(s["number"], f"{s['number']}. {s['name']} ({len(s['comment_ids'])})") for s in open_suggestions]
        for name in ("first", "second"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = "Choose a suggestion that is still open."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("first") is not None and cleaned.get("first") == cleaned.get("second"):
            raise forms.ValidationError("Choose two different suggestions to merge.")
        return cleaned


class ReviewSuggestionsForm(forms.Form):
    comments = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": "Tick at least one comment first."}
    )
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("remove", "Remove")])

    def __init__(self, comment_ids, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].choices = [(pk, pk) for pk in comment_ids]
        self.fields["comments"].error_messages["invalid_choice"] = (
            "A ticked comment is no longer waiting for review: the page has been brought up to date."
        )
