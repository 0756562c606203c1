"""The scheduling app's Celery tasks: primary keys in (here, none), one service call each.

`generate_slots` keeps the name it had in the core's tasks module: beat's schedule
(`CELERY_BEAT_SCHEDULE["generate-slots"]`) and any message already on the broker name it so.
"""

from __future__ import annotations

from celery import shared_task

from intake.scheduling.services import requests, slots


@shared_task(name="intake.tasks.generate_slots")
def generate_slots() -> int:
    """Make the next CLINIC_SLOT_WEEKS weeks of slots match the availability (nightly)."""
    return slots.slot_generate().created


@shared_task(name="intake.scheduling.tasks.alert_overdue_bookings")
def alert_overdue_bookings() -> int:
    """Alert reception, once per case, about triaged cases unbooked past their deadline
    (every 5 minutes, `CELERY_BEAT_SCHEDULE["alert-overdue-bookings"]`)."""
    return requests.bookingrequest_alert_overdue()
