"""Patient-facing views and the health check. Thin: parse, call a selector or service, render.

Every questionnaire URL carries only the draft's opaque token. A token opens its draft only in
the browser that started (or resumed) it (a signed cookie lists its drafts); anywhere else the
patient must give the date of birth first. Pages that show answers are never cached (no-store).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intake import clinical, steps, summary, triage
from intake.http import client_address
from intake.identity import IDENTITY_FIELDS
from intake.models import Submission
from intake.questionnaire import health, ratelimit
from intake.questionnaire.forms import AppointmentCancelForm, PatientForm, ResumeForm, StepForm
from intake.scheduling import windows
from intake.scheduling.models import Appointment
from intake.scheduling.selectors import appointment_get_for_cancel_link
from intake.scheduling.services import booking
from intake.selectors.drafts import submission_get_for_patient
from intake.services import drafts, sending

# Which drafts this browser may open: a signed, HttpOnly cookie holding their opaque tokens (no
# personal data). A cookie rather than the database session saves a query on every page of the
# questionnaire; tampering breaks the signature, and an unknown token opens nothing.
DRAFTS_COOKIE = "intake_drafts"
# The salt names the module the views had before issue 16; kept so the cookies of drafts in
# progress stay valid.
DRAFTS_COOKIE_SALT = "intake.views.drafts"
DRAFTS_MAX = 5

View = Callable[..., HttpResponse]


# --- Helpers -----------------------------------------------------------------------------------


def _tokens(request: HttpRequest) -> list[str]:
    raw = request.get_signed_cookie(
        DRAFTS_COOKIE,
        default="",
        salt=DRAFTS_COOKIE_SALT,
        max_age=settings.CLINIC_DRAFT_LIFETIME_DAYS * 24 * 3600,
    )
    return [t for t in (raw or "").split(",") if t]


def _allow(request: HttpRequest, response: HttpResponse, token: str) -> HttpResponse:
    """Let this browser open the draft (the most recent few only); returns `response`."""
    tokens = [t for t in _tokens(request) if t != token]
    response.set_signed_cookie(
        DRAFTS_COOKIE,
        ",".join([*tokens, token][-DRAFTS_MAX:]),
        salt=DRAFTS_COOKIE_SALT,
        max_age=settings.CLINIC_DRAFT_LIFETIME_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _allowed(request: HttpRequest, token: str) -> bool:
    return token in _tokens(request)


def _submission_or_404(token: str) -> Submission:
    submission = submission_get_for_patient(token)
    if submission is None:
        raise Http404
    return submission


def draft_view(view: View) -> View:
    """Load the submission for `token`; send other browsers to the date-of-birth check."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        submission = _submission_or_404(token)
        if not _allowed(request, token):
            if submission.is_draft:
                return redirect("intake:resume", token=token)
            raise Http404
        return view(request, submission, *args, **kwargs)

    return wrapper


def _step_url(submission: Submission, step: steps.FormStep, *, to_check: bool = False) -> str:
    url = reverse("intake:step", args=[submission.token, step.code])
    return f"{url}?return=check" if to_check else url


# The rows of the check page (summary.summarise): a Change link names its row (`row=<code>`), so
# that the patient comes back to it, not to the top of a long page (issue 19).
_ROWS = frozenset({q.code for q in triage.QUESTIONS} | set(IDENTITY_FIELDS))


def _changed_row(request: HttpRequest) -> str | None:
    row = request.GET.get("row")
    return row if row in _ROWS else None


def _to_row(url: str, row: str | None) -> str:
    """`url`, leading back to the check page's `row`: its anchor on the check page; on a page
    asked first (newly revealed questions), passed on to come back to it after that page."""
    if row is None:
        return url
    if "?" in url:
        return f"{url}&row={row}"
    return f"{url}#row-{row}"


