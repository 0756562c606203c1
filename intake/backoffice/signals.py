"""Receivers for the staff sign-in: session times, the per-address throttle, deactivation.

Connected by `BackofficeConfig.ready`. The audit log's receivers are the core app's
(intake/audit.py); these only keep the sign-in machinery's own state.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from intake.backoffice import middleware, throttle
from intake.http import client_address
from intake.services import staff


@receiver(user_logged_in, dispatch_uid="backoffice.session_start")
def _session_start(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        middleware.session_start(request)


@receiver(user_login_failed, dispatch_uid="backoffice.throttle_count")
def _count_failure(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    # Every failed password or second-factor code, whatever the user name (the spray throttle).
    if request is not None:
        throttle.failure_count(client_address(request))


@receiver(pre_save, sender=User, dispatch_uid="backoffice.deactivation_ends_sessions")
def _deactivation_ends_sessions(sender: Any, instance: User, **kwargs: Any) -> None:
    # Django already refuses an inactive user's sessions; this keeps them ended if the account
    # is made active again later.
    if instance.pk is None or instance.is_active:
        return
    was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        staff.staff_sessions_end(user=instance)
