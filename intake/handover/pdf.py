"""The two PDFs: the clinician's one-page summary of a case, and the patient's copy of their
answers. Drawn on the server by WeasyPrint from HTML templates (templates/handover/).

The clinician's summary is for the clinician who sees the patient: identity and contact, the
tier (and the engine's, if a clinician changed it, with the reason), the emergency advice if it
was shown mid-form, every fired rule with its reason and source, the scores, the body map, the
medicines and allergies, the problem in the patient's words, "not sure" answers, and the answers
that say something, page by page ("No" answers are counted, not listed). Staff download it from
the case page (audited); it is never e-mailed.

The patient's copy has their answers as they read them on the form (labels, never codes), and
what they were told; never the staff's reasons, rule codes or scores.

WeasyPrint fetches nothing: its URL fetcher allows `data:` URLs only, and the templates need
none (styles are inline, the body map is inline SVG).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import clinical, summary, triage
from intake.handover import scores
from intake.models import Submission, Tier
from intake.scheduling.models import Appointment
from intake.triage.catalogue import NO, NONE_CHOICE, NOT_SURE

# Shown in their own sections of the clinician's summary, so not again under "Answers".
OWN_SECTIONS = frozenset(
    {
        "main_problem",
        "main_problem_text",
        "pain_regions",
        "ecq6_sites",
        "blood_thinner",
        "antiplatelet",
        "medication_list",
        "allergies",
    }
)
# Page by page, these answers say nothing a clinician needs beyond their count.
NOTHING_TO_SAY: tuple[object, ...] = (NO, NONE_CHOICE, [NONE_CHOICE])
BODYMAP_FIELD = "pain_regions"


def render(template: str, context: Mapping[str, Any]) -> bytes:
    """A template drawn as a PDF, fetching nothing from outside."""
    # Imported here, not at the top: it takes about 0.4 s, which processes that never draw a
    # PDF (the worker, most commands) need not pay when they load the app.
    import weasyprint

    html = render_to_string(template, dict(context))
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


# --- The clinician's summary --------------------------------------------------------------------


@dataclass(frozen=True)
class StepAnswers:
    """One page of the form: the answers worth reading, and how many were "No"."""

    title: str
    rows: list[summary.Row] = field(default_factory=list)
    answered_no: int = 0


def _answers_by_step(answers: Mapping[str, object]) -> list[StepAnswers]:
    found = []
    for section in summary.summarise(answers, None):
        rows, nos = [], 0
        for row in section.rows:
            if not row.provided or row.code in OWN_SECTIONS:
                continue
            if answers.get(row.code) in NOTHING_TO_SAY:
                nos += 1
            else:
                rows.append(row)
        if rows or nos:
            found.append(StepAnswers(str(section.step.title), rows, nos))
    return found


def _not_sure(answers: Mapping[str, object]) -> list[tuple[str, bool]]:
    """(question, counted as yes?) for every answer "Not sure", in the form's order."""
    shown = set(triage.visible_codes(answers))
    return [
        (_(q.text), q.type is triage.AnswerType.YES_NO_UNSURE)
        for q in triage.QUESTIONS
        if q.code in shown and answers.get(q.code) == NOT_SURE
    ]


def _label(code: str, answers: Mapping[str, object]) -> str:
    return summary.answer_label(triage.QUESTIONS_BY_CODE[code], answers.get(code)) or "–"


def bodymap_svg(selected: Sequence[str], field_name: str = BODYMAP_FIELD) -> str:
    """The body map's picture (templates/intake/_bodymap.html, the same drawing as the form's)
    with the patient's regions marked, for print: the page's script does that on screen."""
    html = render_to_string("intake/_bodymap.html", {"field": field_name})
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    for code in selected:
        svg = svg.replace(
            f'data-code="{code}" role="checkbox" aria-checked="false"',
            f'data-code="{code}" role="checkbox" aria-checked="true"',
        )
    style = render_to_string("handover/_bodymap_print.css", {"field": field_name})
    opening = svg.index(">") + 1
    return f"{svg[:opening]}<style>{style}</style>{svg[opening:]}"