def _held_url(submission: Submission) -> str | None:
    """The page an emergency answer interrupted, if what was typed there is still held."""
    held = submission.held_input or {}
    page = steps.STEPS_BY_CODE.get(str(held.get("step", "")))
    if page is None:
        return None
    if page.code == steps.CONSENT_STEP:
        return reverse("intake:check", args=[submission.token])
    return _step_url(submission, page, to_check=bool(held.get("to_check")))


def _continue_url(submission: Submission, *, to_check: bool = False) -> str:
    """Where the patient goes next: the page they were interrupted on (to see what they typed
    and its errors), else the first unfinished page, else the check page."""
    if held := _held_url(submission):
        return held
    pending = steps.progress(submission.answers, submission.identity).first_incomplete
    if pending is not None:
        return _step_url(submission, pending, to_check=to_check)
    return reverse("intake:check", args=[submission.token])


def _pending_step(submission: Submission) -> str | None:
    """The URL of the first page still to fill in, if any."""
    pending = steps.first_incomplete(submission.answers, submission.identity)
    return _step_url(submission, pending) if pending is not None else None


def _error_summary(form: PatientForm) -> list[tuple[str, str, str]]:
    """(anchor, label, message) per field error, in page order, for "There is a problem"."""
    items = []
    for name, field in form.fields.items():
        if name not in form.errors or name == "website":
            continue
        widget_id = form[name].auto_id
        multiple = getattr(field.widget, "allow_multiple_selected", False) or getattr(
            field.widget, "input_type", ""
        ) in ("radio", "checkbox")
        anchor = f"{widget_id}_0" if multiple else widget_id
        # "Which leg - Select...": the question without its closing punctuation, then why.
        # A label that is markup (a catalogue wording, escaped, with its emphasis) becomes its
        # text: tags stripped and entities decoded, or "A&E" would show as "A&amp;E" (issue 19).
        label = str(field.label or "")
        if isinstance(label, SafeString):
            label = html.unescape(strip_tags(label))
        label = label.replace(_("(optional)"), "").strip()
        label = label.rstrip("?:.").strip()
        for message in form.errors[name]:
            items.append((anchor, label, str(message)))
    return items


# Longest value kept of one field typed on an interrupted page (the fields' own limits are
# smaller; this only stops a forged post from filling the row).
HELD_VALUE_MAX = 5000


def _held_form_data(
    submission: Submission, page: steps.FormStep
) -> MultiValueDict[str, str] | None:
    """What the patient typed on this page before an emergency answer interrupted it."""
    held = submission.held_input or {}
    if held.get("step") != page.code or not isinstance(held.get("data"), dict):
        return None
    return MultiValueDict({str(k): [str(v) for v in values] for k, values in held["data"].items()})


def _interrupt_if_emergency(
    request: HttpRequest, submission: Submission, form: StepForm, *, to_check: bool = False
) -> HttpResponse | None:
    """Validation never stands between a patient and the emergency advice (issue 15).

    A page that failed validation is still triaged: the saved answers plus every answer on it
    that is valid on its own. If that fires an EMERGENCY rule not yet shown, those answers are
    saved, the on-call team alerted, what was typed is held for when the patient carries on,
    and the patient goes straight to the advice. Otherwise nothing is saved (None).
    """
    typed = {
        name: [value[:HELD_VALUE_MAX] for value in values]
        for name, values in request.POST.lists()
        if name in form.fields and name != "website"
    }
    saved = drafts.submission_save_step(
        submission=submission,
        step_answers=form.valid_answers,
        identity=form.valid_identity if form.step.collects_identity else None,
        hold={"step": form.step.code, "data": typed, "to_check": to_check},
    )
    if saved.interrupt:
        return redirect("intake:urgent", token=submission.token)
    return None


def _bad_request(request: HttpRequest) -> HttpResponse:
    html = render(request, "questionnaire/bad_request.html").content
    return HttpResponseBadRequest(html)


# --- Start ---------------------------------------------------------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The start page: what the form is for, how long it takes, emergency advice, privacy."""
    return render(request, "questionnaire/start.html")


