"""The scheduling app's Celery task: primary keys in (here, none), one service call.

Its name is the one it had in the core's tasks module: beat's schedule
(`CELERY_BEAT_SCHEDULE["generate-slots"]`) and any message already on the broker name it so.
"""

from __future__ import annotations

from celery import shared_task

from intake.scheduling.services import slots


@shared_task(name="intake.tasks.generate_slots")
def generate_slots() -> int:
    """Make the next CLINIC_SLOT_WEEKS weeks of slots match the availability (nightly)."""
    return slots.slot_generate().created
