"""Staff sign-in methods and sessions: every write of the second factor (issue 17).

A member of staff signs in with their password and then one of their confirmed devices
(django-otp): a passkey, an authenticator app (TOTP; one per person, a new one replaces it) or
one of ten single-use backup codes. These services add, check and remove those devices and end
a person's sessions; each change is audited. The pages are intake/backoffice/views/account.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from base64 import b32decode
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from intake.models import AuditEvent, StaffSessionCutoff
from intake.services import audit

log = logging.getLogger(__name__)

# Who may reset another person's sign-in methods: whoever may change user accounts (clinic
# admins, intake/roles.py). Nobody can reset their own this way.
RESET_PERMISSION = "auth.change_user"
BACKUP_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"

# The demo accounts' authenticator secret (base32, as an authenticator app takes it). Published
# in the README, so it must never let anybody in anywhere but the local demo: with DEBUG off a
# code from a device with this secret is refused (`second_factor_verify`).
DEMO_TOTP_SECRET = "CLINICDEMOSECRETCLINICDEMOSECRET"  # noqa: S105 - published, by design
DEMO_TOTP_KEY = b32decode(DEMO_TOTP_SECRET).hex()


# --- Sessions ------------------------------------------------------------------------------------


def staff_sessions_end(*, user: User, now: dt.datetime | None = None) -> None:
    """End every session `user` has, in every browser, at their next request (the sessions
    signed in before `now`; `intake.backoffice.middleware.StaffSessionLimits` ends them)."""
    StaffSessionCutoff.objects.update_or_create(
        user=user, defaults={"not_before": now or timezone.now()}
    )


# --- The second factor at sign-in ----------------------------------------------------------------


def confirmed_devices(user: User) -> list[Device]:
    """Every sign-in method the user has finished setting up (passkeys included)."""
    return list(devices_for_user(user, confirmed=True))


def normalised_code(token: str) -> str:
    """A typed code as the devices store it: no spaces or dashes; backup codes in lower case."""
    return "".join(token.split()).replace("-", "").lower()


def second_factor_verify(*, user: User, token: str, ip_address: str | None) -> Device | None:
    """Check a typed code against the user's authenticator app (six digits) or backup codes.

    Returns the device that accepted it, or None. A code is accepted once only: the app's code
    is refused again (django-otp keeps the time step of the last one used, `last_t`), a backup
    code is deleted. Every miss also slows that device down (django-otp's throttling); a miss
    is audited by whoever counts it as a failed sign-in (the view sends `user_login_failed`).
    """
    code = normalised_code(token)
    if not code:
        return None
    model: type[Device] = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        if _is_demo_device(device) and not settings.DEBUG:
            log.warning("A demo authenticator is set up with DEBUG off; it is not checked.")
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            audit.audit_record(
                actor=user,
                action=AuditEvent.Action.SECOND_FACTOR,
                object_repr=user.get_username(),
                details={"method": _method(verified)},
                ip_address=ip_address,
            )
            return verified
    return None


def second_factor_passkey_record(*, user: User, device: Device, ip_address: str | None) -> None:
    """Audit a sign-in completed with a passkey (django-otp-webauthn checked it)."""
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.SECOND_FACTOR,
        object_repr=user.get_username(),
        details={"method": _method(device)},
        ip_address=ip_address,
    )


# --- Adding and removing one's own methods -----------------------------------------------------


def may_enrol(user: User) -> bool:
    """A method may be added by a verified session, or by anyone who has none at all yet (a new
    member of staff, or after a reset): the password alone then sets up the first one."""
    verified: Any = getattr(user, "is_verified", None)
    return bool(verified and verified()) or not confirmed_devices(user)


@transaction.atomic
def authenticator_start(*, user: User) -> TOTPDevice:
    """The authenticator app being set up (unconfirmed until its first code), made if needed."""
    pending = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def authenticator_confirm(
    *, user: User, device: TOTPDevice, token: str, ip_address: str | None
) -> bool:
    """Confirm the app being set up with its first code; it then replaces any earlier app.

    Refused (False) for a wrong code. The code counts as used (it cannot sign in afterwards).
    """
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    if verify_token(user, device.persistent_id, normalised_code(token)) is None:
        return False
    replaced = list(TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk))
    TOTPDevice.objects.filter(pk__in=[d.pk for d in replaced]).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    _record(user, AuditEvent.Action.DEVICE_ADDED, device, ip_address, replaced=len(replaced))
    return True


def passkey_registered(*, user: User, device: Device, ip_address: str | None) -> None:
    """Audit a passkey the user has just registered (django-otp-webauthn saved it)."""
    _record(user, AuditEvent.Action.DEVICE_ADDED, device, ip_address)


@transaction.atomic
def backup_codes_issue(*, user: User, ip_address: str | None) -> list[str]:
    """Ten new single-use backup codes for `user`; any earlier ones stop working.

    Returned once, to be shown once: they are kept as django-otp keeps them (in the database,
    as typed), and never shown again.
    """
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_CODES_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.BACKUP_CODES,
        object_repr=user.get_username(),
        details={"count": len(codes)},
        ip_address=ip_address,
    )
    return codes


def backup_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def primary_devices(user: User) -> list[Device]:
    """The user's passkeys and authenticator app (what they sign in with, backup codes aside)."""
    return [d for d in confirmed_devices(user) if not isinstance(d, StaticDevice)]


@transaction.atomic
def device_remove(*, user: User, device: Device, ip_address: str | None) -> None:
    """Remove one of the user's own passkeys or authenticator app (from a verified session).

    The last one is kept: without it only backup codes would be left, and when they run out
    nobody could sign in. Add another first, then remove this one.
    """
    if device.user_id != user.pk or isinstance(device, StaticDevice):
        raise PermissionDenied
    if [d.persistent_id for d in primary_devices(user)] == [device.persistent_id]:
        raise ValidationError(
            _("This is your only passkey or authenticator app. Add another one first.")
        )
    _record(user, AuditEvent.Action.DEVICE_REMOVED, device, ip_address)
    device.delete()


# --- A clinic admin resets somebody else's -----------------------------------------------------


def may_reset(actor: User, user: User) -> bool:
    return actor.pk != user.pk and actor.is_active and actor.has_perm(RESET_PERMISSION)


@transaction.atomic
def staff_devices_reset(
    *, actor: User, user: User, reason: str, ip_address: str | None = None
) -> int:
    """Remove every sign-in method of `user` and end their sessions, for a clinic admin.

    For a colleague who lost their phone and their backup codes. At their next sign-in, the
    password takes them to set up a new method, as on their first day, so the admin must be
    sure who asked (in person or by a call back), and says why in `reason` (audited). Returns
    how many methods were removed. Refused for one's own account and for anyone but a clinic
    admin (PermissionDenied), and without a reason (ValidationError).
    """
    if not may_reset(actor, user):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the sign-in methods are reset."))
    removed = _delete_all(confirmed_or_not(user))
    staff_sessions_end(user=user)
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.DEVICES_RESET,
        object_repr=user.get_username(),
        details={"user_id": user.pk, "removed": removed, "reason": reason},
        ip_address=ip_address,
    )
    return removed


