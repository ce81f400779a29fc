from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """
    edXML exchange with peer systems (other portals, the provincial LGSP, the national axis).
    Nested under documents/ but an app of its own: it depends on documents, never the reverse,
    and registers its transport here.
    """

    name = "documents.federation"
    label = "federation"
    verbose_name = _("Federation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from documents.transports import transport_register

        from .axis.transport import AxisTransport
        from .hub.transport import HubTransport
        from .outbound import FederationTransport

        transport_register(FederationTransport())
        transport_register(AxisTransport())
        transport_register(HubTransport())

        # h17: the axis connections in the operator's alerts and metrics.
        from documents.metrics import metric_source_register
        from documents.services.operations import alert_source_register

        from .operations import axis_poll_alerts, axis_poll_metrics

        alert_source_register(axis_poll_alerts)
        metric_source_register(axis_poll_metrics)
