"""After the close: what was done about what people said, and what changed in the document."""
