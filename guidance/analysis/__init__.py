"""Making sense of responses: themes (and suggesting them: suggestions.py, engines.py), the dashboard,
exports and imports."""
