"""PostgreSQL only: the audit log refuses TRUNCATE too (issue 17).

0004's row trigger refuses UPDATE and DELETE, but TRUNCATE fires no row triggers: `TRUNCATE
intake_auditevent` (alone, with other tables, or reached by a CASCADE) emptied the log. A
statement-level BEFORE TRUNCATE trigger refuses it. On SQLite (the demo) there is no TRUNCATE
and nothing to do; the reverse drops the trigger and its function.

Retention (issue 18, not built here): a job that deletes audit rows past their retention
period cannot go through these triggers. It must either run as the owner role (clinic_owner in
docs/operations.md) with the triggers bypassed for its own transaction only (`ALTER TABLE
intake_auditevent DISABLE TRIGGER ...` and ENABLE again before COMMIT, which needs the table's
owner), or call a SECURITY DEFINER function owned by the owner that deletes only rows older than
the period, the one thing it allows. The app's role has neither the privilege nor a way round.
"""

from django.db import migrations

NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION intake_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS intake_auditevent_no_truncate ON intake_auditevent;
-- A retention job (issue 18) must run as the owner role with this trigger (and 0004's) bypassed
-- for its own transaction, or through a SECURITY DEFINER function: see this file's docstring.
CREATE TRIGGER intake_auditevent_no_truncate
    BEFORE TRUNCATE ON intake_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION intake_audit_no_truncate();
"""
UNDO_NO_TRUNCATE = """
DROP TRIGGER IF EXISTS intake_auditevent_no_truncate ON intake_auditevent;
DROP FUNCTION IF EXISTS intake_audit_no_truncate();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("intake", "0019_audit_actor_kind_and_bulk_changes_audited")]

    operations = [
        migrations.RunPython(on_postgresql(NO_TRUNCATE), on_postgresql(UNDO_NO_TRUNCATE)),
    ]
