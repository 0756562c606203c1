"""Who may do what on the staff pages: one predicate per question, checked on the server.

The admin's pages and the workflow views ask the same predicates, so a page and its buttons can
never disagree. The roles that hold each permission are defined in `intake/roles.py`. A template
may hide a button with them too, but only the server's check protects anything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest

from intake import roles
from intake.models import Submission
from intake.scheduling.models import Appointment

View = TypeVar("View", bound=Callable[..., Any])


def staff_member(request: HttpRequest) -> User:
    """The signed-in staff user of an admin page (the admin site has checked the login)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def can_view(request: HttpRequest, model: type[Model]) -> bool:
    """What the admin's `ModelAdmin.has_view_permission` asks: the model's view or change
    permission. The workflow views ask it without reaching into the admin site's registry."""
    opts = model._meta
    return any(
        request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


def can_see_clinical(request: HttpRequest) -> bool:
    """Answers, free text, scores and reasons (receptionists never see them)."""
    return request.user.has_perm(roles.VIEW_CLINICAL_DETAIL)


def can_triage(request: HttpRequest) -> bool:
    return request.user.has_perm(roles.TRIAGE_SUBMISSION)


def can_export(request: HttpRequest) -> bool:
    """The queue's CSV export: many patients at once (clinic admins; never reception)."""
    return request.user.has_perm(roles.EXPORT_SUBMISSION)


def can_export_patient_data(request: HttpRequest) -> bool:
    """A copy of everything held about one patient, for their access request (clinic admins)."""
    return request.user.has_perm(roles.EXPORT_PATIENT_DATA)


def can_erase_patient_data(request: HttpRequest) -> bool:
    """Erasing one patient's data, for their erasure request (clinic admins)."""
    return request.user.has_perm(roles.ERASE_PATIENT_DATA)


def can_book(request: HttpRequest) -> bool:
    return request.user.has_perm(roles.BOOK_APPOINTMENT)


def can_change_appointments(request: HttpRequest) -> bool:
    return request.user.has_perm(roles.CHANGE_APPOINTMENT)


def can_see_ruleset_changes(request: HttpRequest) -> bool:
    """Tiers and rule codes are clinical detail: receptionists never see this page."""
    return can_see_clinical(request)


# --- What each workflow needs (the same checks as the admin pages they belong to) ----------------


def may_triage(request: HttpRequest) -> bool:
    """The triage buttons of the submission page: triage, and see the submission page."""
    return can_triage(request) and can_view(request, Submission)


def may_book(request: HttpRequest) -> bool:
    """The booking page and its buttons: book, and see the submission page."""
    return can_book(request) and can_view(request, Submission)


def may_change_appointments(request: HttpRequest) -> bool:
    """Move, cancel, record attendance: change appointments, and see the diary."""
    return can_change_appointments(request) and can_view(request, Appointment)


def may_see_diary(request: HttpRequest) -> bool:
    """The day view and the day sheet."""
    return can_view(request, Appointment)


def may_download_handover(request: HttpRequest) -> bool:
    """The case page's clinician summary (PDF) and FHIR bundle: clinical detail, and the page
    (receptionists never: issue 21)."""
    return can_see_clinical(request) and can_view(request, Submission)


def may_decide_ruleset_changes(request: HttpRequest) -> bool:
    """Accept or dismiss a ruleset change: see the page (clinical detail), and triage."""
    return can_see_ruleset_changes(request) and can_triage(request)


def allowed_if(check: Callable[[HttpRequest], bool]) -> Callable[[View], View]:
    """Refuse the view with 403 unless `check(request)` holds (login is the admin site's)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not check(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorator
