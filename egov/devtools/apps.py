from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """
    Test and benchmark tooling: real worker processes, live portal instances, an offline PKI,
    the exchange and fault-injection harnesses, and the ``bench_*`` / ``exchange_faults``
    commands. Outside the layers: it may use every app, and no app may import it (a contract
    in .importlinter); the tests use it too.
    """

    name = "egov.devtools"
    label = "devtools"
    verbose_name = _("Developer tools")
