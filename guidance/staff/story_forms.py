"""The story editor's forms (guidance/staff/stories.py). They only validate; the limits are the
story's own (guidance/stories/models.py), which its domain functions check again."""

from django import forms

from guidance.stories.models import (
    HEADING_MAX_LENGTH,
    INTRODUCTION_MAX_LENGTH,
    LINKING_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    StoryItem,
)


class StoryDetailsForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": "Enter the story's title."},
    )
    introduction = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=INTRODUCTION_MAX_LENGTH,
        help_text="A few sentences: what the event was, who took part, what this record shows.",
    )


class StoryWordsForm(forms.Form):
    """A heading or a short linking text, and where in the story to put it."""

    kind = forms.ChoiceField(
        label="Add",
        choices=[(StoryItem.Kind.HEADING, "A heading"), (StoryItem.Kind.TEXT, "A short linking text")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a heading or a linking text."},
    )
    text = forms.CharField(
        label="Words",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"A heading: one line, at most {HEADING_MAX_LENGTH} characters. "
        f"A linking text: at most {LINKING_TEXT_MAX_LENGTH:,} characters.",
        error_messages={"required": "Enter the words of the heading or linking text."},
    )
    position = forms.TypedChoiceField(
        label="Where",
        coerce=int,
        error_messages={
            "required": "Choose where to put it.",
            "invalid_choice": "Choose where to put it from the list: the story may have changed since you loaded it.",
        },
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(1, "At the top")]
        choices += [(item.position + 1, f"After {item.position}: {label}") for item, label in items]
        if len(choices) > 1:
            choices[-1] = (choices[-1][0], "At the end")
        self.fields["position"].choices = choices
        self.fields["position"].initial = choices[-1][0]

    def clean(self):
        data = super().clean()
        kind, text = data.get("kind"), data.get("text")
        if kind == StoryItem.Kind.HEADING and text:
            if "\n" in text.strip():
                self.add_error("text", "A heading is one line: take out the line breaks.")
            elif len(text.strip()) > HEADING_MAX_LENGTH:
                self.add_error(
                    "text", f"A heading must be {HEADING_MAX_LENGTH} characters or fewer; it has {len(text.strip())}."
                )
        elif kind == StoryItem.Kind.TEXT and text and len(text.strip()) > LINKING_TEXT_MAX_LENGTH:
            self.add_error(
                "text",
                f"A linking text must be {LINKING_TEXT_MAX_LENGTH:,} characters or fewer; "
                f"it has {len(text.strip()):,}.",
            )
        return data