@require_POST
def start_draft(request: HttpRequest) -> HttpResponse:
    """ "Start now": a new draft bound to this browser, within a per-address rate limit."""
    if request.POST.get("website"):
        return _bad_request(request)
    if not ratelimit.hit(
        "start", request, limit=settings.CLINIC_DRAFTS_PER_HOUR, window_seconds=3600
    ):
        return render(request, "questionnaire/too_many.html", status=429)
    submission = drafts.submission_create_draft(language=get_language())
    first = redirect("intake:step", token=submission.token, step=steps.QUESTION_STEPS[0].code)
    return _allow(request, first, submission.token)


# --- Steps ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@draft_view
def step(request: HttpRequest, submission: Submission, step: str) -> HttpResponse:
    """One questionnaire page: GET shows saved answers; POST validates, saves, redirects."""
    if not submission.is_draft:
        return redirect("intake:done", token=submission.token)
    if step == steps.CONSENT_STEP:
        return redirect("intake:check", token=submission.token)
    page = steps.STEPS_BY_CODE.get(step)
    if page is None:
        raise Http404
    answers, identity = submission.answers, submission.identity
    # Steps out of order: never show (or accept) a page before the earlier ones are done.
    before = steps.progress(answers, identity)
    pending = before.first_incomplete
    if pending is not None and pending.number < page.number:
        return redirect(_step_url(submission, pending))
    if page not in before.pages:
        return redirect(_continue_url(submission))
    to_check = request.GET.get("return") == "check"
    row = _changed_row(request) if to_check else None
    today = timezone.localdate()

    if request.method == "POST":
        form = StepForm(request.POST, step=page, saved=answers, identity=identity, today=today)
        valid = form.is_valid()
        if form.is_bot:
            return _bad_request(request)
        if valid and form.under_18:
            return redirect("intake:adults_only", token=submission.token)
        if valid:
            saved = drafts.submission_save_step(
                submission=submission,
                step_answers=form.step_answers,
                identity=form.identity if page.collects_identity else None,
            )
            if request.POST.get("action") == "save_for_later":
                return _save_for_later(request, submission)
            if saved.interrupt:
                return redirect("intake:urgent", token=submission.token)
            if to_check:
                return redirect(_to_row(_continue_url(submission, to_check=True), row))
            # Pages only: the next page is decided by what is shown, not by what is complete.
            following = steps.progress(
                submission.answers, submission.identity, pages_only=True
            ).next_after(page.code)
            if following is None:
                return redirect("intake:check", token=submission.token)
            return redirect(_step_url(submission, following))
        if not form.under_18 and (
            interrupted := _interrupt_if_emergency(request, submission, form, to_check=to_check)
        ):
            return interrupted
    elif (held := _held_form_data(submission, page)) is not None:
        # Back from the emergency advice: the page as typed, with its errors, shown now.
        form = StepForm(held, step=page, saved=answers, identity=identity, today=today)
        form.is_valid()
    else:
        form = StepForm(step=page, saved=answers, identity=identity, today=today)

    previous = before.before(page.code)
    back_url = (
        _to_row(reverse("intake:check", args=[submission.token]), row)
        if to_check
        else (_step_url(submission, previous) if previous else reverse("intake:start"))
    )
    context = {
        "submission": submission,
        "page": page,
        "form": form,
        "errors": _error_summary(form) if form.is_bound else [],
        "back_url": back_url,
        "step_count": len(before.pages) + 1,
        "step_index": before.pages.index(page) + 1,
        "context_answers": {"age_years": answers.get("age_years")},
        "emergency": _emergency_banner(submission),
    }
    return render(request, "questionnaire/step.html", context)


def _save_for_later(request: HttpRequest, submission: Submission) -> HttpResponse:
    try:
        drafts.submission_send_resume_link(submission=submission)
    except ValidationError as error:
        return render(
            request,
            "questionnaire/saved.html",
            {"submission": submission, "problem": error.messages[0]},
            status=400,
        )
    return redirect("intake:saved", token=submission.token)


