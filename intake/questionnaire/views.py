"""Patient-facing views and the health check. Thin: parse, call a selector or service, render.

Every questionnaire URL carries only the draft's opaque token. A token opens its draft only in
the browser that started (or resumed) it (a signed cookie lists its drafts); anywhere else the
patient must give the date of birth first. Pages that show answers are never cached (no-store).
"""

from __future__ import annotations

import html
import re
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
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intake import clinical, steps, summary, triage
from intake.http import client_address
from intake.identity import IDENTITY_FIELDS
from intake.models import Submission
from intake.questionnaire import health, ratelimit
from intake.questionnaire.forms import (
    COMPLETED_BY,
    HELPER,
    AppointmentCancelForm,
    PatientForm,
    ResumeForm,
    StepForm,
)
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


def _step_url(submission: Submission, page: steps.FormStep, *, to_check: bool = False) -> str:
    """A page's address: /intake/<token>/<step>/, or /intake/<token>/<step>/<page>/ for a short
    page of a step after its first (issue 19)."""
    if page.page_number == 1:
        url = reverse("intake:step", args=[submission.token, page.code])
    else:
        url = reverse("intake:step_page", args=[submission.token, page.code, page.page])
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
    step_code = str(held.get("step", ""))
    if step_code == steps.CONSENT_STEP:
        return reverse("intake:check", args=[submission.token])
    page = steps.page_for(step_code, str(held.get("page", "")))
    if page is None:
        return None
    return _step_url(submission, page, to_check=bool(held.get("to_check")))


def _typed_url(submission: Submission) -> str | None:
    """The page last saved with "Save and come back later", if what was typed there is kept."""
    typed = submission.typed_input or {}
    page = steps.PAGES_BY_KEY.get(str(typed.get("page", "")))
    if page is None or page.key not in (typed.get("pages") or {}):
        return None
    return _step_url(submission, page, to_check=bool(typed.get("to_check")))


def _continue_url(submission: Submission, *, to_check: bool = False) -> str:
    """Where the patient goes next: the page they were interrupted on (to see what they typed
    and its errors), else the page they saved for later as typed, else the first unfinished
    page, else the check page. (A page out of order sends them on to the first unfinished.)"""
    if held := _held_url(submission):
        return held
    if typed := _typed_url(submission):
        return typed
    pending = steps.progress(submission.answers, submission.identity).first_incomplete
    if pending is not None:
        return _step_url(submission, pending, to_check=to_check)
    return reverse("intake:check", args=[submission.token])


def _pending_step(submission: Submission) -> str | None:
    """The URL of the first page still to fill in, if any."""
    pending = steps.first_incomplete(submission.answers, submission.identity)
    return _step_url(submission, pending) if pending is not None else None


# A wording the page carries but hides (the one of "Who is filling in this form?" not chosen).
_HIDDEN_WORDING = re.compile(r'<span data-wording="[a-z]+" hidden>.*?</span>', re.S)


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
        # A label that is markup (a catalogue wording, escaped, with its emphasis, and the
        # wording of "Who is filling in this form?" not chosen, hidden) becomes its text: tags
        # stripped and entities decoded, or "A&E" would show as "A&amp;E" (issue 19).
        label = str(field.label or "")
        if isinstance(label, SafeString):
            label = html.unescape(strip_tags(_HIDDEN_WORDING.sub("", label)))
        label = label.replace(_("(optional)"), "").strip().rstrip("?:.").strip()
        for message in form.errors[name]:
            items.append((anchor, label, str(message)))
    return items


# Longest value kept of one field typed on an interrupted page or a page saved for later (the
# fields' own limits are smaller; this only stops a forged post from filling the row), and
# the most fields kept of one page.
HELD_VALUE_MAX = 5000
HELD_FIELDS_MAX = 200


def _typed(request: HttpRequest, form: StepForm) -> dict[str, list[str]]:
    """The page as posted, field name → values: the form's fields (and the parts of a field
    typed in several boxes, "<name>_<part>"), nothing else."""
    names = set(form.fields) - {"website"}
    typed = {
        name: [value[:HELD_VALUE_MAX] for value in values]
        for name, values in request.POST.lists()
        if name in names or name.rsplit("_", 1)[0] in names
    }
    return dict(list(typed.items())[:HELD_FIELDS_MAX])


def _as_form_data(data: object) -> MultiValueDict[str, str] | None:
    if not isinstance(data, dict):
        return None
    return MultiValueDict(
        {str(k): [str(v) for v in values] for k, values in data.items() if isinstance(values, list)}
    )


def _held_form_data(
    submission: Submission, page: steps.FormStep
) -> MultiValueDict[str, str] | None:
    """What the patient typed on this page before an emergency answer interrupted it."""
    held = submission.held_input or {}
    if held.get("step") != page.code:
        return None
    if page.page and steps.page_for(page.code, str(held.get("page", ""))) != page:
        return None  # held on another page of the same step
    return _as_form_data(held.get("data"))


