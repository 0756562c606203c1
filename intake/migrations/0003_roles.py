# The roles are now defined in intake/roles.py; migration 0015 and later sync them (sync_roles).
"""Staff groups and their permissions. A later migration extends them; this one is history."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Receptionist": [
        ("intake", "view_patient"),
        ("intake", "change_patient"),
        ("intake", "view_submission"),
    ],
    "Triage clinician": [
        ("intake", "view_patient"),
        ("intake", "view_submission"),
        ("intake", "view_clinical_detail"),
        ("intake", "triage_submission"),
        ("intake", "view_submissionnote"),
        ("intake", "add_submissionnote"),
        ("intake", "view_notification"),
    ],
    "Clinic admin": [
        ("intake", "view_patient"),
        ("intake", "change_patient"),
        ("intake", "view_submission"),
        ("intake", "view_clinical_detail"),
        ("intake", "triage_submission"),
        ("intake", "view_submissionnote"),
        ("intake", "add_submissionnote"),
        ("intake", "view_notification"),
        ("intake", "change_notification"),
        ("intake", "view_auditevent"),
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
    ],
}


def create_roles(apps, schema_editor):
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


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_staff_triage"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
