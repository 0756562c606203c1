"""PostgreSQL only: trigram search on patient names, and an append-only audit log.

On SQLite (the demo) both are skipped: name search falls back to a plain scan, and the audit
log is append-only through the application only.
"""

from django.db import migrations

TRIGRAM = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS patient_full_name_trgm
    ON intake_patient USING gin (UPPER(full_name::text) gin_trgm_ops);
"""
UNTRIGRAM = "DROP INDEX IF EXISTS patient_full_name_trgm;"

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION intake_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS intake_auditevent_append_only ON intake_auditevent;
CREATE TRIGGER intake_auditevent_append_only
    BEFORE UPDATE OR DELETE ON intake_auditevent
    FOR EACH ROW EXECUTE FUNCTION intake_audit_append_only();
"""
UNAPPEND_ONLY = """
DROP TRIGGER IF EXISTS intake_auditevent_append_only ON intake_auditevent;
DROP FUNCTION IF EXISTS intake_audit_append_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_roles")]

    operations = [
        migrations.RunPython(on_postgresql(TRIGRAM), on_postgresql(UNTRIGRAM)),
        migrations.RunPython(on_postgresql(APPEND_ONLY), on_postgresql(UNAPPEND_ONLY)),
    ]
