"""The README's picture of a clinician summary: a demo case's PDF and its first page as a PNG,
into docs/screenshots/ (clinician-summary.pdf and clinician-summary.png).

    make summary-picture    (or: .venv/bin/python -m tests.browser.summary_picture)

Needs pdftoppm (Debian: poppler-utils). No database: the case is built in memory from a demo
case (intake/demo_cases.json, V19: a swollen calf after a long flight) with the engine's real
result, and a fictional patient's words, medicines and allergies added for the picture. The
date is fixed, so the picture changes only when the summary does. Not collected by pytest.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "screenshots"
CASE = "V19"
REFERENCE = "LEG-7QKX-4M2D"
EXTRA_ANSWERS = {
    "main_problem_text": (
        "Since I flew back from Singapore last week my right calf has been swollen and sore, "
        "and it hurts more when I walk."
    ),
    "medication_list": "Ramipril 5 mg once a day. Atorvastatin 20 mg at night.",
    "allergies": "Penicillin (rash)",
}


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings_test")
    import django

    django.setup()
    from intake import clinical
    from intake.demo import IDENTITY, demo_answers
    from intake.handover import pdf
    from intake.models import ContactMethod, Patient, Submission

    sent = dt.datetime(2026, 12, 7, 9, 41, tzinfo=dt.UTC)
    answers = {**demo_answers(CASE), **EXTRA_ANSWERS}
    patient = Patient(
        pk=1,
        full_name=IDENTITY["full_name"],
        date_of_birth=dt.date(1982, 3, 14),
        email=IDENTITY["email"],
        phone=IDENTITY["phone"],
        preferred_contact=ContactMethod.PHONE,
        gp_practice=IDENTITY["gp_practice"],
        nhs_number="9434765919",  # the NHS's published test number
    )
    submission = Submission(
        pk=1,
        reference=REFERENCE,
        status=Submission.Status.IN_REVIEW,
        patient=patient,
        answers=answers,
        age_years=answers["age_years"],
        submitted_at=sent,
        updated_at=sent,
    )
    clinical.store_result(submission, clinical.evaluate(answers, now=sent))
    # As pdf.clinician_summary draws it, with the footer's "printed at" fixed too.
    context = pdf.clinician_context(submission, printed_by="Tess Triage", now=sent)
    body = pdf.render("handover/clinician_summary.html", context)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    target = OUTPUT / "clinician-summary.pdf"
    target.write_bytes(body)
    first_page = ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(  # noqa: S603 - a fixed command on our own file
        ["pdftoppm", "-png", "-r", "110", *first_page, str(target), str(target.with_suffix(""))],  # noqa: S607
        check=True,
    )
    print(f"{target.relative_to(ROOT)} and its first page, clinician-summary.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
