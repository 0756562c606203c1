"""API clients: the systems allowed to read the FHIR API (docs/integration.md).

A clinic admin creates one in the admin; its token is shown once, then only its hash is kept.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a new client's token lasts unless the clinic admin chooses otherwise.
DEFAULT_LIFETIME = dt.timedelta(days=365)


def default_expiry() -> dt.datetime:
    return timezone.now() + DEFAULT_LIFETIME


class ApiClient(models.Model):
    """A system that reads the FHIR API: the clinic's record system, or its booking system.

    The token is `fhir_` and 43 random URL-safe characters (256 bits), sent as
    `Authorization: Bearer <token>`. Only its SHA-256 is stored (`token_hash`): a token that
    random needs no slow hash, and a look-up by hash needs no comparison in Python. The first
    characters (`token_prefix`) are kept so staff can tell tokens apart. A client is never
    deleted (the audit log names it): it is revoked, or expires.
    """

    class Scope(models.TextChoices):
        """What a client may read, as SMART-on-FHIR-style scopes. Both are read-only."""

        READ_ALL = "system/*.read", _("Read everything: answers, triage, patients, appointments")
        READ_SCHEDULING = (
            "system/Patient.read system/Appointment.read system/Slot.read system/Schedule.read",
            _("Read patients and appointments only (what reception sees: no answers or triage)"),
        )

    name = models.CharField(
        _("name"), max_length=100, help_text=_("The system this token is for, e.g. 'EHR (live)'.")
    )
    token_hash = models.CharField(max_length=64, editable=False)
    token_prefix = models.CharField(_("token starts with"), max_length=16, editable=False)
    scope = models.CharField(
        _("scope"), max_length=100, choices=Scope.choices, default=Scope.READ_ALL
    )
    expires_at = models.DateTimeField(_("expires"), default=default_expiry)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The look-up of every API request; unique, so one token is one client.
            models.UniqueConstraint(fields=["token_hash"], name="apiclient_token_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    def state(self, now: dt.datetime | None = None) -> str:
        """ "active", "revoked" or "expired" (revoked first: it says more)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

    @property
    def resource_types(self) -> frozenset[str]:
        """The resource types this client may read beyond the public definitions (the
        CapabilityStatement and the Questionnaire, which hold no patient data): "*" for all."""
        types = set()
        for scope in self.scope.split():
            kind, _sep, _access = scope.removeprefix("system/").partition(".")
            types.add(kind)
        return frozenset(types)

    def may_read(self, resource_type: str) -> bool:
        types = self.resource_types
        return "*" in types or resource_type in types
