"""Encryption at rest (issue 18): an appointment's cancel reason and notes, and the note on an
availability exception, become Fernet tokens; existing rows are encrypted here (decrypted if
reversed). intake's 0022 encrypts the core app's columns; docs/security.md says more.
"""

from django.db import migrations

import intake.encryption

COLUMNS = [
    ("intake_appointment", "cancel_reason"),
    ("intake_appointment", "notes"),
    ("intake_availabilityexception", "reason"),
]


def fire_deferred_checks(schema_editor):
    """PostgreSQL queues the deferred foreign-key checks of every row updated here, and then
    refuses to ALTER those tables in the same transaction ("pending trigger events"): run the
    checks now, then defer again as Django's constraints are."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def encrypt_columns(apps, schema_editor):
    for table, column in COLUMNS:
        intake.encryption.rewrite_column(
            schema_editor.connection,
            table=table,
            column=column,
            rewrite=intake.encryption.encrypt_plain,
        )
    fire_deferred_checks(schema_editor)


def decrypt_columns(apps, schema_editor):
    for table, column in COLUMNS:
        intake.encryption.rewrite_column(
            schema_editor.connection,
            table=table,
            column=column,
            rewrite=intake.encryption.decrypt_token,
        )
    fire_deferred_checks(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0003_appointment_bulk_changes_audited'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appointment',
            name='cancel_reason',
            field=intake.encryption.EncryptedTextField(blank=True, verbose_name='why cancelled'),
        ),
        migrations.AlterField(
            model_name='appointment',
            name='notes',
            field=intake.encryption.EncryptedTextField(blank=True, verbose_name='notes'),
        ),
        migrations.AlterField(
            model_name='availabilityexception',
            name='reason',
            field=intake.encryption.EncryptedCharField(blank=True, max_length=200, verbose_name='note'),
        ),
        migrations.RunPython(encrypt_columns, decrypt_columns),
    ]