def _typed_form_data(
    submission: Submission, page: steps.FormStep
) -> MultiValueDict[str, str] | None:
    """What the patient typed on this page when they saved it for later (issue 19)."""
    return _as_form_data(((submission.typed_input or {}).get("pages") or {}).get(page.key))


def _interrupt_if_emergency(
    request: HttpRequest, submission: Submission, form: StepForm, *, to_check: bool = False
) -> HttpResponse | None:
    """Validation never stands between a patient and the emergency advice (issue 15).

    A page that failed validation is still triaged: the saved answers plus every answer on it
    that is valid on its own. If that fires an EMERGENCY rule not yet shown, those answers are
    saved, the on-call team alerted, what was typed is held for when the patient carries on,
    and the patient goes straight to the advice. Otherwise nothing is saved (None).
    """
    hold = {
        "step": form.step.code,
        "page": form.step.page,
        "data": _typed(request, form),
        "to_check": to_check,
    }
    saved = drafts.submission_save_step(
        submission=submission,
        step_answers=form.valid_answers,
        identity=form.valid_identity if form.step.collects_identity else None,
        hold=hold,
    )
    if saved.interrupt:
        return redirect("intake:urgent", token=submission.token)
    return None


def _bad_request(request: HttpRequest) -> HttpResponse:
    html = render(request, "questionnaire/bad_request.html").content
    return HttpResponseBadRequest(html)


# --- Start ---------------------------------------------------------------------------------------


# How long the form takes, as the start page says: the median of timed complete journeys of the
# browser tests' vignettes, rounded up to whole 5 minutes (bench/journey_time.py; bench/README.md
# says how it was measured and when, issue 19). Measure again when the questions change.
FORM_MINUTES = 20


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The start page: what the form is for, how long it takes, emergency advice, privacy."""
    return render(request, "questionnaire/start.html", {"minutes": FORM_MINUTES})


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
    first = redirect(_step_url(submission, steps.PAGES[0]))
    return _allow(request, first, submission.token)


# --- The privacy notice (issue 18) --------------------------------------------------------------


def period_in_words(days: int) -> str:
    """A retention period as a patient reads it: whole years when it is one ("8 years" for
    2922 days, leap days and all), else days ("90 days")."""
    years = round(days / 365.25)
    if years >= 1 and abs(days - years * 365.25) < 1.5:
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: who holds the patient's data and why, for how long, their rights and
    whom to ask. The wording is the template's; the clinic's own details and the retention
    periods come from the settings, so the notice says what the retention job does."""
    return render(
        request,
        "questionnaire/privacy.html",
        {
            "clinic_address": settings.CLINIC_ADDRESS,
            "clinic_phone": settings.CLINIC_PHONE,
            "dpo_name": settings.CLINIC_DPO_NAME,
            "dpo_email": settings.CLINIC_DPO_EMAIL,
            "dpo_address": settings.CLINIC_DPO_ADDRESS,
            "retention": period_in_words(settings.CLINIC_RETENTION_DAYS),
            "message_retention": period_in_words(settings.CLINIC_MESSAGE_RETENTION_DAYS),
            "audit_retention": period_in_words(settings.CLINIC_AUDIT_RETENTION_DAYS),
            "draft_retention": period_in_words(settings.CLINIC_DRAFT_LIFETIME_DAYS),
        },
    )


