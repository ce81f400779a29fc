"""
``/api/``: the OpenAPI schema (``schema/``), offline docs (``docs/`` Swagger UI, ``redoc/``),
and the resources under ``v1/``.
"""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from egov.core.views import api_not_found

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("v1/", include("units.api.urls")),
    path("v1/", include("documents.api.urls")),
    path("v1/", include("signatures.api.urls")),
    path("v1/", include("records.api.urls")),
    path("v1/", include("egov.core.api.urls")),
    # Last: any other path under /api/ is the API's JSON 404, with DEBUG on too (Django's debug
    # page is HTML). Every path, with or without its slash: no APPEND_SLASH redirect under /api/
    # (a redirect loses a POST's body, and schemathesis found an undocumented 301).
    re_path(r"^.*$", api_not_found, name="api-not-found"),
]
