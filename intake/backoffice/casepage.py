"""What the case page shows, in words: the number to ring, the scores, the history (issue 20).

The page is built for the phone call: the number the patient gave for today, how they prefer
to be contacted and when they were told to expect the call come first, for every role (contact
details are not clinical detail). Codes the engine and the audit log store (`not_applicable`,
`lower_back`, `in_review`, `URGENT`) are shown as words here, never as they are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from intake import clinical, triage
from intake.models import AuditEvent, ContactMethod, Submission, Tier

# The consent step's "Best phone number to reach you today." (spec §3, step 10).
RING_TODAY = "contact_phone"
CONTACT_CONSENT = "consent_contact"


@dataclass(frozen=True)
class Contact:
    """How to reach the patient, as the top of the case page shows it."""

    ring_today: str  # the number to ring today: the one given for today, else the usual one
    given_for_today: bool  # whether the patient gave a number for today
    other_phone: str  # the usual number, if different from today's
    email: str
    preferred: str  # the preferred contact method, in words
    consent: str  # "Yes" / "No" / "" (not answered): may the clinic phone, text or email
    ring_today_question: str

    @property
    def ring_today_tel(self) -> str:
        return tel(self.ring_today)

    @property
    def other_phone_tel(self) -> str:
        return tel(self.other_phone)


def contact(submission: Submission) -> Contact:
    """The number to ring today ("Best phone number to reach you today", from the consent step;
    blank there means "the mobile number you gave at the start"), the preferred method and the
    consent to be contacted."""
    answers: Mapping[str, Any] = submission.answers or {}
    patient = submission.patient
    identity: Mapping[str, Any] = submission.identity or {}
    usual = str((patient.phone if patient else identity.get("phone")) or "").strip()
    today = str(answers.get(RING_TODAY) or "").strip()
    method = str(
        (patient.preferred_contact if patient else identity.get("preferred_contact")) or ""
    )
    consent = answers.get(CONTACT_CONSENT)
    question = triage.QUESTIONS_BY_CODE[RING_TODAY]
    return Contact(
        ring_today=today or usual,
        given_for_today=bool(today),
        other_phone=usual if today and _digits(usual) != _digits(today) else "",
        email=str((patient.email if patient else identity.get("email")) or ""),
        preferred=str(dict(ContactMethod.choices).get(method, "")) if method else "",
        consent={"yes": _("Yes"), "no": _("No")}.get(str(consent), ""),
        ring_today_question=_(question.text).rstrip("."),
    )


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def tel(phone: str) -> str:
    """The number for a tel: link: its digits, and a + if it has one."""
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


# --- Scores --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    label: str
    value: str


def scores(values: Mapping[str, Any]) -> list[Score]:
    """The patient-reported scores, each in words (the engine's codes mapped to labels)."""

    def number(key: str) -> str:
        value = values.get(key)
        return "–" if value is None else str(value)

    ecq = clinical.ecq_class_label(values.get("ecq_class"))
    if values.get("ecq_grade"):
        ecq += ", " + _("grade %(n)s") % {"n": values["ecq_grade"]}
    rls = _("probable") if values.get("rls_probable") else _("no")
    if values.get("rls_frequency"):
        rls += " (" + clinical.answer_choice_label("rls_frequency", values["rls_frequency"]) + ")"
    return [
        Score(_("pWells (DVT, 0-8)"), number("p_wells")),
        Score(_("Edinburgh claudication questionnaire"), ecq),
        Score(_("DN4 interview (0-7)"), number("dn4i")),
        Score(
            _("CEAP clinical class (estimate)"), clinical.ceap_class_label(values.get("ceap_c_est"))
        ),
        Score(
            _("VCSS pain / compression / ulcer duration"),
            " / ".join(number(k) for k in ("vcss_pain", "vcss_compression", "vcss_ulcer_duration")),
        ),
        Score(_("Restless legs"), rls),
    ]


def pe_wells_items(pe_wells: Mapping[str, Any] | None) -> list[Score]:
    """The partial PE-Wells items, in words, with their points ("not reportable" for None)."""
    items: Mapping[str, Any] = (pe_wells or {}).get("items", {})
    return [
        Score(
            clinical.pe_wells_item_label(code),
            _("not reportable") if points is None else f"{points:g}",
        )
        for code, points in items.items()
    ]


def regions(question_code: str, codes: Iterable[str]) -> list[str]:
    """Body map regions in the catalogue's words ("Lower back", not lower_back)."""
    return [clinical.answer_choice_label(question_code, code) for code in codes]


# --- History -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    actor: str
    action: str
    what: str
    ip_address: str | None


def _status(value: object) -> str:
    return str(Submission.Status(value).label) if value in Submission.Status.values else str(value)


def _tier(value: object) -> str:
    return str(Tier(value).label) if value in Tier.values else str(value)


_REASONS = {
    "booking_overdue": lambda: _("not booked by its deadline: reception alerted"),
    "no_slot_in_window": lambda: _("no slot inside the booking window: triage alerted"),
}

_REQUEST_CHANGES = {
    "triaged": lambda: _("booking guidance for reception set"),
    "guidance": lambda: _("booking guidance for reception changed"),
    "deadline": lambda: _("booking deadline changed with the tier"),
}


def _what(event: AuditEvent) -> str:
    details: Mapping[str, Any] = event.details or {}
    describe = _DESCRIBE.get(str(event.action))
    return describe(details) if describe is not None else ""


def _status_change(details: Mapping[str, Any]) -> str:
    said = f"{_status(details.get('from'))} → {_status(details.get('to'))}"
    return said + (" " + _("(reviewed on triage)") if details.get("on_triage") else "")


def _escalation(details: Mapping[str, Any]) -> str:
    reason = _REASONS.get(str(details.get("reason")))
    if reason is not None:
        return str(reason())
    if details.get("level"):
        return _("not picked up in time (%(tier)s)") % {"tier": _tier(details["level"])}
    return ""


def _change(details: Mapping[str, Any]) -> str:
    if "booking_request" in details:
        change = _REQUEST_CHANGES.get(str(details["booking_request"]))
        return str(change()) if change else ""
    if details.get("cancellation_acknowledged"):
        return _("the patient's cancellation acknowledged")
    return ""


def _viewed(details: Mapping[str, Any]) -> str:
    pages = {"booking": _("the booking page"), "move": _("the move page")}
    return pages.get(str(details.get("page")), "")


_DESCRIBE: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    AuditEvent.Action.STATUS: _status_change,
    AuditEvent.Action.OVERRIDE: lambda d: f"{_tier(d.get('from'))} → {_tier(d.get('to'))}",
    AuditEvent.Action.ASSIGN: lambda d: _("to %(name)s") % {"name": d.get("to") or _("nobody")},
    AuditEvent.Action.ESCALATION: _escalation,
    AuditEvent.Action.CHANGE: _change,
    AuditEvent.Action.CANCEL: lambda d: _("by the patient") if d.get("by_patient") else "",
    AuditEvent.Action.VIEW: _viewed,
}


def history_lines(events: Iterable[AuditEvent]) -> list[HistoryLine]:
    """The case's audit events as sentences: who, what, and what changed, in words."""
    return [
        HistoryLine(
            at=event.created_at,
            actor=event.actor_label,
            action=str(event.get_action_display()),
            what=_what(event),
            ip_address=event.ip_address,
        )
        for event in events
    ]
