"""
Root URL configuration: with the settings, the only place that sees every app (the layers and
their contracts: docs/architecture.md).
"""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from documents.federation.hub.views import hub_endpoint
from documents.federation.views import DocumentEdxmlView, EdxmlPackageImportView
from documents.metrics import metrics_view
from documents.views import home
from egov.core.auth import PortalLoginView
from egov.core.views import healthz
from egov.devtools.bench_views import BareView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),  # h17: Prometheus, scrapers only (docs/operations.md)
    path("", home, name="home"),
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("signatures/", include("signatures.urls")),
    path("records/", include("records.urls")),
    path("federation/v1/", include("documents.federation.urls")),
    path("vxp", hub_endpoint),
    path("vxp/", include("documents.federation.hub.urls")),
    path("api/v1/edxml/packages/", EdxmlPackageImportView.as_view(), name="edxml-import"),
    path("api/v1/documents/<int:pk>/edxml", DocumentEdxmlView.as_view(), name="document-edxml"),
    *([path("api/v1/_bench/bare/", BareView.as_view(), name="bench-bare")] if settings.EGOV_BENCH_URLS else []),
    path("api/", include("egov.api_urls")),
    path("", include("documents.urls")),
]

# Error pages in the portal's layout and language; JSON for machine clients (egov/core/views.py).
handler400 = "egov.core.views.error_400"
handler403 = "egov.core.views.error_403"
handler404 = "egov.core.views.error_404"
handler500 = "egov.core.views.error_500"
