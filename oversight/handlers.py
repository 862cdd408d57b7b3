"""Outbox handlers of oversight (found by ``core.outbox.handler_for``'s autodiscovery)."""

from oversight import dashboard_reminders  # noqa: F401  (registers the dashboard's handlers)
