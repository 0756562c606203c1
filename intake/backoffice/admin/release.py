"""The "Ruleset changes" page (spec §2.7): cases whose tier would fall under a released ruleset.

`triage_release` never lowers a tier: it lists each fall here for a clinician, who accepts it
(the case takes the new ruleset's triage) or dismisses it (the case keeps its tier), with a
reason, on the decision page (`intake/backoffice/views/release.py`). The page holds tiers and
rule codes, so only users who may see clinical detail (`intake.view_clinical_detail`) see it at
all; the decision buttons are shown to those who may decide (`intake.triage_submission`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice.admin.base import ReadOnlyAdmin
from intake.backoffice.display import rule_codes, tier_badge_html
from intake.backoffice.permissions import can_see_ruleset_changes, can_triage
from intake.models import RulesetChange

Decision = RulesetChange.Decision


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
        return can_see_ruleset_changes(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_see_ruleset_changes(request)

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
            "<code>{}</code> → <code>{}</code>",
            rule_codes(obj.old_rules),
            rule_codes(obj.new_rules),
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
