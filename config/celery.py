import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shuangsuiji")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _schedule(sender: Celery, **_: object) -> None:
    from django.conf import settings

    # The sweep re-queues outbox rows nobody picked up (Redis was down, a worker died).
    sender.add_periodic_task(float(settings.OUTBOX_SWEEP_SECONDS), _sweep_signature(), name="outbox-sweep")
    # Deadline checks and reminders, every morning (Asia/Shanghai).
    sender.add_periodic_task(crontab(hour=8, minute=30), app.signature("inspections.tasks.daily_checks"), name="daily-checks")
    # Reminder letters answered late escalate (one outbox row per letter), every morning.
    sender.add_periodic_task(
        crontab(hour=8, minute=40), app.signature("oversight.letter_tasks.escalate_overdue_letters"), name="letters-escalate"
    )


def _sweep_signature():  # type: ignore[no-untyped-def]
    return app.signature("core.tasks.outbox_sweep")
