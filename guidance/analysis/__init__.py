"""Making sense of responses: themes, the dashboard, exports and imports."""
