"""The consultation and its documents: sections, versions, publishing, previews, supporting
documents, importing a draft."""