# --- Steps ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@draft_view
def step(request: HttpRequest, submission: Submission, step: str, page: str = "") -> HttpResponse:
    """One questionnaire page: GET shows saved answers; POST validates, saves, redirects.

    "Save and come back later" saves without validating (issue 19): the answers valid on their
    own are saved and triaged (an emergency answer still interrupts), the page as typed is kept
    to be shown again, and the patient is emailed a link.
    """
    if not submission.is_draft:
        return redirect("intake:done", token=submission.token)
    if step == steps.CONSENT_STEP:
        return redirect("intake:check", token=submission.token)
    current = steps.page_for(step, page)
    if current is None:
        raise Http404
    to_check = request.GET.get("return") == "check"
    if page and current.page_number == 1:  # the first page lives at the step's own address
        return redirect(_step_url(submission, current, to_check=to_check))
    answers, identity = submission.answers, submission.identity
    # Pages out of order: never show (or accept) a page before the earlier ones are done.
    before = steps.progress(answers, identity)
    pending = before.first_incomplete
    if pending is not None and steps.is_before(pending, current):
        return redirect(_step_url(submission, pending))
    if current not in before.pages:
        return redirect(_continue_url(submission))
    row = _changed_row(request) if to_check else None
    today = timezone.localdate()

    if request.method == "POST":
        form = StepForm(request.POST, step=current, saved=answers, identity=identity, today=today)
        valid = form.is_valid()
        if form.is_bot:
            return _bad_request(request)
        if form.under_18:
            return redirect("intake:adults_only", token=submission.token)
        if request.POST.get("action") == "save_for_later":
            return _save_for_later(request, submission, form, valid=valid, to_check=to_check)
        if valid:
            saved = drafts.submission_save_step(
                submission=submission,
                step_answers=form.step_answers,
                identity=form.identity if current.collects_identity else None,
                page=current.key,
            )
            if saved.interrupt:
                return redirect("intake:urgent", token=submission.token)
            if to_check:
                return redirect(_to_row(_continue_url(submission, to_check=True), row))
            # Pages only: the next page is decided by what is shown, not by what is complete.
            following = steps.progress(
                submission.answers, submission.identity, pages_only=True
            ).next_after(current.key)
            if following is None:
                return redirect("intake:check", token=submission.token)
            return redirect(_step_url(submission, following))
        if interrupted := _interrupt_if_emergency(request, submission, form, to_check=to_check):
            return interrupted
    elif (held := _held_form_data(submission, current)) is not None:
        # Back from the emergency advice: the page as typed, with its errors, shown now.
        form = StepForm(held, step=current, saved=answers, identity=identity, today=today)
        form.is_valid()
    elif (typed := _typed_form_data(submission, current)) is not None:
        # Saved for later: the page as typed, its errors only once Continue is pressed.
        form = StepForm(
            typed, step=current, saved=answers, identity=identity, today=today
        ).without_errors()
    else:
        form = StepForm(step=current, saved=answers, identity=identity, today=today)
    return _step_page(request, submission, current, form, before, to_check=to_check, row=row)


def _step_page(
    request: HttpRequest,
    submission: Submission,
    current: steps.FormStep,
    form: StepForm,
    progress: steps.Progress,
    *,
    to_check: bool,
    row: str | None = None,
) -> HttpResponse:
    """A questionnaire page, with where it stands: "Step 2 of 10", and for a short page of a
    step asked on several, "page 3 of 6" (of the pages of that step this patient sees)."""
    previous = progress.before(current.key)
    back_url = (
        _to_row(reverse("intake:check", args=[submission.token]), row)
        if to_check
        else (_step_url(submission, previous) if previous else reverse("intake:start"))
    )
    step_pages = progress.pages_of(current.code)
    context = {
        "submission": submission,
        "page": current,
        "form": form,
        "errors": _error_summary(form) if form.is_bound else [],
        "back_url": back_url,
        "step_count": progress.step_count,
        "step_index": progress.step_number(current.code),
        "page_count": len(step_pages),
        "page_index": step_pages.index(current) + 1,
        "context_answers": {"age_years": submission.answers.get("age_years")},
        "emergency": _emergency_banner(submission),
    }
    return render(request, "questionnaire/step.html", context)


def _save_for_later(
    request: HttpRequest, submission: Submission, form: StepForm, *, valid: bool, to_check: bool
) -> HttpResponse:
    """Save the page as it is, valid or not, and email the link to carry on.

    A valid page is saved as Continue saves it. Otherwise the answers valid on their own are
    saved, and the page as typed is kept to be shown again (`typed_input`): an invalid value
    never reaches the answers or the engine. Either way the answers are triaged: an emergency
    answer interrupts (the advice first; the link is still sent, as asked).
    """
    page = form.step
    saved = drafts.submission_save_step(
        submission=submission,
        step_answers=form.step_answers if valid else form.valid_answers,
        identity=(form.identity if valid else form.valid_identity)
        if page.collects_identity
        else None,
        page=page.key,
        typed=None if valid else _typed(request, form),
        to_check=to_check,
    )
    try:
        drafts.submission_send_resume_link(submission=submission)
    except ValidationError as error:
        if saved.interrupt:
            return redirect("intake:urgent", token=submission.token)
        return render(
            request,
            "questionnaire/saved.html",
            {
                "submission": submission,
                "problem": error.messages[0],
                "continue_url": _continue_url(submission),
            },
            status=400,
        )
    if saved.interrupt:
        return redirect("intake:urgent", token=submission.token)
    return redirect("intake:saved", token=submission.token)


def _by_a_helper(submission: Submission) -> bool:
    """Whether someone is filling in the form for the patient (the third-person wording)."""
    return bool(submission.answers.get(COMPLETED_BY) == HELPER)


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
    # Issue 19: a back link (the last page) and "Step N of M", counted as every page counts.
    shown = steps.progress(submission.answers, submission.identity, pages_only=True)
    context = {
        "submission": submission,
        "back_url": _step_url(submission, shown.pages[-1])
        if shown.pages
        else reverse("intake:start"),
        "step_index": shown.step_number(steps.CONSENT_STEP),
        "step_count": shown.step_count,
        "summary": summary.summarise(
            submission.answers, submission.identity, helper=_by_a_helper(submission)
        ),
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
            helper=_by_a_helper(submission),
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
