"""A patient's data rights (issue 18): two permissions on Patient, for clinic admins only, and
an audit action for an erasure.

`intake.export_patient_data` (a copy of everything held about one patient) and
`intake.erase_patient_data` (erasure); the groups are synced with intake/roles.py, as 0018
does, so the clinic admins get them and nobody else does. The audit log gains the action
"erase" (a choice only: no change in the table).
"""

from django.db import migrations, models

from intake import roles


def sync(apps, schema_editor):
    roles.sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0024_audit_purge_function"),
        ("scheduling", "0002_move_content_types_and_sync_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Reversing leaves the groups as they are (the permission rows stay; older code never asks).
    operations = [
        migrations.AlterModelOptions(
            name="patient",
            options={
                "permissions": [
                    ("export_patient_data", "Can export one patient's data (access request)"),
                    ("erase_patient_data", "Can erase one patient's data (erasure request)"),
                ],
                "verbose_name": "patient",
                "verbose_name_plural": "patients",
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed"),
                    ("change", "Changed"),
                    ("status", "Status changed"),
                    ("assign", "Assigned"),
                    ("override", "Tier overridden"),
                    ("note", "Note added"),
                    ("rerun", "Engine re-run"),
                    ("emergency_action", "Mid-form emergency followed up"),
                    ("ruleset", "Ruleset release"),
                    ("export", "Exported"),
                    ("escalation", "Escalated"),
                    ("login", "Logged in"),
                    ("logout", "Logged out"),
                    ("login_failed", "Login failed"),
                    ("second_factor", "Second factor accepted"),
                    ("second_factor_fail", "Second factor refused"),
                    ("locked_out", "Sign-in locked out"),
                    ("signin_throttled", "Sign-in refused: too many from the address"),
                    ("device_added", "Sign-in method added"),
                    ("device_removed", "Sign-in method removed"),
                    ("devices_reset", "Sign-in methods reset"),
                    ("backup_codes", "Backup codes issued"),
                    ("book", "Appointment booked"),
                    ("move", "Appointment moved"),
                    ("cancel", "Appointment cancelled"),
                    ("attendance", "Attendance recorded"),
                    ("submit", "Form sent"),
                    ("emergency_shown", "Emergency advice shown"),
                    ("resume", "Resume link used"),
                    ("delete", "Deleted"),
                    ("access_denied", "Access denied"),
                    ("erase", "Personal data erased"),
                ],
                db_index=True,
                max_length=20,
            ),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
