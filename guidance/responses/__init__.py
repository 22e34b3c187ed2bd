"""What the public sends: submitting, the respondent's own response, answers, responses received
offline (typed in or imported), saved forms, limits, the text rules."""
