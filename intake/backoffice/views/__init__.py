"""The staff workflows as ordinary views, served under the admin's URLs and login.

`triage` (the submission page's buttons), `booking` (book, move, cancel, attendance, escalate),
`diary` (the day sheet), `release` (ruleset-change decisions) and `handover` (the case's
clinician summary PDF and FHIR bundle). Each checks its permission on
the server, reads a form, and calls one service; the URLs are in `intake/backoffice/urls.py`.
"""
