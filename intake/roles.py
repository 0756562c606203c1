"""Staff roles: Django groups created by a data migration (intake/migrations/0003_roles.py).

Permissions are checked on the server (the admin and our views call `has_perm`), never only
hidden in templates. `intake.view_clinical_detail` guards answers, free text, scores and reasons.
"""

TRIAGE_CLINICIAN = "Triage clinician"
RECEPTIONIST = "Receptionist"
CLINIC_ADMIN = "Clinic admin"

VIEW_CLINICAL_DETAIL = "intake.view_clinical_detail"
TRIAGE_SUBMISSION = "intake.triage_submission"
# Booking, moving and cancelling appointments (receptionists and triage clinicians; 0012).
BOOK_APPOINTMENT = "intake.add_appointment"
CHANGE_APPOINTMENT = "intake.change_appointment"
