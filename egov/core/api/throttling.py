"""
Rate limit per API client (or per user for browser sessions): a fixed one-minute window
counted in the cache (O(1) per request). The limit is the client's own
``rate_limit_per_minute`` or API_RATE_LIMIT_PER_MINUTE. With several web processes the cache
must be shared (Redis) for the limit to be global; with the default local-memory cache each
process counts on its own.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from .models import ApiClient


def default_limit() -> int:
    return int(settings.API_RATE_LIMIT_PER_MINUTE)


class ClientRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        client = request.auth
        if isinstance(client, ApiClient):
            # Per client, not per token: rotating the token does not reset the counter (issue 16).
            ident, limit = f"c{client.pk}", client.rate_limit_per_minute or default_limit()
        elif getattr(request, "_egov_unauthenticated", False):
            ident, limit = f"ip{self.get_ident(request)}", default_limit()
        elif request.user and request.user.is_authenticated:
            ident, limit = f"u{request.user.pk}", default_limit()
        else:
            ident, limit = f"ip{self.get_ident(request)}", default_limit()
        now = time.time()
        window = int(now // 60)
        key = f"egov-api-throttle:{ident}:{window}"
        cache.add(key, 0, timeout=70)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=70)
            count = 1
        self._wait = 60 - (now % 60)
        return count <= limit

    def wait(self):
        return self._wait
