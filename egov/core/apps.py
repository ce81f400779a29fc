from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """
    The base layer: errors, audit, notifications, text helpers, login lockout, health, and the
    REST API plumbing. It imports no app (relations to app models are string references).
    The label stays ``egov`` so that its tables and migration history are unchanged.
    """

    name = "egov.core"
    label = "egov"
    verbose_name = _("Portal")

    def ready(self):
        from .auth import connect_login_audit

        connect_login_audit()
