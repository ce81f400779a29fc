from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from . import messages  # noqa: F401 - the codes of stored texts, for rendering them anywhere
        from .services.delivery import LocalTransport
        from .transports import transport_register

        transport_register(LocalTransport())
