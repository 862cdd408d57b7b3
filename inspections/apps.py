from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("抽查事项、计划与任务")

    def ready(self) -> None:
        # Register the conditions and hooks of transitions before any request can move a task.
        from inspections import drawing, guards  # noqa: F401
