"""A comment's status in words, wherever staff read it: its name, what a moderator did to it, the
button that does it. The one place they are written; the public's wording of what became of a
comment is guidance/responses/respondents.py's comment_state, which builds on the same statuses.
"""

import dataclasses

from guidance.models import Comment

Status = Comment.Status


@dataclasses.dataclass(frozen=True)
class Words:
    done: str  # what a moderator did: "marked as spam"
    done_to: str  # the same, said of a comment: "marked {it} as spam"
    button: str = ""  # the button that does it ("…" when it asks why first); none for what respondents do


WORDS = {
    Status.APPROVED: Words("approved", "approved {it}", "Approve"),
    Status.REJECTED: Words("rejected", "rejected {it}", "Reject…"),
    Status.SPAM: Words("marked as spam", "marked {it} as spam", "Mark as spam…"),
    Status.PENDING: Words("returned to pending", "returned {it} to pending", "Return to pending"),
    Status.WITHDRAWN: Words("withdrawn", "withdrew {it}"),
}
# A moderator replacing words of a comment with "[redacted]" (guidance/moderation/redaction.py):
# no change of status, so not a decision of its own.
REDACTED = "words redacted"
REDACTED_TO = "redacted words of {it}"
# The decisions a moderator can make, in the order their buttons are shown.
DECISIONS = [status for status, words in WORDS.items() if words.button]


def label(status):
    """The status's name: "Pending", "Approved", … (Comment.Status's own labels)."""
    return Status(status).label


def done(status):
    return WORDS[Status(status)].done


def done_to(status, it="this comment"):
    return WORDS[Status(status)].done_to.format(it=it)


def button(status):
    return WORDS[Status(status)].button
