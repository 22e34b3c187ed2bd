"""How many API requests one address may make a minute (API_REQUESTS_PER_MINUTE): Django REST
framework's throttle, counted in the shared cache under the portal's own keyed hash of the client's
address (guidance/responses/ratelimit.py, behind the proxy too), never the address itself. Past it,
a 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from guidance.responses.ratelimit import client_fingerprint


class PerAddress(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        # Read at each request, so that the setting alone decides (and a test may change it).
        return f"{settings.API_REQUESTS_PER_MINUTE}/minute"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_fingerprint(request)}
