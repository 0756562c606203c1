"""Exporting submissions becomes a permission of its own, for clinic admins only (issue 17).

Until now anyone who could see the triage queue could export it as CSV, receptionists included.
`intake.export_submission` now gates the export action; the groups are synced with
intake/roles.py, as 0015 does, so the clinic admins get it and nobody else does.

After scheduling's 0002: that migration moves the scheduling models' content types, and syncing
before it would create duplicates of them on a fresh database.
"""

from django.db import migrations

from intake import roles


def sync(apps, schema_editor):
    roles.sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0017_scheduling_models_move_to_their_app"),
        ("scheduling", "0002_move_content_types_and_sync_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Reversing leaves the groups as they are (the permission row stays; older code never asks).
    operations = [
        migrations.AlterModelOptions(
            name="submission",
            options={
                "permissions": [
                    ("view_clinical_detail", "Can see answers, free text, scores and reasons"),
                    ("triage_submission", "Can assign, review, override, note, refer and close"),
                    ("export_submission", "Can export submissions (CSV)"),
                ],
                "verbose_name": "submission",
                "verbose_name_plural": "submissions",
            },
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
