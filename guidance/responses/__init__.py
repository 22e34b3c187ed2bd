"""What the public sends: submitting, the respondent's own response, answers, saved forms, limits, the text rules."""
