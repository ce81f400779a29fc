"""
The reference of ``bench_api``: a minimal DRF view behind the same token authentication as the
REST API, served by the same gunicorn. Routed only when ``EGOV_BENCH_URLS`` is on (never in
production: egov/settings/production.py turns it off), at ``/api/v1/_bench/bare/``.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.core.api.authentication import ApiTokenAuthentication


class BareView(APIView):
    """GET: the authenticated client's id. Token lookup and DRF's request cycle, nothing else."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes: list = []

    @extend_schema(exclude=True)
    def get(self, request):
        return Response({"client": request.auth.pk})
