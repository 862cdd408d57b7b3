"""Conditions on task transitions that this app owns, registered when the app is ready."""

from __future__ import annotations

from inspections import statemachine
from inspections.models import Task
from inspections.services import TaskError, task_check_caps


@statemachine.guard("publish")
def _ratio_caps_respected(task: Task) -> str | None:
    """A general item's ratio cap is never exceeded by rounding up, and never cut silently."""
    try:
        task_check_caps(task)
    except TaskError as exc:
        return str(exc)
    return None
