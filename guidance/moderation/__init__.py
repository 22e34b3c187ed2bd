"""Deciding on comments: the decisions and their history, public reports, campaigns (found as comments arrive)."""