def _emergency_banner(submission: Submission) -> list[str]:
    """After an emergency interruption, its message stays on every page (spec §2.4)."""
    if submission.interruption_shown_at is None:
        return []
    result = clinical.evaluate(submission.answers)
    if result.tier.name != "EMERGENCY":
        return []
    message = clinical.patient_message(result.fired)
    return [*message.sentences, message.footer]


@require_GET
@draft_view
def urgent(request: HttpRequest, submission: Submission) -> HttpResponse:
    """The emergency interruption: call the emergency number now; the form can carry on."""
    result = clinical.evaluate(submission.answers)
    message = clinical.patient_message(result.fired)
    context = {
        "submission": submission,
        "sentences": message.sentences,
        "footer": message.footer,
        "is_emergency": result.tier.name == "EMERGENCY",
        "continue_url": _continue_url(submission) if submission.is_draft else None,
    }
    return render(request, "questionnaire/urgent.html", context)


@require_GET
@draft_view
def saved(request: HttpRequest, submission: Submission) -> HttpResponse:
    """Confirmation that the resume link was emailed."""
    return render(
        request,
        "questionnaire/saved.html",
        {"submission": submission, "continue_url": _continue_url(submission)},
    )


@require_GET
@draft_view
def adults_only(request: HttpRequest, submission: Submission) -> HttpResponse:
    return render(request, "questionnaire/adults_only.html", {"submission": submission})


# --- Check and send -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@draft_view
def check(request: HttpRequest, submission: Submission) -> HttpResponse:
    """Check your answers, with a Change link for each, then consent and send."""
    if not submission.is_draft:
        return redirect("intake:done", token=submission.token)
    # Sending validates the whole form itself; a GET (or a refused send) finds the gap.
    if request.method == "GET" and (pending := _pending_step(submission)):
        return redirect(pending)
    page = steps.STEPS_BY_CODE[steps.CONSENT_STEP]
    problem = None
    if request.method == "POST":
        form = StepForm(request.POST, step=page, saved=submission.answers)
        valid = form.is_valid()
        if form.is_bot:
            return _bad_request(request)
        if valid:
            try:
                sent = sending.submission_submit(
                    submission=submission, consent_answers=form.step_answers
                )
            except sending.EmergencyNotShown:
                # Sending is a page POST too: an emergency rule that fires on the answers as
                # they stand (a ruleset released while this draft waited) comes first.
                # (None only if another tab recorded the same interruption a moment ago.)
                interrupted = _interrupt_if_emergency(request, submission, form)
                return interrupted or redirect("intake:urgent", token=submission.token)
            except ValidationError as error:
                if pending := _pending_step(submission):
                    return redirect(pending)
                problem = error.messages[0]
            else:
                return redirect("intake:done", token=sent.token)
        elif interrupted := _interrupt_if_emergency(request, submission, form):
            return interrupted
    elif (held := _held_form_data(submission, page)) is not None:
        form = StepForm(held, step=page, saved=submission.answers)
        form.is_valid()
    else:
        form = StepForm(step=page, saved=submission.answers)
    # Issue 19: a back link (the last page) and "Step N of M", as every page has.
    shown = steps.progress(submission.answers, submission.identity).pages
    context = {
        "submission": submission,
        "back_url": _step_url(submission, shown[-1]) if shown else reverse("intake:start"),
        "step_index": len(shown) + 1,
        "step_count": len(shown) + 1,
        "summary": summary.summarise(submission.answers, submission.identity),
        "form": form,
        "errors": _error_summary(form) if form.is_bound else [],
        "problem": problem,
        "emergency": _emergency_banner(submission),
    }
    return render(request, "questionnaire/check.html", context)


