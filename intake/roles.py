"""Staff roles: the Django groups and the permissions each one has, defined here and only here.

Permissions are checked on the server (the admin and our views call `has_perm`), never only
hidden in templates. `intake.view_clinical_detail` guards answers, free text, scores and reasons.

After changing ROLES run `python manage.py sync_roles` (and add a migration that calls
`sync_roles`, as 0015 does, so every database gets the change with `migrate`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TRIAGE_CLINICIAN = "Triage clinician"
RECEPTIONIST = "Receptionist"
CLINIC_ADMIN = "Clinic admin"

VIEW_CLINICAL_DETAIL = "intake.view_clinical_detail"
TRIAGE_SUBMISSION = "intake.triage_submission"
# The queue's CSV export: many patients' identity and contact details at once, so a permission
# of its own rather than part of "view" (issue 17). Clinic admins only: reception and triage
# work case by case, from the queue and the submission page.
EXPORT_SUBMISSION = "intake.export_submission"
# A patient's rights (issue 18): a copy of everything held about one patient (access, Art. 15
# and 20), and erasure (Art. 17). Clinic admins only; an erasure inside the retention period
# also needs a second clinic admin's confirmation (intake/services/data_rights.py).
EXPORT_PATIENT_DATA = "intake.export_patient_data"
ERASE_PATIENT_DATA = "intake.erase_patient_data"
# Booking, moving and cancelling appointments (receptionists and triage clinicians). The
# scheduling models were the core app's until issue 16: the permissions, and every group's grant
# of them, moved with their content types (scheduling's migration 0002).
BOOK_APPOINTMENT = "scheduling.add_appointment"
CHANGE_APPOINTMENT = "scheduling.change_appointment"

# The FHIR API's clients (issue 21): created, looked at and revoked (a change) by clinic admins;
# never deleted, the audit log names them (handover's migration 0002 grants these).
MANAGE_API_CLIENTS = frozenset(
    {"handover.view_apiclient", "handover.add_apiclient", "handover.change_apiclient"}
)
# Book, move and cancel, and see the diary's reference data (first granted by migration 0012).
_BOOKING = frozenset(
    {
        "scheduling.view_appointment",
        BOOK_APPOINTMENT,
        CHANGE_APPOINTMENT,
        "scheduling.view_slot",
        "scheduling.view_clinician",
        "scheduling.view_appointmenttype",
    }
)
# Clinic admins manage everything about scheduling.
_SCHEDULING_MODELS = (
    "clinician",
    "appointmenttype",
    "availabilityrule",
    "availabilityexception",
    "slot",
    "appointment",
)
_MANAGE_SCHEDULING = frozenset(
    f"scheduling.{action}_{model}"
    for model in _SCHEDULING_MODELS
    for action in ("view", "add", "change", "delete")
)

# Group name -> its permissions, as "app_label.codename" (what `has_perm` takes). A group has
# exactly these: `sync_roles` adds what is missing and removes anything else.
ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        RECEPTIONIST: frozenset(
            {
                "intake.view_patient",
                "intake.change_patient",
                "intake.view_submission",
            }
        )
        | _BOOKING,
        TRIAGE_CLINICIAN: frozenset(
            {
                "intake.view_patient",
                "intake.view_submission",
                VIEW_CLINICAL_DETAIL,
                TRIAGE_SUBMISSION,
                "intake.view_submissionnote",
                "intake.add_submissionnote",
                "intake.view_notification",
            }
        )
        | _BOOKING,
        CLINIC_ADMIN: frozenset(
            {
                "intake.view_patient",
                "intake.change_patient",
                "intake.view_submission",
                VIEW_CLINICAL_DETAIL,
                TRIAGE_SUBMISSION,
                "intake.view_submissionnote",
                "intake.add_submissionnote",
                "intake.view_notification",
                "intake.change_notification",
                "intake.view_auditevent",
                EXPORT_SUBMISSION,
                EXPORT_PATIENT_DATA,
                ERASE_PATIENT_DATA,
                "auth.view_user",
                "auth.add_user",
                "auth.change_user",
                "auth.view_group",
            }
        )
        | _MANAGE_SCHEDULING
        | MANAGE_API_CLIENTS,
    }
)


# --- What each role can see and do, in words (the group pages of the admin show it) ------------

# The clinic's figures on the admin home page (charts of the last 30 days): for whoever oversees
# the clinic, as the audit log is. Clinic admins.
SEE_CLINIC_FIGURES = "intake.view_auditevent"


@dataclasses.dataclass(frozen=True)
class Capability:
    """Something a role can do when it has all of `needs`, in words: `can` when it has them,
    `cannot` when it has none of them (a partial grant is described by neither)."""

    needs: frozenset[str]
    can: str | Promise
    cannot: str | Promise


# In the order a group page lists them. Every permission of ROLES is covered by at least one
# (tests/intake/test_roles.py), so nothing a group is given goes undescribed: the words are
# worked out from the grants, never written beside them where they could drift apart.
CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        frozenset({"intake.view_submission", "intake.view_patient"}),
        _(
            "See the triage queue, and each case's reference, patient, contact details, tier and "
            "status."
        ),
        _("Cannot see the triage queue or any case."),
    ),
    Capability(
        frozenset({VIEW_CLINICAL_DETAIL}),
        _(
            "See each case's clinical detail: the answers, free text, scores, and the rules that "
            "set its tier with their reasons."
        ),
        _(
            "Never sees clinical detail: no answers, free text, scores or reasons, on any page, "
            "search or export."
        ),
    ),
    Capability(
        frozenset({TRIAGE_SUBMISSION, "intake.view_submissionnote", "intake.add_submissionnote"}),
        _(
            "Triage: take a case, review it, change its tier with a reason, add notes, mark it "
            "triaged, refer or close it, follow up a patient who left after the emergency advice, "
            "and decide on tier changes from a new ruleset."
        ),
        _("Cannot triage or read clinical notes."),
    ),
    Capability(
        frozenset({"intake.change_patient"}),
        _("Correct a patient's contact details."),
        _("Cannot change a patient's details."),
    ),
    Capability(
        _BOOKING,
        _(
            "Book, move and cancel appointments, record who attended, and see the diary and its "
            "printable day sheet."
        ),
        _("Cannot book appointments or see the diary."),
    ),
    Capability(
        _MANAGE_SCHEDULING - _BOOKING,
        _(
            "Set up the diary: clinicians, appointment types, weekly availability, leave and "
            "clinic closures."
        ),
        _("Cannot change the diary's set-up (clinicians, appointment types, availability)."),
    ),
    Capability(
        frozenset({"intake.view_notification"}),
        _("See the messages sent to patients and staff, and which failed."),
        _("Cannot see the messages sent to patients and staff."),
    ),
    Capability(
        frozenset({"intake.change_notification"}),
        _("Send failed messages again."),
        _("Cannot send failed messages again."),
    ),
    Capability(
        frozenset({SEE_CLINIC_FIGURES}),
        _(
            "Read the audit log (who saw and changed what), and see the clinic's figures for the "
            "last 30 days on the home page."
        ),
        _("Cannot read the audit log or the clinic's figures."),
    ),
    Capability(
        frozenset({EXPORT_SUBMISSION}),
        _("Export the queue as a spreadsheet (CSV)."),
        _("Cannot export the queue."),
    ),
    Capability(
        frozenset({EXPORT_PATIENT_DATA, ERASE_PATIENT_DATA}),
        _(
            "Answer a patient's request about their data: a copy of everything held about them, "
            "and erasure (inside the retention period only with a second clinic admin's "
            "confirmation)."
        ),
        _("Cannot export or erase a patient's data."),
    ),
    Capability(
        MANAGE_API_CLIENTS,
        _(
            "Give the clinic's record system access to the read-only FHIR API: create, revoke "
            "and list its API clients (a token is shown once)."
        ),
        _("Cannot manage the FHIR API's clients."),
    ),
    Capability(
        frozenset({"auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group"}),
        _(
            "Manage staff accounts: add colleagues, give them a role, reset their sign-in "
            "methods. Access is given through the roles only: never superuser status or single "
            "permissions."
        ),
        _("Cannot manage staff accounts."),
    ),
)

# One sentence per role, for the group list and the top of the group page.
ROLE_SUMMARIES: Mapping[str, str | Promise] = MappingProxyType(
    {
        RECEPTIONIST: _(
            "Books appointments for triaged cases: sees who each patient is, how to reach them "
            "and how urgent they are, never what they answered."
        ),
        TRIAGE_CLINICIAN: _(
            "Reviews each form in full, decides its tier and what happens next, and can book."
        ),
        CLINIC_ADMIN: _(
            "Runs the clinic's system: everything a triage clinician does, plus staff accounts, "
            "the diary's set-up, the audit log, exports and the clinic's figures."
        ),
    }
)


@dataclasses.dataclass(frozen=True)
class RoleDescription:
    summary: str | Promise
    can: tuple[str | Promise, ...]
    cannot: tuple[str | Promise, ...]


def role_description(name: str) -> RoleDescription | None:
    """What the group `name` can see and do, in words; None for a group not in ROLES."""
    perms = ROLES.get(name)
    if perms is None:
        return None
    return RoleDescription(
        summary=ROLE_SUMMARIES.get(name, ""),
        can=tuple(c.can for c in CAPABILITIES if c.needs <= perms),
        cannot=tuple(c.cannot for c in CAPABILITIES if not c.needs & perms),
    )


@dataclasses.dataclass(frozen=True)
class RoleChange:
    """What `sync_roles` changed in one group (or would change, with `dry_run`)."""

    created: bool = False
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def sync_roles(
    *,
    apps: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    dry_run: bool = False,
    verbosity: int = 0,
) -> dict[str, RoleChange]:
    """Give each group of ROLES exactly its permissions; return what changed, by group name.

    Creates a missing group, adds missing permissions and removes any others the group has.
    Idempotent: a second run changes nothing and returns {}. Groups not named in ROLES, and which
    users are in which group, are never touched. With `dry_run` nothing is written: the result is
    what a real run would change.

    `apps` is a migration's historical registry (the global one by default), and every model is
    looked up through it: that is what makes it safe for a migration to import this module and
    call `sync_roles(apps=apps, using=schema_editor.connection.alias)`. Permissions that do not
    exist yet (migrations run before `post_migrate` creates them) are created first.
    """
    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    roles = _roles_for(apps)
    wanted = {perm for perms in roles.values() for perm in perms}
    changes: dict[str, RoleChange] = {}
    with transaction.atomic(using=using):
        groups = {group.name: group for group in Group.objects.using(using).filter(name__in=roles)}
        have = _group_permissions(Group.permissions.through, using, groups.values())
        if dry_run:
            for name, perms in roles.items():
                change = _diff(name not in groups, perms, have.get(name, {}))
                if change is not None:
                    changes[name] = change
            return changes
        existing = _permission_ids(Permission, using, wanted)
        if wanted - existing.keys():
            _create_permissions(apps, using, {perm.split(".")[0] for perm in wanted}, verbosity)
            existing = _permission_ids(Permission, using, wanted)
            unknown = sorted(wanted - existing.keys())
            if unknown:
                raise LookupError(f"intake.roles.ROLES names no such permission: {unknown}")
        for name, perms in roles.items():
            created = name not in groups
            if created:
                groups[name] = Group.objects.using(using).create(name=name)
            current = have.get(name, {})
            change = _diff(created, perms, current)
            if change is None:
                continue
            group = groups[name]
            if change.removed:
                group.permissions.remove(*(pk for p in change.removed for pk in current[p]))
            if change.added:
                group.permissions.add(*(pk for p in change.added for pk in existing[p]))
            changes[name] = change
    return changes


def _roles_for(apps: Any) -> dict[str, frozenset[str]]:
    """ROLES, less the permissions that a migration's historical state does not have yet.

    On a fresh database the core's migration 0015 runs before the scheduling app's models exist
    (scheduling's migrations come after the core's 0016): it grants what it can, and scheduling's
    0002 syncs again once they do. Likewise a permission a later migration adds (0018 adds
    `export_submission`, 0022 the patient data rights) is left out until that migration, which
    syncs again. The global registry has every model, so nothing is left out there: a
    permission no model has stays an error.
    """
    if apps is global_apps:
        return dict(ROLES)
    labels = {perm.split(".")[0] for perms in ROLES.values() for perm in perms}
    present = _historical_permissions(apps, {label for label in labels if _has_app(apps, label)})
    return {name: frozenset(perms & present) for name, perms in ROLES.items()}


def _historical_permissions(apps: Any, labels: set[str]) -> frozenset[str]:
    """Every permission ("app_label.codename") the models of `labels` define in this state: the
    default ones (add, change, delete, view) and their Meta.permissions."""
    from django.contrib.auth import get_permission_codename

    perms: set[str] = set()
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            opts = model._meta
            perms.update(
                f"{label}.{get_permission_codename(action, opts)}"
                for action in opts.default_permissions
            )
            perms.update(f"{label}.{codename}" for codename, _name in opts.permissions)
    return frozenset(perms)


def _has_app(apps: Any, label: str) -> bool:
    try:
        apps.get_app_config(label)
    except LookupError:
        return False
    return True


def _diff(created: bool, perms: frozenset[str], current: Mapping[str, Any]) -> RoleChange | None:
    change = RoleChange(
        created=created,
        added=tuple(sorted(perms - current.keys())),
        removed=tuple(sorted(current.keys() - perms)),
    )
    return change if change != RoleChange() else None


def _group_permissions(through: Any, using: str, groups: Any) -> dict[str, dict[str, list[int]]]:
    """Group name -> "app_label.codename" -> ids of the group's permissions by that name."""
    rows = (
        through.objects.using(using)
        .filter(group__in=list(groups))
        .values_list(
            "group__name",
            "permission_id",
            "permission__content_type__app_label",
            "permission__codename",
        )
    )
    have: dict[str, dict[str, list[int]]] = {}
    for group_name, pk, app_label, codename in rows:
        have.setdefault(group_name, {}).setdefault(f"{app_label}.{codename}", []).append(pk)
    return have


def _permission_ids(Permission: Any, using: str, perms: set[str]) -> dict[str, list[int]]:
    """Permission name ("app_label.codename") -> its ids: one, unless a stale content type
    repeats a codename (`has_perm` accepts either, so the group gets both)."""
    rows = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in={perm.split(".")[0] for perm in perms})
        .values_list("pk", "content_type__app_label", "codename")
    )
    ids: dict[str, list[int]] = {}
    for pk, app_label, codename in rows:
        if f"{app_label}.{codename}" in perms:
            ids.setdefault(f"{app_label}.{codename}", []).append(pk)
    return ids


def _create_permissions(apps: Any, using: str, app_labels: set[str], verbosity: int) -> None:
    """What `post_migrate` does, now: a migration runs before it on a fresh database."""
    from django.contrib.auth.management import create_permissions

    for label in sorted(app_labels):
        app_config = apps.get_app_config(label)
        # A historical registry's app configs have no models module, and create_permissions
        # skips those; the global registry's are left as they are.
        historical = getattr(app_config, "models_module", None) is None
        if historical:
            app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=verbosity, using=using, apps=apps)
        finally:
            if historical:
                app_config.models_module = None
