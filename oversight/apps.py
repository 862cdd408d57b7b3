from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("联席办监督与考核")

    def ready(self) -> None:
        # Modules outside the autodiscovered names (tasks, demo): the letters' beat task and demo step.
        from oversight import guidance_demo, letter_demo, letter_tasks  # noqa: F401
