"""Clinic admins manage the FHIR API's clients (intake/roles.py: MANAGE_API_CLIENTS).

As intake's 0015 and scheduling's 0002: the groups are synced with intake/roles.py through the
historical registry, after every app's models exist.
"""

from django.db import migrations

from intake import roles


def sync(apps, schema_editor):
    roles.sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("handover", "0001_initial"),
        ("intake", "0026_encryption_at_rest"),
        ("scheduling", "0005_appointment_updated_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Reversing leaves the groups as they are.
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
