"""What the data-rights commands share (`patient_export`, `patient_erase`): finding the one
patient a request is about, and the staff accounts named on the command line."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import CommandError, CommandParser

from intake.models import Patient
from intake.selectors.data_rights import patient_list_by_email


def add_patient_arguments(parser: CommandParser) -> None:
    parser.add_argument("email", help="the email address the patient gave")
    parser.add_argument(
        "--dob",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="their date of birth: needed when more than one patient has this email address",
    )
    parser.add_argument(
        "--patient-id",
        type=int,
        metavar="ID",
        help="the patient record's id, when the email and date of birth match more than one "
        "(find them in the admin by searching the email)",
    )


def find_patient(options: dict[str, object]) -> Patient:
    """The one patient the command's arguments name, or CommandError saying how many match
    (never who they are: the other records are other people's data)."""
    email = str(options["email"])
    dob = options.get("dob")
    patient_id = options.get("patient_id")
    patients = patient_list_by_email(email, date_of_birth=dob if isinstance(dob, dt.date) else None)
    if patient_id is not None:
        patients = [patient for patient in patients if patient.pk == patient_id]
    if not patients:
        raise CommandError(
            "No patient record matches this email address"
            + (" and date of birth" if dob else "")
            + (" and id" if patient_id is not None else "")
            + ". (Unfinished forms that were never sent have no patient record: they are "
            "deleted automatically CLINIC_DRAFT_LIFETIME_DAYS after their last save.)"
        )
    if len(patients) > 1:
        if dob is None:
            raise CommandError(
                f"{len(patients)} patient records have this email address (people can share "
                "one): give --dob YYYY-MM-DD to say whose request this is."
            )
        raise CommandError(
            f"{len(patients)} patient records have this email address and date of birth (the "
            "same person recorded twice, or two people): find them in the admin by searching "
            "the email, and give --patient-id."
        )
    return patients[0]


def staff_account(username: str, option: str) -> User:
    """The staff account called `username` (CommandError naming `option` if there is none)."""
    user = get_user_model().objects.filter(username=username).first()
    if not isinstance(user, User):
        raise CommandError(f"{option}: no staff account is called {username!r}.")
    return user
