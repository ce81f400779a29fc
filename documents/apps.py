from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from .services.delivery import LocalTransport
        from .transports import transport_register

        transport_register(LocalTransport())
