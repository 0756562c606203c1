"""Demo data for `make run`: staff accounts and a working triage queue. Never in production.

Idempotent: accounts are updated in place, and the demo submissions are created only once.
Submissions go through the real services (draft, steps, send, review), built from the demo cases
(intake/demo_cases.json, copied from the clinical vignettes), so the queue shows what real use
would produce. Names and contact details are
fictional (phone numbers from the range Ofcom keeps for drama).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from intake import roles, steps
from intake.demo import CONSENT, FIRST_NAMES, demo_answers, demo_cases
from intake.models import Patient, Submission
from intake.scheduling import guidance
from intake.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityRule,
    Clinician,
    ClinicianRole,
)
from intake.scheduling.selectors import slot_list_for_booking
from intake.scheduling.services import booking, requests, slots
from intake.services import drafts, sending, staff, workflow

# Documented in the README. Demo accounts exist only where DEBUG is on.
DEMO_PASSWORD = "demo-clinic-2026"  # noqa: S105 - a published demo password, by design

DEMO_USERS = (
    # username, display name, superuser?, group
    ("admin", "Clinic Admin", True, roles.CLINIC_ADMIN),
    ("triage", "Tess Triage", False, roles.TRIAGE_CLINICIAN),
    ("reception", "Rita Reception", False, roles.RECEPTIONIST),
)
DEMO_EMAIL_DOMAIN = "example.org"
DEMO_SUBMISSIONS = 50

LAST_NAMES = ("Ashdown", "Brook", "Carrow", "Dunmore", "Ellery", "Fenwick")

# How far the demo queue has got: (status, share of submissions). Booked comes with scheduling.
STATUS_MIX = (
    (Submission.Status.SUBMITTED, 22),
    (Submission.Status.IN_REVIEW, 10),
    (Submission.Status.TRIAGED, 8),
    (Submission.Status.REFERRED, 5),
    (Submission.Status.CLOSED, 5),
)


class Command(BaseCommand):
    help = "Create demo staff accounts and a demo triage queue. Only with DJANGO_DEBUG on."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # A known password on a production system would be an open door.
            raise CommandError(
                "seed_demo creates accounts with a published password and only runs with "
                "DJANGO_DEBUG=1 (the local demo)."
            )
        users = self._users()
        # The appointment types first: triage recommends one when it marks a case triaged.
        self._appointment_types()
        created = self._submissions(users["triage"])
        self.stdout.write(f"  demo submissions: {created} created")
        self._diary(users["reception"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo staff accounts ready: admin, triage, reception; password {DEMO_PASSWORD}"
            )
        )
        # The second step of the sign-in: every demo account has the same published
        # authenticator secret (refused with DEBUG off: intake/services/staff.py).
        self.stdout.write(
            f"  Second step: the code from an authenticator app set up with the demo key "
            f"{staff.DEMO_TOTP_SECRET}, or `manage.py demo_codes` (now: {demo_code_now()})"
        )

    def _users(self) -> dict[str, Any]:
        User = get_user_model()
        users = {}
        for username, name, superuser, group_name in DEMO_USERS:
            first, last = name.split(" ", 1)
            user, created = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@clinic.invalid"
            user.is_staff = True
            user.is_superuser = superuser
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=group_name)])
            staff.demo_authenticator_set(user=user)
            users[username] = user
            verb = "created" if created else "updated"
            self.stdout.write(f"  {username:<10} {verb} ({group_name})")
        return users

    def _submissions(self, clinician: Any) -> int:
        if Patient.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").exists():
            return 0  # already seeded
        cases = demo_cases()
        statuses = [status for status, share in STATUS_MIX for _ in range(share)]
        names = itertools.product(LAST_NAMES, FIRST_NAMES)
        now = timezone.now()
        # The demo's emails would flood the console; they are not the point of the demo queue.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for index, status in enumerate(statuses[:DEMO_SUBMISSIONS]):
                last, first = next(names)
                answers = cases[index % len(cases)].answers
                sent_at = now - dt.timedelta(minutes=7 + index * 53)
                submission = self._send(index, f"{first} {last}", answers, sent_at)
                self._progress(submission, status, clinician, index)
            # Two forms started and left unfinished, as real patients do.
            for _ in range(2):
                drafts.submission_create_draft(now=now - dt.timedelta(days=1))
            # And one left after the emergency advice (a suddenly cold, pale leg): a case in
            # the queue until a clinician records what was done.
            last, first = next(names)
            self._abandon_after_advice(f"{first} {last}", now - dt.timedelta(minutes=25))
        return len(statuses[:DEMO_SUBMISSIONS])

    @classmethod
    def _abandon_after_advice(cls, name: str, at: dt.datetime) -> Submission:
        answers = demo_answers()
        about_you = {
            q.code: answers.get(q.code) for q in steps.STEPS_BY_CODE["about_you"].questions
        }
        draft = drafts.submission_create_draft(now=at)
        drafts.submission_save_step(
            submission=draft,
            step_answers={**about_you, "age_years": answers["age_years"]},
            identity=cls._identity(DEMO_SUBMISSIONS, name, answers, at),
            now=at,
        )
        drafts.submission_save_step(
            submission=draft, step_answers={"rf_cold_pale_sudden": "yes"}, now=at
        )
        return draft

    @staticmethod
    def _identity(
        index: int, name: str, answers: dict[str, Any], at: dt.datetime
    ) -> dict[str, Any]:
        born = dt.date(at.year - int(answers["age_years"]), 1 + index % 12, 1 + index % 27)
        return {
            "full_name": name,
            "date_of_birth": born.isoformat(),
            "email": f"{name.lower().replace(' ', '.')}@{DEMO_EMAIL_DOMAIN}",
            "phone": f"07700 900{index:03d}",
            "preferred_contact": ("email", "phone", "text")[index % 3],
            "gp_practice": ("Riverside Surgery", "Hill Street Practice", "")[index % 3],
            "nhs_number": "",
        }

    @classmethod
    def _send(cls, index: int, name: str, answers: dict[str, Any], at: dt.datetime) -> Submission:
        identity = cls._identity(index, name, answers, at)
        draft = drafts.submission_create_draft(now=at)
        drafts.submission_save_step(
            submission=draft, step_answers=answers, identity=identity, now=at
        )
        return sending.submission_submit(submission=draft, consent_answers=CONSENT, now=at)

    @staticmethod
    def _progress(submission: Submission, status: str, clinician: Any, index: int) -> None:
        """Walk a sent submission through the workflow to `status`, as a clinician would."""
        if status == Submission.Status.SUBMITTED:
            return
        workflow.submission_start_review(submission=submission, actor=clinician)
        if index % 7 == 3:
            workflow.submission_add_note(
                submission=submission, text="Phoned patient; details confirmed.", actor=clinician
            )
        if status == Submission.Status.IN_REVIEW:
            return
        if status == Submission.Status.TRIAGED and index % 4 == 0 and submission.tier == "ROUTINE":
            workflow.submission_override_tier(
                submission=submission,
                tier="SOON",
                reason="Worsening over the phone call; bring forward.",
                actor=clinician,
            )
        if status == Submission.Status.TRIAGED:
            # With the booking guidance for reception: the type the rules suggest, and now
            # and then a note (never clinical detail: reception reads it).
            requests.submission_triage(
                submission=submission,
                appointment_type=guidance.recommended_type(submission),
                note=DEMO_BOOKING_NOTES[index % len(DEMO_BOOKING_NOTES)],
                actor=clinician,
            )
            return
        reason = {
            Submission.Status.REFERRED: "Referred to the MSK physiotherapy service.",
            Submission.Status.CLOSED: "Seen in the emergency department; no clinic needed.",
        }.get(Submission.Status(status), "")
        workflow.submission_set_status(
            submission=submission, status=status, reason=reason, actor=clinician
        )

    # -- the diary --------------------------------------------------------------------------

    @staticmethod
    def _appointment_types() -> dict[str, AppointmentType]:
        return {
            name: AppointmentType.objects.update_or_create(
                name=name,
                defaults={
                    "code": code,
                    "duration_minutes": minutes,
                    "roles": list(kinds),
                    "location": where,
                },
            )[0]
            for name, code, minutes, kinds, where in APPOINTMENT_TYPES
        }

    def _diary(self, receptionist: Any) -> None:
        """Clinicians, appointment types, weekly availability, slots and a few bookings."""
        types = self._appointment_types()
        for name, role, sessions in CLINICIANS:
            clinician, _created = Clinician.objects.get_or_create(name=name, role=role)
            for weekdays, start, end, type_name in sessions:
                for weekday in weekdays:
                    AvailabilityRule.objects.get_or_create(
                        clinician=clinician,
                        weekday=weekday,
                        start_time=dt.time.fromisoformat(start),
                        end_time=dt.time.fromisoformat(end),
                        appointment_type=types[type_name],
                        defaults={"valid_from": dt.date(2026, 1, 1)},
                    )
        generated = slots.slot_generate()
        self.stdout.write(f"  demo diary: {generated.created} slots created")
        if Appointment.objects.exists():
            return
        # Book the triaged forms as reception would (the first free slot of a fitting type,
        # inside the tier's window if there is one), except the most urgent few: those are left
        # for whoever tries the demo to book.
        triaged = (
            Submission.objects.filter(status=Submission.Status.TRIAGED)
            .exclude(tier="EMERGENCY")  # never booked: directed to emergency care
            .order_by("-tier_rank", "submitted_at")
        )
        now = timezone.now()
        booked = 0
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for submission in list(triaged)[DEMO_LEFT_TO_BOOK:]:
                request = getattr(submission, "booking_request", None)
                kind = (request.appointment_type if request else None) or types[
                    TYPE_FOR_TIER.get(submission.tier, "Vascular clinic new patient")
                ]
                options = slot_list_for_booking(
                    tier=submission.tier,
                    now=now,
                    since=submission.submitted_at,
                    appointment_type=kind,
                )
                choices = [choice for _day, day_choices in options.days for choice in day_choices]
                if not choices:
                    continue
                booking.appointment_book(
                    submission=submission, slot=choices[0].slot, actor=receptionist
                )
                booked += 1
        self.stdout.write(f"  demo diary: {booked} appointments booked")


def demo_code_now() -> str:
    """The demo authenticator's code at this moment (every demo account has the same)."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    return f"{TOTP(b32decode(staff.DEMO_TOTP_SECRET)).token():06d}"


# Fictional clinicians and a week that looks like a small vascular service's.
MON, TUE, WED, THU, FRI = range(5)
APPOINTMENT_TYPES = (
    # name, code (triage's recommendation table, intake/scheduling/guidance.py), minutes, roles
    # that can take it, where
    (
        "Same-day duplex scan",
        "duplex_same_day",
        30,
        [ClinicianRole.SONOGRAPHER],
        "Vascular lab, Outpatients A",
    ),
    (
        "Vascular clinic new patient",
        "vascular_new",
        30,
        [ClinicianRole.VASCULAR_SURGEON, ClinicianRole.VASCULAR_NURSE],
        "Outpatients B",
    ),
    (
        "Vein clinic",
        "vein_clinic",
        20,
        [ClinicianRole.VASCULAR_NURSE, ClinicianRole.VASCULAR_SURGEON],
        "Outpatients B",
    ),
    (
        "Diabetic foot review",
        "diabetic_foot",
        30,
        [ClinicianRole.PODIATRIST, ClinicianRole.VASCULAR_NURSE],
        "Foot clinic, Outpatients C",
    ),
)
# Booking notes a triage clinician might leave for reception: practical, never clinical.
DEMO_BOOKING_NOTES = (
    "",
    "Please book with the vascular registrar.",
    "",
    "Mornings only: works nights.",
)
CLINICIANS = (
    # name, role, sessions: (weekdays, from, until, appointment type)
    (
        "Sam Okafor",
        ClinicianRole.SONOGRAPHER,
        [
            ((MON, TUE, WED, THU, FRI), "08:30", "12:00", "Same-day duplex scan"),
            ((MON, TUE, WED, THU, FRI), "13:00", "17:00", "Same-day duplex scan"),
        ],
    ),
    (
        "Mr Omar Haddad",
        ClinicianRole.VASCULAR_SURGEON,
        [((TUE, THU), "09:00", "12:30", "Vascular clinic new patient")],
    ),
    (
        "Ms Priya Nair",
        ClinicianRole.VASCULAR_NURSE,
        [
            ((MON, WED), "13:00", "16:00", "Vein clinic"),
            ((FRI,), "09:00", "12:00", "Vascular clinic new patient"),
        ],
    ),
    (
        "Jo Lindqvist",
        ClinicianRole.PODIATRIST,
        [((WED, FRI), "09:00", "12:00", "Diabetic foot review")],
    ),
)
TYPE_FOR_TIER = {
    "URGENT": "Same-day duplex scan",
    "SOON": "Vascular clinic new patient",
    "ROUTINE": "Vein clinic",
}
DEMO_LEFT_TO_BOOK = 2
