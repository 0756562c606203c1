"""Encryption at rest (issue 18): free-text answers (the whole answers, identity and held-input
documents), notes, reasons and the NHS number become Fernet tokens; the NHS number is found by a
keyed hash (nhs_number_hash) instead of its own index. Existing rows are encrypted here, in
batches (and decrypted if the migration is reversed), with CLINIC_FIELD_ENCRYPTION_KEYS: a
database with rows to encrypt needs the keys set to migrate. docs/security.md says more.
"""

from django.db import migrations, models

import intake.encryption

# The columns this migration encrypts (scheduling's 0004 does its own).
COLUMNS = [
    ("intake_patient", "nhs_number"),
    ("intake_submission", "identity"),
    ("intake_submission", "answers"),
    ("intake_submission", "held_input"),
    ("intake_submission", "override_reason"),
    ("intake_submissionnote", "text"),
    ("intake_rulesetchange", "reason"),
]


def fire_deferred_checks(schema_editor):
    """PostgreSQL queues the deferred foreign-key checks of every row updated here, and then
    refuses to ALTER those tables in the same transaction ("pending trigger events"): run the
    checks now, then defer again as Django's constraints are."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def encrypt_columns(apps, schema_editor):
    connection = schema_editor.connection
    for table, column in COLUMNS:
        intake.encryption.rewrite_column(
            connection, table=table, column=column, rewrite=intake.encryption.encrypt_plain
        )
    intake.encryption.rehash_column(
        connection, table="intake_patient", source="nhs_number", target="nhs_number_hash"
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
        ('intake', '0025_patient_data_rights'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='patient',
            name='patient_nhs_number_idx',
        ),
        migrations.AddField(
            model_name='patient',
            name='nhs_number_hash',
            field=intake.encryption.LookupHashField(source='nhs_number'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='nhs_number',
            field=intake.encryption.EncryptedCharField(blank=True, max_length=10, verbose_name='NHS number'),
        ),
        migrations.AlterField(
            model_name='rulesetchange',
            name='reason',
            field=intake.encryption.EncryptedTextField(blank=True, verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='submission',
            name='answers',
            field=intake.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='submission',
            name='held_input',
            field=intake.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='submission',
            name='identity',
            field=intake.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='submission',
            name='override_reason',
            field=intake.encryption.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='submissionnote',
            name='text',
            field=intake.encryption.EncryptedTextField(max_length=5000, verbose_name='note'),
        ),
        # After the columns became text (JSON ones: from jsonb on PostgreSQL), before the index
        # on the hashes; reversed, before they become JSON and varchar again.
        migrations.RunPython(encrypt_columns, decrypt_columns),
        migrations.AddIndex(
            model_name='patient',
            index=models.Index(fields=['nhs_number_hash'], name='patient_nhs_number_hash_idx'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('view', 'Viewed'), ('change', 'Changed'), ('status', 'Status changed'), ('assign', 'Assigned'), ('override', 'Tier overridden'), ('note', 'Note added'), ('rerun', 'Engine re-run'), ('emergency_action', 'Mid-form emergency followed up'), ('ruleset', 'Ruleset release'), ('export', 'Exported'), ('escalation', 'Escalated'), ('login', 'Logged in'), ('logout', 'Logged out'), ('login_failed', 'Login failed'), ('second_factor', 'Second factor accepted'), ('second_factor_fail', 'Second factor refused'), ('locked_out', 'Sign-in locked out'), ('signin_throttled', 'Sign-in refused: too many from the address'), ('device_added', 'Sign-in method added'), ('device_removed', 'Sign-in method removed'), ('devices_reset', 'Sign-in methods reset'), ('backup_codes', 'Backup codes issued'), ('book', 'Appointment booked'), ('move', 'Appointment moved'), ('cancel', 'Appointment cancelled'), ('attendance', 'Attendance recorded'), ('submit', 'Form sent'), ('emergency_shown', 'Emergency advice shown'), ('resume', 'Resume link used'), ('delete', 'Deleted'), ('access_denied', 'Access denied'), ('erase', 'Personal data erased'), ('reencrypt', 'Re-encrypted with the current key')], db_index=True, max_length=20),
        ),
    ]
