"""The open data API under /api/v1/ (docs/open-data.md): published consultations, their sections,
questions, published comments and statistics, read-only, as JSON, with Django REST framework.

- views.py: the endpoints, each reading only what the public pages show (Consultation.objects.public(),
  Comment.objects.published() through published_search.matching, records from public/open_data.py);
  the documentation page rendered from the OpenAPI schema (drf-spectacular).
- serializers.py: what each endpoint returns, for the schema.
- conditional.py: ETag and Last-Modified from the consultations' content_version, and the 304.
- throttling.py: requests per minute from one address.
- urls.py: the addresses, namespace "api".
"""
