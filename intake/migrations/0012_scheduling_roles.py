# The roles are now defined in intake/roles.py; migration 0015 and later sync them (sync_roles).
"""Scheduling permissions for the staff groups of 0003_roles.

Receptionists and triage clinicians book, move and cancel (view/add/change appointment) and
see the diary's reference data; clinic admins manage everything about scheduling.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BOOKING = [
    ("intake", "view_appointment"),
    ("intake", "add_appointment"),
    ("intake", "change_appointment"),
    ("intake", "view_slot"),
    ("intake", "view_clinician"),
    ("intake", "view_appointmenttype"),
]
SCHEDULING_MODELS = (
    "clinician",
    "appointmenttype",
    "availabilityrule",
    "availabilityexception",
    "slot",
    "appointment",
)
ROLES = {
    "Receptionist": BOOKING,
    "Triage clinician": BOOKING,
    "Clinic admin": [
        ("intake", f"{action}_{model}")
        for model in SCHEDULING_MODELS
        for action in ("view", "add", "change", "delete")
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in perms:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_appointment_no_overlap")]

    operations = [migrations.RunPython(grant, revoke)]
