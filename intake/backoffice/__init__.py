"""The staff-facing app: the admin's registrations and the staff workflows, as ordinary views.

No models of its own. Lists, filters and read-only pages are the Django admin's (`admin/`);
every process (triage actions, booking, moving, cancelling, the day sheet, ruleset decisions)
is an ordinary view (`views/`) with a form and a permission check, served under the admin's
URLs and login by `sites.ClinicAdminSite`. Every change goes through the services.
"""
