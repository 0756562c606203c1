"""Intake models. Patient, Submission, Notification and friends arrive with the patient journey."""
