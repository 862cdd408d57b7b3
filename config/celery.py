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
    # The audit chain's head goes public once a day, so a rewritten history is caught against it.
    sender.add_periodic_task(
        crontab(hour=settings.AUDIT_HEAD_PUBLISH_HOUR, minute=55),
        app.signature("core.tasks.publish_audit_head"), name="publish-audit-head",
    )
    # The joint-meeting office: red/yellow-card reminders daily, a digest every Monday morning.
    sender.add_periodic_task(crontab(hour=8, minute=40), app.signature("oversight.tasks.daily_deadline_checks"), name="office-deadlines")
    sender.add_periodic_task(crontab(hour=8, minute=45, day_of_week=1), app.signature("oversight.tasks.weekly_digest"), name="office-digest")
    # Reminder letters answered late escalate (one outbox row per letter), every morning.
    sender.add_periodic_task(
        crontab(hour=8, minute=40), app.signature("oversight.letter_tasks.escalate_overdue_letters"), name="letters-escalate"
    )


def _sweep_signature():  # type: ignore[no-untyped-def]
    return app.signature("core.tasks.outbox_sweep")