def confirmed_or_not(user: User) -> list[Device]:
    return list(devices_for_user(user, confirmed=None))


# --- The demo --------------------------------------------------------------------------------


@transaction.atomic
def demo_authenticator_set(*, user: User) -> TOTPDevice:
    """Give a demo account the published demo authenticator (seed_demo; DEBUG only)."""
    if not settings.DEBUG:
        raise PermissionDenied("The demo authenticator is for the local demo only.")
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=f"{AUTHENTICATOR_NAME} (demo)",
        defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
    )
    return device


def _is_demo_device(device: Device) -> bool:
    return isinstance(device, TOTPDevice) and device.key.lower() == DEMO_TOTP_KEY


def _method(device: Device) -> str:
    if isinstance(device, TOTPDevice):
        return "authenticator"
    if isinstance(device, StaticDevice):
        return "backup_code"
    if isinstance(device, WebAuthnCredential):
        return "passkey"
    return type(device).__name__


def _delete_all(devices: Iterable[Device]) -> int:
    count = 0
    for device in devices:
        device.delete()
        count += 1
    return count


def _record(
    user: User, action: str, device: Device, ip_address: str | None, **details: object
) -> None:
    audit.audit_record(
        actor=user,
        action=action,
        object_repr=user.get_username(),
        details={"method": _method(device), "name": str(device.name)[:64], **details},
        ip_address=ip_address,
    )
