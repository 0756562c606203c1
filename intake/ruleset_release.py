"""Releasing a ruleset (spec §2.7): check a new ruleset against every stored case, then apply it.

Three steps, each run with the new ruleset in the running code (`intake.triage.RULESET_VERSION`
is read from the engine, never written here):

- `ruleset_replay` (the `triage_replay` command, before go-live) re-evaluates every stored case,
  sent forms and drafts with answers, and reports old tier → new tier, rules that newly fire or
  stop firing, and every case whose tier would go down. It writes nothing to the database, and
  reads in batches by keyset pagination on the primary key, so memory stays flat however many
  rows there are.
- `ruleset_release` (the `triage_release` command, at go-live) applies the ruleset to the cases
  still awaiting review: a tier that rises is raised at once, audited and alerted like a new
  case; a tier that would fall is never lowered, but listed as a `RulesetChange` for a clinician.
- `ruleset_change_accept` / `ruleset_change_dismiss` record that clinician's decision.

Writes follow the services conventions (`intake/services/`): keyword-only arguments, one
transaction per case with the row locked (`select_for_update`) and re-checked before it changes,
an audit event for every change (tiers, ruleset versions and rule codes only: never answers), and
staff alerts written to the outbox in the same transaction. A case that is not changed keeps the
ruleset version it was triaged under.

"Rises" and "falls" compare the new engine tier with both the stored engine tier and the tier
staff work to (the same unless a clinician overrode it), so a release acts only where the new
ruleset changes the engine's answer and that change matters to the working tier: a clinician's
override is never re-raised, nor listed, merely because the engine still disagrees with it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import clinical, triage
from intake.models import (
    AWAITING_REVIEW_Q,
    TIER_RANK,
    AuditEvent,
    RulesetChange,
    Submission,
)
from intake.services import audit, escalation

# Rows read per query: big enough that the round trips do not matter, small enough that a
# batch of answer sets (a few kB each) stays a few megabytes.
REPLAY_BATCH = 2000

UP, DOWN, SAME = "up", "down", "same"
NO_TIER = "—"  # a draft with no stored tier, in reports

# What a release or an accepted change writes on the submission row.
ENGINE_FIELDS = (
    "ruleset_version",
    "engine_tier",
    "fired_rules",
    "reasons",
    "scores",
    "tier",
    "tier_rank",
    "updated_at",
)


def running_ruleset() -> str:
    """The ruleset version of the engine in the running code."""
    return triage.RULESET_VERSION


def _rank(tier: str) -> int:
    """Queue rank of a stored tier; 0 for none (a draft never triaged), below every tier."""
    return TIER_RANK.get(tier, 0)


def tier_direction(old: str, new: str) -> str:
    """`up`, `down` or `same`; a case with no stored tier can only go up (or stay none)."""
    if _rank(new) > _rank(old):
        return UP
    if _rank(new) < _rank(old):
        return DOWN
    return SAME


def _evaluate(answers: Any, submitted_at: Any, updated_at: Any) -> triage.TriageResult:
    # The time only changes the URGENT wording (opening hours), never the tier or the rules;
    # the time the form was sent (or last saved) makes a replay repeatable.
    return clinical.evaluate(answers or {}, now=submitted_at or updated_at)


# --- Replay (reads only) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayCase:
    """One stored case re-evaluated: ids, tiers and rule codes only, never answers or names."""

    id: int
    reference: str | None
    status: str
    ruleset_version: str
    old_tier: str
    new_tier: str
    old_rules: tuple[str, ...]
    new_rules: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.reference or f"draft #{self.id}"

    @property
    def direction(self) -> str:
        return tier_direction(self.old_tier, self.new_tier)

    @property
    def rules_added(self) -> list[str]:
        old = set(self.old_rules)
        return [code for code in self.new_rules if code not in old]

    @property
    def rules_removed(self) -> list[str]:
        new = set(self.new_rules)
        return [code for code in self.old_rules if code not in new]


@dataclass
class ReplayReport:
    """Totals of a replay. `downs` lists only the cases whose tier would go down."""

    ruleset_version: str
    cases: int = 0
    batches: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    rules_added: Counter[str] = field(default_factory=Counter)
    rules_removed: Counter[str] = field(default_factory=Counter)
    directions: Counter[str] = field(default_factory=Counter)
    downs: list[ReplayCase] = field(default_factory=list)

    def add(self, case: ReplayCase) -> None:
        self.cases += 1
        self.transitions[(case.old_tier or NO_TIER, case.new_tier)] += 1
        self.rules_added.update(case.rules_added)
        self.rules_removed.update(case.rules_removed)
        self.directions[case.direction] += 1
        if case.direction == DOWN:
            self.downs.append(case)


REPLAY_COLUMNS = (
    "pk",
    "reference",
    "status",
    "ruleset_version",
    "engine_tier",
    "fired_rules",
    "answers",
    "submitted_at",
    "updated_at",
)


def replay_filter(*, since: dt.date | None = None, statuses: Collection[str] = ()) -> Q:
    """Stored cases a replay may cover: sent forms and drafts (`ruleset_replay_cases` leaves
    out drafts without an answer: the answers are encrypted, so SQL cannot tell, issue 18).

    `since`: submitted on or after that day (a draft: created on or after it), in the clinic's
    time zone. `statuses`: Submission.Status values, "draft" included; empty means all.
    """
    query = Q()
    if statuses:
        query &= Q(status__in=list(statuses))
    if since is not None:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        query &= Q(submitted_at__gte=start) | Q(
            status=Submission.Status.DRAFT, submitted_at__isnull=True, created_at__gte=start
        )
    return query


def ruleset_replay_cases(
    *,
    since: dt.date | None = None,
    statuses: Collection[str] = (),
    batch_size: int = REPLAY_BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> Iterator[ReplayCase]:
    """Every stored case in the selection (but drafts without an answer), re-evaluated by the
    running ruleset, in id order.

    Reads `batch_size` rows per query (keyset pagination on the primary key, just the columns
    needed), so memory does not grow with the table. Writes nothing. `on_batch` is called with
    the size of each batch read (for progress and tests).
    """
    rows = (
        Submission.objects.filter(replay_filter(since=since, statuses=statuses))
        .order_by("pk")
        .values_list(*REPLAY_COLUMNS)
    )
    last = 0
    while True:
        read = 0
        # Rows are decoded one at a time as the batch is walked (`iterator`), so at most one
        # batch of raw rows and one decoded answer set are held at once.
        batch = rows.filter(pk__gt=last)[:batch_size].iterator(chunk_size=batch_size)
        for pk, reference, status, version, old_tier, old_rules, answers, sent, saved in batch:
            read += 1
            last = pk
            if status == Submission.Status.DRAFT and not answers:
                continue  # a draft nobody has answered anything on yet: nothing to replay
            result = _evaluate(answers, sent, saved)
            yield ReplayCase(
                id=pk,
                reference=reference,
                status=status,
                ruleset_version=version,
                old_tier=old_tier,
                new_tier=result.tier.name,
                old_rules=tuple(old_rules or ()),
                new_rules=result.fired,
            )
        if read and on_batch is not None:
            on_batch(read)
        if read < batch_size:
            return


def ruleset_replay(
    *,
    since: dt.date | None = None,
    statuses: Collection[str] = (),
    batch_size: int = REPLAY_BATCH,
    on_case: Callable[[ReplayCase], None] | None = None,
) -> ReplayReport:
    """Re-evaluate the stored cases under the running ruleset and count what would change.

    Reads only (see `ruleset_replay_cases`); `on_case` sees every case (the CSV writer).
    """
    report = ReplayReport(ruleset_version=running_ruleset())

    def count_batch(size: int) -> None:
        report.batches += 1

    for case in ruleset_replay_cases(
        since=since, statuses=statuses, batch_size=batch_size, on_batch=count_batch
    ):
        report.add(case)
        if on_case is not None:
            on_case(case)
    return report


# --- Release (go-live) -----------------------------------------------------------------------

RAISED, FALL_LISTED, FALL_ALREADY_LISTED, UNCHANGED, GONE = (
    "raised",
    "fall_listed",
    "fall_already_listed",
    "unchanged",
    "gone",
)


@dataclass
class ReleaseSummary:
    """What a release did, by case id."""

    ruleset_version: str
    raised: list[int] = field(default_factory=list)
    falls_listed: list[int] = field(default_factory=list)
    falls_already_listed: list[int] = field(default_factory=list)
    unchanged: int = 0
    gone: int = 0  # left the queue between the read and the lock

    def count(self, outcome: str, pk: int) -> None:
        if outcome == RAISED:
            self.raised.append(pk)
        elif outcome == FALL_LISTED:
            self.falls_listed.append(pk)
        elif outcome == FALL_ALREADY_LISTED:
            self.falls_already_listed.append(pk)
        elif outcome == GONE:
            self.gone += 1
        else:
            self.unchanged += 1


def _release_outcome(*, working: str, engine: str, new: str) -> str:
    """Raise, list as a fall, or leave alone: see the module docstring for why both tiers count."""
    old_engine = engine or working
    if _rank(new) > _rank(working) and _rank(new) > _rank(old_engine):
        return RAISED
    if _rank(new) < _rank(working) and _rank(new) < _rank(old_engine):
        return FALL_LISTED
    return UNCHANGED


RELEASE_COLUMNS = ("pk", "tier", "engine_tier", "answers", "submitted_at", "updated_at")


def ruleset_release(*, batch_size: int = REPLAY_BATCH) -> ReleaseSummary:
    """Apply the running ruleset to every case awaiting review (spec §2.7).

    Side effects, per case, each in its own transaction (the row locked and re-evaluated first):
    a tier that rises is stored with the new triage, an audit event (old and new ruleset, tier
    and rules) and a staff alert for the new tier; a tier that would fall is left as it is and a
    pending `RulesetChange` is written (once per case and ruleset) and audited. Drafts without a
    stored tier are skipped. Running it again changes nothing.
    """
    version = running_ruleset()
    summary = ReleaseSummary(ruleset_version=version)
    rows = (
        Submission.objects.filter(AWAITING_REVIEW_Q)
        .exclude(tier="")
        .order_by("pk")
        .values_list(*RELEASE_COLUMNS)
    )
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:batch_size])
        for pk, working, engine, answers, sent, saved in batch:
            new = _evaluate(answers, sent, saved).tier.name
            if _release_outcome(working=working, engine=engine, new=new) == UNCHANGED:
                summary.count(UNCHANGED, pk)
            else:
                summary.count(_release_one(pk=pk, version=version), pk)
        if len(batch) < batch_size:
            return summary
        last = batch[-1][0]


def _snapshot(submission: Submission) -> dict[str, object]:
    return {
        "ruleset_version": submission.ruleset_version,
        "tier": submission.tier,
        "engine_tier": submission.engine_tier,
        "fired": list(submission.fired_rules or []),
    }


@transaction.atomic
def _release_one(*, pk: int, version: str) -> str:
    """Raise one case, or list its fall, after locking the row and re-checking it."""
    locked = (
        Submission.objects.select_for_update().filter(AWAITING_REVIEW_Q, pk=pk).exclude(tier="")
    ).first()
    if locked is None:
        return GONE
    result = _evaluate(locked.answers, locked.submitted_at, locked.updated_at)
    new = result.tier.name
    outcome = _release_outcome(working=locked.tier, engine=locked.engine_tier, new=new)
    if outcome == RAISED:
        _raise(locked, result)
    elif outcome == FALL_LISTED:
        outcome = _list_fall(locked, result, version=version)
    return outcome


def _raise(submission: Submission, result: triage.TriageResult) -> None:
    old = _snapshot(submission)
    overridden = submission.overridden_at is not None
    clinical.store_result(submission, result)
    # Safety first: a clinician's override never holds a case below what the new ruleset says.
    # The override's reason and author stay on the row and in the history.
    submission.tier = result.tier.name
    submission.tier_rank = TIER_RANK[result.tier.name]
    submission.save(update_fields=ENGINE_FIELDS)
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.RULESET,
        submission=submission,
        changed_fields=[f for f in ENGINE_FIELDS if f != "updated_at"],
        details={
            "outcome": RAISED,
            "from_ruleset": old["ruleset_version"],
            "to_ruleset": result.ruleset_version,
            "old_tier": old["tier"],
            "new_tier": submission.tier,
            "old_engine_tier": old["engine_tier"],
            "old_rules": old["fired"],
            "new_rules": list(result.fired),
            "raised_over_clinician_override": overridden,
        },
    )
    # Alerted like a new case of the raised tier, even if the case alerted mid-form before.
    escalation.staff_alert_add(submission, tier=submission.tier, again=True)


def _list_fall(submission: Submission, result: triage.TriageResult, *, version: str) -> str:
    change, created = RulesetChange.objects.get_or_create(
        submission=submission,
        to_ruleset=version,
        defaults={
            "from_ruleset": submission.ruleset_version,
            "old_tier": submission.tier,
            "new_tier": result.tier.name,
            "old_rules": list(submission.fired_rules or []),
            "new_rules": list(result.fired),
        },
    )
    if not created:
        return FALL_ALREADY_LISTED
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.RULESET,
        submission=submission,
        details={
            "outcome": FALL_LISTED,
            "ruleset_change": change.pk,
            "from_ruleset": change.from_ruleset,
            "to_ruleset": change.to_ruleset,
            "old_tier": change.old_tier,
            "new_tier": change.new_tier,
            "old_rules": change.old_rules,
            "new_rules": change.new_rules,
        },
    )
    return FALL_LISTED


# --- A clinician's decision on a fall ----------------------------------------------------------


def _locked_pending(change: RulesetChange) -> RulesetChange:
    locked = RulesetChange.objects.select_for_update().get(pk=change.pk)
    if locked.decision != RulesetChange.Decision.PENDING:
        who = locked.decided_by.get_username() if locked.decided_by else _("someone")
        when = timezone.localtime(locked.decided_at) if locked.decided_at else None
        raise ValidationError(
            _("This change was already decided (%(decision)s) by %(who)s on %(when)s.")
            % {
                "decision": locked.get_decision_display().lower(),
                "who": who,
                "when": f"{when:%d %b %Y %H:%M}" if when else "—",
            }
        )
    return locked


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError(_("Give a reason."))
    return reason.strip()


def _decide(
    change: RulesetChange, *, decision: str, reason: str, actor: User, now: dt.datetime
) -> None:
    change.decision = decision
    change.reason = reason
    change.decided_by = actor
    change.decided_at = now
    change.save(update_fields=["decision", "reason", "decided_by", "decided_at"])


@transaction.atomic
def ruleset_change_accept(
    *,
    change: RulesetChange,
    reason: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> RulesetChange:
    """Apply the lower tier of a pending change: the case takes the new ruleset's triage.

    If a clinician had overridden the case's tier, the override stays the working tier and only
    the engine's fields (ruleset, engine tier, rules, reasons, scores) are updated. Refused
    (ValidationError) without a reason, when already decided, or when the running ruleset or the
    case's answers no longer give the change's tier. Side effects: the case row, the change
    row, an audit event (tiers and rule codes; the reason stays on the change row).
    """
    reason = _require_reason(reason)
    locked = _locked_pending(change)
    submission = Submission.objects.select_for_update().get(pk=locked.submission_id)
    result = _evaluate(submission.answers, submission.submitted_at, submission.updated_at)
    if result.ruleset_version != locked.to_ruleset or result.tier.name != locked.new_tier:
        raise ValidationError(
            _(
                "The running ruleset (%(version)s) now gives this case %(tier)s, not what this "
                "change lists. Run triage_release again and decide the new entry."
            )
            % {"version": result.ruleset_version, "tier": result.tier.name}
        )
    old = _snapshot(submission)
    overridden = submission.overridden_at is not None
    clinical.store_result(submission, result)  # keeps an override as the working tier
    submission.save(update_fields=ENGINE_FIELDS)
    _decide(
        locked,
        decision=RulesetChange.Decision.ACCEPTED,
        reason=reason,
        actor=actor,
        now=now or timezone.now(),
    )
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.RULESET,
        submission=submission,
        changed_fields=[f for f in ENGINE_FIELDS if f != "updated_at"],
        details={
            "outcome": RulesetChange.Decision.ACCEPTED,
            "ruleset_change": locked.pk,
            "from_ruleset": old["ruleset_version"],
            "to_ruleset": result.ruleset_version,
            "old_tier": old["tier"],
            "new_tier": submission.tier,
            "new_engine_tier": submission.engine_tier,
            "old_rules": old["fired"],
            "new_rules": list(result.fired),
            "clinician_override_kept": overridden,
        },
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def ruleset_change_dismiss(
    *,
    change: RulesetChange,
    reason: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> RulesetChange:
    """Keep the case's tier and ruleset: the fall is dismissed, with a required reason.

    Refused (ValidationError) without a reason or when already decided. Side effects: the
    change row and an audit event (the reason stays on the change row).
    """
    reason = _require_reason(reason)
    locked = _locked_pending(change)
    _decide(
        locked,
        decision=RulesetChange.Decision.DISMISSED,
        reason=reason,
        actor=actor,
        now=now or timezone.now(),
    )
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.RULESET,
        submission=locked.submission,
        details={
            "outcome": RulesetChange.Decision.DISMISSED,
            "ruleset_change": locked.pk,
            "to_ruleset": locked.to_ruleset,
            "kept_tier": locked.old_tier,
            "new_tier": locked.new_tier,
        },
        ip_address=ip_address,
    )
    return locked


def ruleset_change_list() -> Any:
    """Ruleset changes with their case (one query for the list page)."""
    return RulesetChange.objects.select_related("submission", "decided_by")
