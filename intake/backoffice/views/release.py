"""Accept or dismiss one ruleset change (spec §2.7): GET shows the case and a reason box, POST
decides.

`triage_release` never lowers a tier: it lists each fall for a clinician. Seeing a change needs
`intake.view_clinical_detail` (tiers and rule codes are clinical detail); deciding needs
`intake.triage_submission` as well. Both are checked on the server; the decision goes through
`intake/ruleset_release.py`, which audits it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import ruleset_release
from intake.backoffice.display import rule_codes, tier_badge_html
from intake.backoffice.forms import ReasonForm
from intake.backoffice.permissions import may_decide_ruleset_changes
from intake.backoffice.views.base import admin_page, by_staff
from intake.models import RulesetChange

# URL slug -> (service, button text, message when done)
DECISIONS = {
    "accept": (
        ruleset_release.ruleset_change_accept,
        gettext_lazy("Accept: apply the lower tier"),
        gettext_lazy("Accepted: the case now has the new ruleset's triage."),
    ),
    "dismiss": (
        ruleset_release.ruleset_change_dismiss,
        gettext_lazy("Dismiss: keep the current tier"),
        gettext_lazy("Dismissed: the case keeps its tier."),
    ),
}


def decide(request: HttpRequest, change_id: int, decision: str) -> HttpResponse:
    """Accept or dismiss one change, with a reason."""
    if decision not in DECISIONS:
        raise Http404
    if not may_decide_ruleset_changes(request):
        raise PermissionDenied
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    change = get_object_or_404(
        RulesetChange.objects.select_related("submission", "decided_by"), pk=change_id
    )
    service, button, done = DECISIONS[decision]
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(change=change, reason=form.cleaned_data["reason"], **by_staff(request))
        except ValidationError as error:
            form.add_error(None, error)
            change.refresh_from_db()
        else:
            messages.success(request, str(done))
            return HttpResponseRedirect(reverse("admin:intake_rulesetchange_changelist"))
    context = {
        "title": _("%(button)s – %(case)s") % {"button": button, "case": change.submission},
        "opts": RulesetChange._meta,
        "change": change,
        "decision": decision,
        "button": button,
        "form": form,
        "errors": [*form.non_field_errors(), *form.errors.get("reason", [])],
        "old_badge": tier_badge_html(change.old_tier),
        "new_badge": tier_badge_html(change.new_tier),
        "old_rules": rule_codes(change.old_rules),
        "new_rules": rule_codes(change.new_rules),
        "pending": change.decision == RulesetChange.Decision.PENDING,
        "overridden": change.submission.overridden_at is not None,
    }
    return admin_page(request, "admin/intake/rulesetchange/decide.html", context)
