"""Equality monitoring: the optional questions about a respondent (age band, sex, ethnic group and
the rest, after the ONS harmonised standards), asked after a response is sent, kept apart from the
comments, seen only by staff who may see personal data, and reported only in aggregate."""