@require_GET
@draft_view
def done(request: HttpRequest, submission: Submission) -> HttpResponse:
    """Confirmation: reference, what happens next for this tier, a printable summary."""
    if submission.is_draft:
        return redirect("intake:check", token=submission.token)
    context = {
        "submission": submission,
        # Rendered now, in the patient's language, from the rules stored with the form.
        "paragraphs": clinical.patient_message(
            submission.fired_rules, now=submission.submitted_at
        ).paragraphs,
        "summary": summary.summarise(
            submission.answers,
            submission.identity,
            include_consent=True,
        ),
    }
    return render(request, "questionnaire/done.html", context)


# --- Resume on another device -------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the "save and come back later" email: date of birth first, then the form."""
    submission = _submission_or_404(token)
    if not submission.is_draft:
        raise Http404
    if _allowed(request, token):
        return HttpResponseRedirect(_continue_url(submission))
    if not submission.identity.get("date_of_birth"):
        # Nothing saved that could prove who is resuming: a new start is the only way.
        return render(request, "questionnaire/resume_unavailable.html", status=404)
    locked = submission.resume_failures >= settings.CLINIC_RESUME_MAX_FAILURES
    form = ResumeForm(request.POST or None)
    if request.method == "POST" and not locked and form.is_valid():
        if drafts.submission_check_resume(
            submission=submission, date_of_birth=form.cleaned_data["date_of_birth"]
        ):
            return _allow(request, HttpResponseRedirect(_continue_url(submission)), token)
        submission.refresh_from_db()
        locked = submission.resume_failures >= settings.CLINIC_RESUME_MAX_FAILURES
        if not locked:
            form.add_error("date_of_birth", _("That date of birth does not match. Try again."))
    if form.is_bound and form.is_bot:
        return _bad_request(request)
    errors = _error_summary(form) if form.is_bound else []
    return render(
        request,
        "questionnaire/resume.html",
        {"form": form, "errors": errors, "locked": locked},
        status=403 if locked else 200,
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep search engines away from everything but the start page."""
    lines = ["User-agent: *", "Allow: /$", "Disallow: /"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


# --- Health ---------------------------------------------------------------------------------------


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and cache status as JSON (questionnaire/health.py): HTTP 503 naming the
    failing part when the database or the broker is down, 200 "degraded" when only the cache is."""
    body, code = health.report()
    return JsonResponse(body, status=code)


# --- The patient's appointment cancel link ----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in every appointment email: see the appointment, confirm to cancel.

    The token names the appointment and expires (CLINIC_CANCEL_LINK_DAYS); the page shows the
    time and place only. Expired, made-up, already cancelled or past: a page that says so.
    """
    try:
        appointment = appointment_get_for_cancel_link(token)
    except signing.SignatureExpired:
        return _cancel_unavailable(request, "expired", status=410)
    except (signing.BadSignature, Appointment.DoesNotExist):
        return _cancel_unavailable(request, "invalid", status=404)
    if appointment.status == Appointment.Status.CANCELLED:
        return _cancel_unavailable(request, "cancelled", appointment=appointment)
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= timezone.now():
        return _cancel_unavailable(request, "passed", appointment=appointment, status=410)
    form = AppointmentCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking.appointment_cancel_by_patient(
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                ip_address=client_address(request),
            )
        except ValidationError:
            # Cancelled (or started) a moment ago in another tab: show how it stands now.
            return HttpResponseRedirect(request.path)
        return _cancel_unavailable(request, "cancelled", appointment=appointment, done=True)
    if form.is_bound and form.is_bot:
        return _bad_request(request)
    errors = _error_summary(form) if form.is_bound else []
    return render(
        request,
        "questionnaire/appointment_cancel.html",
        {"form": form, "errors": errors, **windows.appointment_place(appointment)},
    )


def _cancel_unavailable(
    request: HttpRequest,
    why: str,
    *,
    appointment: Appointment | None = None,
    status: int = 200,
    done: bool = False,
) -> HttpResponse:
    context: dict[str, Any] = {"why": why, "done": done, "clinic_phone": settings.CLINIC_PHONE}
    if appointment is not None:
        context.update(windows.appointment_place(appointment))
    return render(request, "questionnaire/appointment_cancel_done.html", context, status=status)
