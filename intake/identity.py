"""The patient's identity details: which are asked for, what they are called, and checks on
them (age, NHS number, phone). Shared by the questionnaire's form and every summary of a case."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from intake import triage

# Step 1 also collects who the patient is; these live on the Patient record, not in the answers.
IDENTITY_REQUIRED = ("full_name", "date_of_birth", "email", "phone", "preferred_contact")
IDENTITY_OPTIONAL = ("gp_practice", "nhs_number")
IDENTITY_FIELDS = IDENTITY_REQUIRED + IDENTITY_OPTIONAL
# What each detail is called: the form's labels (optional ones add "(optional)") and the row
# titles of every summary of the answers, the patient's and the staff's.
IDENTITY_LABELS = {
    "full_name": gettext_lazy("Full name of the patient"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "email": gettext_lazy("Email address"),
    "phone": gettext_lazy("Mobile or phone number"),
    "preferred_contact": gettext_lazy("How should we contact you?"),
    "gp_practice": gettext_lazy("GP practice"),
    "nhs_number": gettext_lazy("NHS number"),
}
# The labels that change when someone fills in the form for the patient (issue 19; the others
# already name the patient or no one). Patient-facing wording: listed in docs/triage.md.
IDENTITY_HELPER_LABELS = {
    "preferred_contact": gettext_lazy("How should we contact you or the patient?"),
}
# What the form says when a required detail is left blank (GOV.UK style: what to do, no full
# stop), in the patient's wording and, where it differs, in a helper's.
IDENTITY_REQUIRED_MESSAGES = {
    "full_name": gettext_lazy("Enter your full name"),
    "date_of_birth": gettext_lazy("Enter your date of birth"),
    "email": gettext_lazy("Enter your email address"),
    "phone": gettext_lazy("Enter a phone number"),
    "preferred_contact": gettext_lazy("Select how you would like us to contact you"),
}
IDENTITY_HELPER_REQUIRED_MESSAGES = {
    "full_name": gettext_lazy("Enter the patient's full name"),
    "date_of_birth": gettext_lazy("Enter the patient's date of birth"),
    "email": gettext_lazy("Enter an email address"),
    "preferred_contact": gettext_lazy("Select how we should contact you or the patient"),
}


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    """Whole years between a date of birth and `today`."""
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - before_birthday


def is_ascii_digits(value: str) -> bool:
    """0-9 only. (`str.isdigit` also accepts "²" and other digits `int()` refuses.)"""
    return value.isascii() and value.isdigit()


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number modulus-11 check (10 digits, the last one a check digit)."""
    if len(digits) != 10 or not is_ascii_digits(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def phone_problem(value: str) -> str | None:
    """The catalogue's phone-number rule (the same one `contact_phone` is checked with)."""
    problems = triage.validate({"contact_phone": value})
    return problems[0].message if problems else None
