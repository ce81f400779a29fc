from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = _("Records and archives")

    def ready(self):
        # The document pages show "which files hold it" and the suggested file through the
        # documents panel registry: documents never imports records.
        from documents.panels import panel_register

        from .panels import document_files_panel

        panel_register("records.files", document_files_panel)

        from egov.core.messages import load

        load("records.messages")
