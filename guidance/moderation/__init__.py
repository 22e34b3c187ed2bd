"""Deciding on comments: the decisions and their history, public reports, campaigns (found by the worker as
comments arrive)."""
