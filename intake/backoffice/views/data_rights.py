"""Erasing a patient's data (issue 18): the page the queue's "Erase this patient's data" action
leads to. Clinic admins only (`intake.erase_patient_data`, checked on the server for GET and
POST). It shows who the patient is (a view, audited) and what the erasure will keep and delete,
and asks for the reason and, inside the retention period, a second clinic admin's confirmation:
that admin signs in on this form with their own user name and password. The service decides
and audits.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from intake.backoffice.audit import audit_staff
from intake.backoffice.forms import ErasureForm
from intake.backoffice.permissions import can_erase_patient_data
from intake.backoffice.views.base import admin_page, by_staff
from intake.models import AuditEvent, Patient, Submission
from intake.selectors.data_rights import patient_get_erasure_plan
from intake.services import data_rights


class ErasePatient(View):
    """GET: the erasure page. POST: erase, then back to the queue with what was done."""

    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not can_erase_patient_data(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, patient_id: int) -> HttpResponse:
        patient = get_object_or_404(Patient, pk=patient_id)
        # The page shows who the patient is: a view, audited like the submission page's.
        audit_staff(
            request,
            action=AuditEvent.Action.VIEW,
            object_repr=data_rights.patient_repr(patient.pk),
            details={"patient": patient.pk, "page": "erasure"},
        )
        return self.page(request, patient, ErasureForm())

    def post(self, request: HttpRequest, patient_id: int) -> HttpResponse:
        patient = get_object_or_404(Patient, pk=patient_id)
        form = ErasureForm(request.POST)
        if not form.is_valid():
            return self.page(request, patient, form)
        confirmed_by = None
        username = form.cleaned_data["confirmer_username"].strip()
        if username:
            confirmed_by = authenticate(
                request, username=username, password=form.cleaned_data["confirmer_password"]
            )
            if not isinstance(confirmed_by, User):
                form.add_error(
                    "confirmer_password",
                    _("The second clinic admin's user name or password is not right."),
                )
                return self.page(request, patient, form)
        try:
            result = data_rights.patient_erase(
                patient=patient,
                reason=form.cleaned_data["reason"],
                confirmed_by=confirmed_by,
                **by_staff(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.page(request, patient, form)
        messages.success(
            request,
            _(
                "Patient #%(id)s erased: %(kept)s form(s) anonymised, %(deleted)s deleted; the "
                "patient record %(record)s."
            )
            % {
                "id": result.patient_id,
                "kept": len(result.anonymised),
                "deleted": len(result.deleted),
                "record": _("deleted") if result.patient_deleted else _("anonymised"),
            },
        )
        return HttpResponseRedirect(reverse("admin:intake_submission_changelist"))

    def page(self, request: HttpRequest, patient: Patient, form: ErasureForm) -> HttpResponse:
        plan = patient_get_erasure_plan(patient)
        return admin_page(
            request,
            "admin/intake/patient/erase.html",
            {
                "title": _("Erase the data of patient #%(id)s") % {"id": patient.pk},
                "opts": Submission._meta,
                "patient": patient,
                "plan": plan,
                "form": form,
                "retention_days": data_rights.retention_days(),
            },
        )
