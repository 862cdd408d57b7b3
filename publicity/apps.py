from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("公示")

    def ready(self) -> None:
        # A new publication record (or attachment) makes every cached public page stale.
        from publicity import signals

        signals.connect()
