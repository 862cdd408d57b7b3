from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础设施")

    def ready(self) -> None:
        from core import audit, checks  # noqa: F401  (registers signal receivers and system checks)

        audit.connect_model_signals()
