"""Staff UI for a ruleset release (spec §2.7): the "Ruleset changes" page and its two decisions.

Registered from `intake/admin.py`. `triage_release` never lowers a tier: it lists each fall here
for a clinician, who accepts it (the case takes the new ruleset's triage) or dismisses it (the
case keeps its tier), with a reason. The page holds tiers and rule codes, so only users who may see
clinical detail (`intake.view_clinical_detail`) see it at all; deciding needs
`intake.triage_submission`. Both are checked on the server; every decision goes through
`intake/ruleset_release.py` and is audited there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import roles, ruleset_release
from intake.backoffice.admin.submissions import (
    ReadOnlyAdmin,
    ReasonForm,
    can_triage,
    staff_member,
    tier_badge_html,
)
from intake.models import RulesetChange
from intake.ratelimit import client_address

Decision = RulesetChange.Decision

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


def can_see_changes(request: HttpRequest) -> bool:
    """Tiers and rule codes are clinical detail: receptionists never see this page."""
    return request.user.has_perm(roles.VIEW_CLINICAL_DETAIL)


class DecisionFilter(admin.SimpleListFilter):
    """Decision, defaulting to "waiting for a clinician": the work still to do."""

    title = gettext_lazy("decision")
    parameter_name = "decision"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*Decision.choices, (self.ALL, _("All"))]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or Decision.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or Decision.PENDING
        if value in Decision.values:
            return queryset.filter(decision=value)
        return queryset


def _codes(codes: list[str]) -> str:
    return " ".join(codes) if codes else "—"


@admin.register(RulesetChange)
class RulesetChangeAdmin(ReadOnlyAdmin):
    """Cases whose tier would fall under a released ruleset, and what a clinician decided."""

    list_display = (
        "case",
        "from_ruleset",
        "to_ruleset",
        "old_tier_badge",
        "new_tier_badge",
        "rules",
        "created_at",
        "decision_text",
    )
    list_display_links = None
    list_filter = (DecisionFilter, "to_ruleset")
    search_fields = ("submission__reference",)
    search_help_text = gettext_lazy("Reference (exact).")
    list_select_related = ("submission", "decided_by")
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-created_at", "-id")

    class Media:
        css = {"all": ("intake/css/admin.css",)}

    # -- permissions: clinical detail to see, triage to decide --

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_see_changes(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_see_changes(request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        return queryset.filter(submission__reference=term), False

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        columns = tuple(self.list_display)
        if can_triage(request):
            columns += ("decide",)
        return columns

    # -- columns --

    @admin.display(description=gettext_lazy("case"), ordering="submission_id")
    def case(self, obj: RulesetChange) -> str:
        url = reverse("admin:intake_submission_change", args=[obj.submission_id])
        return format_html('<a href="{}">{}</a>', url, obj.submission)

    @admin.display(description=gettext_lazy("current tier"), ordering="old_tier")
    def old_tier_badge(self, obj: RulesetChange) -> str:
        return tier_badge_html(obj.old_tier)

    @admin.display(description=gettext_lazy("tier under the new ruleset"), ordering="new_tier")
    def new_tier_badge(self, obj: RulesetChange) -> str:
        return tier_badge_html(obj.new_tier)

    @admin.display(description=gettext_lazy("rules (current → new)"))
    def rules(self, obj: RulesetChange) -> str:
        return format_html(
            "<code>{}</code> → <code>{}</code>", _codes(obj.old_rules), _codes(obj.new_rules)
        )

    @admin.display(description=gettext_lazy("decision"), ordering="decision")
    def decision_text(self, obj: RulesetChange) -> str:
        if obj.decision == Decision.PENDING:
            return str(obj.get_decision_display())
        who = obj.decided_by.get_username() if obj.decided_by else "—"
        return f"{obj.get_decision_display()} ({who})"

    @admin.display(description=gettext_lazy("decide"))
    def decide(self, obj: RulesetChange) -> str:
        if obj.decision != Decision.PENDING:
            return "—"
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            (
                (reverse("admin:intake_rulesetchange_decide", args=[obj.pk, slug]), label)
                for slug, label in (("accept", _("Accept")), ("dismiss", _("Dismiss")))
            ),
        )

    # -- the decision page --

    def get_urls(self) -> list[Any]:
        urls = [
            path(
                "<int:change_id>/decide/<slug:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="intake_rulesetchange_decide",
            )
        ]
        return urls + super().get_urls()

    def decide_view(self, request: HttpRequest, change_id: int, decision: str) -> HttpResponse:
        """Accept or dismiss one change: GET shows the case and a reason box, POST decides."""
        return decide(self, request, change_id, decision)


def decide(
    model_admin: RulesetChangeAdmin, request: HttpRequest, change_id: int, decision: str
) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404
    if not (model_admin.has_view_permission(request) and can_triage(request)):
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
            service(
                change=change,
                reason=form.cleaned_data["reason"],
                actor=staff_member(request),
                ip_address=client_address(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            change.refresh_from_db()
        else:
            messages.success(request, str(done))
            return HttpResponseRedirect(reverse("admin:intake_rulesetchange_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(button)s – %(case)s") % {"button": button, "case": change.submission},
        "opts": model_admin.opts,
        "change": change,
        "decision": decision,
        "button": button,
        "form": form,
        "errors": [*form.non_field_errors(), *form.errors.get("reason", [])],
        "old_badge": tier_badge_html(change.old_tier),
        "new_badge": tier_badge_html(change.new_tier),
        "old_rules": _codes(change.old_rules),
        "new_rules": _codes(change.new_rules),
        "pending": change.decision == Decision.PENDING,
        "overridden": change.submission.overridden_at is not None,
    }
    return TemplateResponse(request, "admin/intake/rulesetchange/decide.html", context)
