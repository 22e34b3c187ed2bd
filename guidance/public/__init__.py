"""The public web: views, forms, URLs, the sitemap; and the public record as open data (the
published responses as downloads, open_data.py and downloads.py; the Atom feed of consultations,
feeds.py; the read-only JSON API, api/)."""
