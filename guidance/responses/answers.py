"""What a question asks and what an answer to it holds.

A question (guidance.models.Question) is one of four kinds: free text, one choice (radio buttons,
optionally with "Other, please say"), several choices (checkboxes, the same) or an agreement scale
(the six fixed points of AGREEMENT_SCALE). A choice or agreement question may add a free-text box
under it (Question.explain_label, such as "Please explain"). Any question may be required. The
options are rows (guidance.models.Option), kept in step with the question by set_options().

An answer is stored as one Comment on the question, moderated like any comment:

- Comment.text: the answer to a free-text question, or the words in the explanation box of a
  choice question (empty when none were given);
- Comment.options, through ChosenOption: the options chosen, as rows, never as text, so an
  option that is not the question's cannot be stored and an option that was chosen cannot be
  deleted;
- Comment.other_text: the respondent's own words when they chose "Other, please say".

In code an answer travels as an Answer: (options, other, text). make_answer() builds one from
what a form sent and refuses anything the question does not offer (AnswerRefused); the public's
form (guidance/public/forms.py) and anything else that takes answers go through it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Prefetch, prefetch_related_objects

from guidance.consultations.changed import public_pages_changed
from guidance.models import ChosenOption, Comment, Option, Question, Response

AGREEMENT_SCALE = [
    "Strongly agree",
    "Agree",
    "Neither agree nor disagree",
    "Disagree",
    "Strongly disagree",
    "Don't know",
]
OTHER_LABEL = "Other"
# How chosen labels are joined in one cell or line: "Agree; Other: a fairer way to pay".
LABEL_SEPARATOR = "; "


@dataclass(frozen=True)
class Answer:
    """An answer to one question: the options chosen (Option rows, in the question's order), the
    respondent's words for "Other" and the free text (the answer, or its explanation)."""

    options: tuple = ()
    other: str = ""
    text: str = ""

    def __bool__(self):
        return bool(self.options or self.text)

    @property
    def labels(self):
        """The chosen options as people read them: "Other: their words" for Other."""
        return [option_label(option, self.other) for option in self.options]

    def __str__(self):
        """The whole answer in words, as a receipt shows it: the choices, then the text."""
        chosen = LABEL_SEPARATOR.join(self.labels)
        return "\n\n".join(part for part in (chosen, self.text) if part)


class AnswerRefused(Exception):
    """What a form sent is not an answer this question takes. `part` is "options", "other" or
    "text"; the message says what to do, in the public's words."""

    def __init__(self, part, message):
        super().__init__(message)
        self.part = part
        self.message = message


class OptionsInUse(Exception):
    """Changing a question's options would remove one that answers have chosen."""


def option_label(option, other=""):
    return f"{option.label}: {other}" if option.is_other and other else option.label


def offered_options(question):
    """The question's options in order (from a prefetch, when there is one)."""
    return sorted(question.options.all(), key=lambda option: option.position)


def make_answer(question, option_ids=(), other="", text=""):
    """The Answer that a form's values give, or AnswerRefused. option_ids are the ids sent (strings
    or numbers); other and text are already tidied by the text rules (guidance/responses/text.py). An answer
    with nothing in it is an empty Answer: whether one is needed is for the caller (required
    questions, "answer at least one")."""
    if question.kind == Question.Kind.TEXT:
        if option_ids or other:
            raise AnswerRefused("options", "This question takes words only")
        answer = Answer(text=text)
    else:
        options, other = chosen_options(question, option_ids, other)
        if text and not question.explain_label:
            raise AnswerRefused("text", "This question takes a choice only")
        answer = Answer(options=options, other=other, text=text)
    if question.required and not (answer.options if question.has_options else answer.text):
        raise AnswerRefused("options" if question.has_options else "text", required_message(question))
    return answer


def chosen_options(question, option_ids=(), other=""):
    """(options, other): the question's options with these ids, in its order, and the words for
    "Other" when it is among them; or AnswerRefused (an option not the question's, two for a
    question taking one, "Other" without its words)."""
    if question.kind == Question.Kind.TEXT:
        if option_ids or other:
            raise AnswerRefused("options", "This question takes words only")
        return (), ""
    offered = {str(option.pk): option for option in offered_options(question)}
    chosen_ids = {str(value) for value in option_ids}
    unknown = chosen_ids - offered.keys()
    if unknown:
        raise AnswerRefused("options", "Choose from the answers listed")
    if len(chosen_ids) > 1 and question.kind != Question.Kind.SEVERAL_CHOICES:
        raise AnswerRefused("options", "Choose one answer")
    options = tuple(option for key, option in offered.items() if key in chosen_ids)
    chose_other = any(option.is_other for option in options)
    if chose_other and not other:
        raise AnswerRefused("other", "Say what your other answer is")
    # Words typed for "Other" without choosing it were left in a box that was hidden or passed
    # over: as GOV.UK's conditional questions do, they are not kept.
    return options, other if chose_other else ""


def received_answer(question, option_ids=(), other="", text=""):
    """An answer received by email, by post, at an event or on social media, as staff enter it or
    an import reads it (guidance/analysis/imports.py): its options follow the online form's rules
    (chosen_options), and its words are kept whatever the question's form offers, since what
    someone wrote is never dropped: a letter may answer a choice question in words alone, or one
    without an explanation box at length. No question is required of it: it is what arrived."""
    options, other = chosen_options(question, option_ids, other)
    return Answer(options=options, other=other, text=text)


def required_message(question):
    if question.kind == Question.Kind.TEXT:
        return f"Answer question {question.position}"
    if question.kind == Question.Kind.SEVERAL_CHOICES:
        return f"Choose at least one answer to question {question.position}"
    return f"Choose an answer to question {question.position}"


# Storing answers --------------------------------------------------------------------------------


def as_answer(value):
    """An Answer for what a form sent: an Answer already, or the text of a comment (a string)."""
    return value if isinstance(value, Answer) else Answer(text=value)


def comment_fields(value):
    """The Comment fields that hold an Answer or a comment's text (save_options stores the options)."""
    answer = as_answer(value)
    return {"text": answer.text, "other_text": answer.other}


def comparable(value):
    """What two answers must share to be the same answer: text, other words and option ids."""
    answer = as_answer(value)
    return (answer.text, answer.other, tuple(sorted(option.pk for option in answer.options)))


def comparable_stored(comment):
    """comparable() of a stored comment or answer (its options prefetched, preferably)."""
    return (comment.text, comment.other_text, tuple(sorted(option.pk for option in comment.options.all())))


def save_options(comments_and_values):
    """Store the chosen options of each (saved Comment, Answer or text) pair. Refuses an option
    that is not of the comment's question: the form checked it, and this is the last door."""
    rows = []
    for comment, value in comments_and_values:
        for option in as_answer(value).options:
            if option.question_id != comment.question_id:
                raise ValueError(f"Option {option.pk} is not an option of question {comment.question_id}")
            rows.append(ChosenOption(comment=comment, option=option))
    ChosenOption.objects.bulk_create(rows)


def replace_options(comment, value):
    """Make the stored comment's chosen options those of `value` (an Answer or text), in the
    caller's transaction: an answer changed by its respondent, or corrected by staff."""
    ChosenOption.objects.filter(comment=comment).delete()
    save_options([(comment, value)])


def stored_answer(comment):
    """The Answer a stored comment holds: what the respondent sent, as every page, staff page and
    email shows it (templates/includes/answer.html; str() of it in an email). Its options come from
    with_chosen_options when the comment was read with them, else from one query."""
    if not comment.question_id:
        return Answer(text=comment.text)
    options = tuple(sorted(comment.options.all(), key=lambda option: option.position))
    return Answer(options=options, other=comment.other_text, text=comment.text)


def chosen_labels(comment_ids, without_words=()):
    """{comment id: ["Partly"]} for the comments that chose options, in each question's order, in
    one query. "Other" reads "Other: their words", but "Other" alone for the comments in
    `without_words` (an export without personal data leaves them out, guidance/analysis/exports.py)."""
    comment_ids = list(comment_ids)
    if not comment_ids:
        return {}
    labels = defaultdict(list)
    rows = (
        ChosenOption.objects.filter(comment_id__in=comment_ids)
        .select_related("option")
        .order_by("comment_id", "option__position")
        .values_list("comment_id", "option__label", "option__is_other", "comment__other_text")
    )
    for comment_id, label, is_other, other in rows:
        with_words = is_other and other and comment_id not in without_words
        labels[comment_id].append(f"{label}: {other}" if with_words else label)
    return dict(labels)


def with_chosen_options(comments):
    """The comments (a queryset is read) as a list, the answers among them with their chosen options
    read in one query for them all, so that showing the list (stored_answer) asks nothing more for
    each. Comments that have theirs already are left as they are: it may be asked twice."""
    comments = list(comments)
    answered = [comment for comment in comments if comment.question_id]
    prefetch_related_objects(answered, Prefetch("options", queryset=Option.objects.order_by("position")))
    return comments


# Counting ----------------------------------------------------------------------------------------


@dataclass
class OptionCount:
    label: str
    count: int
    share: float  # of the answers that chose something, 0 to 100


@dataclass
class ChannelCounts:
    """The answers to one question that came by one channel (guidance.models.Response.Channel)."""

    channel: str  # its label: "Online", "Post"
    answered: int  # answers by this channel that chose at least one option
    counts: list  # how many of them chose each option, in the question's order


@dataclass
class QuestionCounts:
    question: Question
    answered: int  # answers that chose at least one option
    options: list
    # ChannelCounts for each channel that brought an answer, in the order of Response.Channel.
    by_channel: list = field(default_factory=list)


def option_counts(consultation, questions=None):
    """For each choice or agreement question of the consultation, in order: how many answers chose
    each option, and what share of the answers that chose anything that is; and the same counts
    for each channel the answers came by. Every channel counts: an answer sent online, entered by
    staff from a letter or an email, or imported (a tweetchat's "A1 Yes, mostly") holds its
    options alike (guidance/responses/received.py). Answers marked as spam, and answers the
    respondent withdrew, are not counted; every other answer is, whatever its moderation and
    publication (as the moderation figures count "received").

    One grouped count, by option and channel, whatever the number of answers; a second, of the
    answers that chose anything, only when a question takes several choices (one that takes one
    has as many answers as options chosen: the forms refuse a second). And two queries for the
    questions and options, unless `questions` come with their options."""
    if questions is None:
        questions = consultation.questions.prefetch_related("options")
    questions = [q for q in questions if q.has_options]
    if not questions:
        return []
    counted = ChosenOption.objects.filter(option__question__consultation=consultation).exclude(
        comment__status__in=[Comment.Status.SPAM, Comment.Status.WITHDRAWN]
    )
    channel = "comment__response__channel"
    per_option_and_channel = {
        (option, by): n
        for option, by, n in counted.order_by()
        .values_list("option", channel)
        .annotate(n=Count("*"))
        .values_list("option", channel, "n")
    }
    several = [q.pk for q in questions if q.kind == Question.Kind.SEVERAL_CHOICES]
    answered_by_channel = defaultdict(int)
    if several:
        answered_by_channel.update(
            ((question, by), n)
            for question, by, n in counted.filter(option__question__in=several)
            .order_by()
            .values_list("option__question", channel)
            .annotate(n=Count("comment", distinct=True))
            .values_list("option__question", channel, "n")
        )
    result = []
    for question in questions:
        options = offered_options(question)
        if question.pk not in several:
            for (option_pk, by), n in per_option_and_channel.items():
                if any(option.pk == option_pk for option in options):
                    answered_by_channel[question.pk, by] += n
        per_option = {
            option.pk: sum(n for (pk, _), n in per_option_and_channel.items() if pk == option.pk) for option in options
        }
        by_channel = [
            ChannelCounts(
                channel_label,
                answered_by_channel[question.pk, value],
                [per_option_and_channel.get((option.pk, value), 0) for option in options],
            )
            for value, channel_label in Response.Channel.choices
            if answered_by_channel.get((question.pk, value))
        ]
        total = sum(counts.answered for counts in by_channel)
        result.append(
            QuestionCounts(
                question,
                total,
                [
                    OptionCount(
                        option.label, per_option[option.pk], 100 * per_option[option.pk] / total if total else 0
                    )
                    for option in options
                ],
                by_channel,
            )
        )
    return result


# Keeping a question's options in step -------------------------------------------------------------


def wanted_labels(kind, labels, offers_other):
    """The option labels a question of this kind has, in order, with (label, is_other)."""
    if kind == Question.Kind.TEXT:
        return []
    if kind == Question.Kind.AGREEMENT:
        return [(label, False) for label in AGREEMENT_SCALE]
    wanted = [(label, False) for label in labels]
    if offers_other:
        wanted.append((OTHER_LABEL, True))
    return wanted


def plan_options(question, kind, labels, offers_other):
    """(wanted, kept, removed) for giving the question these options: wanted is [(label, is_other)]
    in order, kept maps an index of wanted to the existing Option it becomes, removed lists the
    Options that go. An option keeps its row (and so its answers) when its label stays, or when it
    is renamed in its place (a typo put right)."""
    wanted = wanted_labels(kind, [label.strip() for label in labels if label.strip()], offers_other)
    current = list(question.options.order_by("position")) if question.pk else []
    kept, unmatched = {}, []
    for index, (label, is_other) in enumerate(wanted):
        match = next((o for o in current if o.label == label and o.is_other == is_other), None)
        if match:
            kept[index] = match
            current.remove(match)
        else:
            unmatched.append(index)
    # What is left pairs up in order: a label changed in place is a rename of that option.
    for index in unmatched:
        candidate = next((o for o in current if o.is_other == wanted[index][1]), None)
        if candidate:
            kept[index] = candidate
            current.remove(candidate)
    return wanted, kept, current


def options_problem(question, kind, labels=(), offers_other=False):
    """Why the question cannot have these options (an option answers chose would go), or ""."""
    _, _, removed = plan_options(question, kind, labels, offers_other)
    in_use = [o for o in removed if ChosenOption.objects.filter(option=o).exists()]
    if not in_use:
        return ""
    names = ", ".join(f"“{o.label}”" for o in in_use)
    return f"Answers have chosen {names}, so it cannot be removed (nor the question's kind changed)."


@transaction.atomic
def set_options(question, labels=(), offers_other=False):
    """Give the question exactly these options, in this order (the agreement scale's own for an
    agreement question, none for free text): see plan_options. An option that answers chose cannot
    be removed (OptionsInUse, and nothing changes)."""
    list(Option.objects.select_for_update().filter(question=question))
    problem = options_problem(question, question.kind, labels, offers_other)
    if problem:
        raise OptionsInUse(problem)
    wanted, kept, removed = plan_options(question, question.kind, labels, offers_other)
    Option.objects.filter(pk__in=[o.pk for o in removed]).delete()
    # Positions move out of the way first, each to its own: (question, position) is unique.
    for offset, option in enumerate(kept.values(), start=1000):
        Option.objects.filter(pk=option.pk).update(position=offset)
    for index, (label, is_other) in enumerate(wanted):
        option = kept.get(index)
        if option:
            Option.objects.filter(pk=option.pk).update(position=index + 1, label=label, is_other=is_other)
        else:
            Option.objects.create(question=question, position=index + 1, label=label, is_other=is_other)
    public_pages_changed(consultations=[question.consultation_id])


# Options named in words (a CSV's option column, a tweetchat's "A1 Yes, mostly") ---------------------------------


def same_label(text):
    """A label or the words naming it, compared without case, extra spaces or curly apostrophes."""
    return " ".join(text.replace("\u2019", "'").casefold().split())


def options_named(question, cell):
    """(options, other, error) for an option cell such as "Partly", or "Training; Other: payment
    rates" for a question that takes several."""
    if not question.has_options:
        return (), "", f"{question.number} is answered in words only: leave the option empty."
    offered = offered_options(question)
    named, other, unknown = [], "", []
    for part in (part.strip() for part in cell.split(LABEL_SEPARATOR.strip())):
        if not part:
            continue
        label, _, words = part.partition(":")
        option = next((o for o in offered if same_label(o.label) == same_label(part)), None)
        if option is None and words:
            option = next((o for o in offered if o.is_other and same_label(o.label) == same_label(label)), None)
            other = words.strip() if option else other
        if option is None:
            unknown.append(part)
        elif option not in named:
            named.append(option)
    if unknown:
        listed = ", ".join(o.label for o in offered)
        return (), "", f"{question.number} has no answer “{'; '.join(unknown)}”: its answers are {listed}."
    try:
        options, other = chosen_options(question, [o.pk for o in named], other)
    except AnswerRefused as refusal:
        problem = {
            "options": f"{question.number} takes one answer only",
            "other": f"say what the other answer to {question.number} is, as “Other: their words”",
        }[refusal.part]
        return (), "", f"{problem}."
    return options, other, ""


def option_at_start(question, words):
    """The option of `question` whose label the words start with (a tweetchat answer's "Yes,
    mostly"), or None: the longest label that fits, ending at a word's end; never Other, whose
    own words the tweet does not set apart."""
    said = same_label(words)
    for option in sorted(offered_options(question), key=lambda o: -len(o.label)):
        label = same_label(option.label)
        if not option.is_other and said.startswith(label) and not said[len(label) : len(label) + 1].isalnum():
            return option
    return None
