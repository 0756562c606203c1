"""Checks on the patient's identity details: age, NHS number, phone. Pure functions."""

from __future__ import annotations

import datetime as dt

from intake import triage


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
