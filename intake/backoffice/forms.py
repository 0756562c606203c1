"""The staff pages' forms. They read and check what was typed; the services decide the rest.

Where a service already checks a value with the message staff know (a reason to refer or close,
what was done for an emergency), the form only reads it and leaves the check to the service,
so the message stays one and the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from intake.identity import is_ascii_digits
from intake.models import Tier
from intake.scheduling.models import AppointmentType, Clinician, ClinicianRole, Slot

# --- The submission page -------------------------------------------------------------------------


class OverrideTierForm(forms.Form):
    tier = forms.ChoiceField(label=gettext_lazy("New tier"), choices=Tier.choices)
    reason = forms.CharField(
        label=gettext_lazy("Reason (required)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class BookingGuidanceForm(forms.Form):
    """What the clinician tells reception about booking a triaged case (issue 20). Reception
    reads both fields, so the note must hold no clinical detail."""

    appointment_type = forms.ModelChoiceField(
        label=gettext_lazy("Recommended appointment type"),
        queryset=AppointmentType.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("No recommendation: reception chooses"),
    )
    note = forms.CharField(
        label=gettext_lazy("Booking note for reception (optional)"),
        help_text=gettext_lazy(
            'Reception reads this: no clinical detail. For example "Book with the vascular '
            'registrar" or "Mornings only: works nights". 200 characters at most.'
        ),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What was done (required)"),
        help_text=gettext_lazy(
            'For example "Phoned 14:05: patient on the way to A&E" or "Could not reach: left a '
            'message".'
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (required)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class StatusReasonForm(forms.Form):
    """Refer elsewhere or close: the reason as typed. `submission_set_status` requires one
    ("Give a reason.") and keeps it as a note; the box limits its length, as ReasonForm's."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (required)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60, "maxlength": "2000", "required": True}),
    )


# --- Appointments --------------------------------------------------------------------------------


class CancelForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = gettext_lazy("Why is it cancelled? (required)")


class SlotChoiceField(forms.ModelChoiceField[Slot]):
    """A slot by its id; anything but ASCII digits is no slot at all (not a server error)."""

    def to_python(self, value: Any) -> Slot | None:
        if value not in self.empty_values and not is_ascii_digits(str(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def _slot_field() -> SlotChoiceField:
    return SlotChoiceField(
        queryset=Slot.objects.select_related("clinician", "appointment_type"),
        error_messages={
            "required": gettext_lazy("Choose a slot."),
            "invalid_choice": gettext_lazy("Choose a slot."),
        },
    )


class MoveForm(forms.Form):
    """The new slot of a booked appointment (the booking service checks it is free)."""

    slot = _slot_field()


class BookForm(MoveForm):
    """A slot, and optional notes for the clinic (never sent to the patient)."""

    notes = forms.CharField(required=False, strip=False)

    def clean_notes(self) -> str:
        # As the box allows (maxlength): anything longer is cut, not refused.
        return str(self.cleaned_data["notes"])[:2000]


class EmergencyDirectionForm(forms.Form):
    """What was done for an EMERGENCY patient; the service requires it and checks its length."""

    text = forms.CharField(required=False, strip=False)


# --- The diary -----------------------------------------------------------------------------------


def parse_day(value: str | None) -> dt.date | None:
    """A day as YYYY-MM-DD (the diary's ?day=), or None for anything else."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class DaySheetForm(forms.Form):
    """The day sheet's query: ?day= (today unless a date) and ?clinician= (everyone unless the
    id of a clinician). Never invalid: a link with an odd value still prints a sheet."""

    day = forms.CharField(required=False)
    clinician = forms.CharField(required=False)

    def clean_day(self) -> dt.date:
        return parse_day(self.cleaned_data["day"]) or timezone.localdate()

    def clean_clinician(self) -> Clinician | None:
        value = str(self.cleaned_data["clinician"])
        if not is_ascii_digits(value):
            return None
        return Clinician.objects.filter(pk=int(value)).first()


# --- Reference data ------------------------------------------------------------------------------


class AppointmentTypeForm(forms.ModelForm[AppointmentType]):
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles that can take it"),
        choices=ClinicianRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AppointmentType
        fields = ("name", "code", "duration_minutes", "roles", "location", "active")


# --- A patient's data rights (issue 18) -------------------------------------------------------


class ErasureForm(forms.Form):
    """Erasing a patient's data: the reason, and (inside the retention period) a second clinic
    admin's confirmation, given by that admin signing in here with their own password."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (required)"),
        help_text=gettext_lazy(
            "How the request came, and its date or your reference. Kept in the audit log: "
            "never the patient's name or contact details."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )
    confirmer_username = forms.CharField(
        label=gettext_lazy("Second clinic admin: user name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    confirmer_password = forms.CharField(
        label=gettext_lazy("Second clinic admin: password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