def _identity(submission: Submission) -> dict[str, Any]:
    patient = submission.patient
    answers = submission.answers or {}
    return {
        "name": patient.full_name if patient else submission.identity.get("full_name", ""),
        "date_of_birth": patient.date_of_birth if patient else None,
        "age": submission.age_years,
        "nhs_number": patient.nhs_number if patient else "",
        "phone": patient.phone if patient else "",
        "email": patient.email if patient else "",
        "preferred_contact": patient.get_preferred_contact_display() if patient else "",
        "gp_practice": patient.gp_practice if patient else "",
        "completed_by": _label("completed_by", answers),
        "contact_phone": answers.get("contact_phone") or "",
        "share_with_gp": _label("consent_share_gp", answers),
    }


def clinician_context(
    submission: Submission,
    *,
    appointments: Sequence[Appointment] = (),
    printed_by: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Everything the clinician's summary shows, from one sent form."""
    answers = submission.answers or {}
    stored = dict(submission.scores or {})
    pe_wells = stored.get(scores.PE_WELLS)
    booked = next((a for a in appointments if a.status == Appointment.Status.BOOKED), None)
    regions = answers.get(BODYMAP_FIELD)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "submission": submission,
        "identity": _identity(submission),
        "tier_label": Tier(submission.tier).label if submission.tier else "–",
        "engine_tier_label": Tier(submission.engine_tier).label if submission.engine_tier else "",
        "reasons": submission.reasons or [],
        "scores": [
            (label, scores.shown(value, key))
            for key, label, value in scores.score_rows(stored, short=True)
        ],
        "pe_wells": (
            {
                "items": [
                    (label, scores.shown(p)) for _k, label, p in scores.pe_wells_rows(pe_wells)
                ],
                "total": pe_wells.get("partial_total"),
            }
            if isinstance(pe_wells, dict) and "EMG_PE" in (submission.fired_rules or [])
            else None
        ),
        "bodymap": bodymap_svg(regions if isinstance(regions, list) else []),
        "marked_regions": _label(BODYMAP_FIELD, answers),
        "ecq_sites": _label("ecq6_sites", answers) if answers.get("ecq6_sites") else "",
        "blood_thinner": _label("blood_thinner", answers),
        "antiplatelet": _label("antiplatelet", answers),
        "medication_list": answers.get("medication_list") or "",
        "allergies": answers.get("allergies") or "",
        "main_problem": _label("main_problem", answers),
        "main_problem_text": answers.get("main_problem_text") or "",
        "not_sure": _not_sure(answers),
        "steps": _answers_by_step(answers),
        "booked": booked,
        "printed_at": now or timezone.now(),
        "printed_by": printed_by,
    }


def clinician_summary(
    submission: Submission, *, appointments: Sequence[Appointment] = (), printed_by: str = ""
) -> bytes:
    """The clinician's summary of a sent form, as a PDF (one page for most cases, two at most)."""
    context = clinician_context(submission, appointments=appointments, printed_by=printed_by)
    return render("handover/clinician_summary.html", context)


# --- The patient's copy -------------------------------------------------------------------------


def patient_copy(submission: Submission) -> bytes:
    """The patient's own copy of their sent form, in the language of the request: their answers
    as labels, and what they were told. Nothing written for staff."""
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        "urgent_advice_line": settings.CLINIC_URGENT_ADVICE_LINE,
        "submission": submission,
        "emergency": submission.tier == Tier.EMERGENCY,
        "paragraphs": clinical.patient_message(
            submission.fired_rules, now=submission.submitted_at
        ).paragraphs,
        "summary": summary.summarise(submission.answers, submission.identity, include_consent=True),
        "printed_at": timezone.now(),
    }
    return render("handover/patient_copy.html", context)
