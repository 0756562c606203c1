"""PostgreSQL only: audit events past their retention period can be deleted, by one function only
(issue 18).

The audit log refuses UPDATE, DELETE and TRUNCATE to everyone (0004, 0020), and the app's role
has no DELETE privilege on it (docs/operations.md, least privilege). The retention job must
still delete events older than CLINIC_AUDIT_RETENTION_DAYS, as the app's role. So:

- `intake_audit_purge(before timestamptz) RETURNS bigint` deletes the events recorded before
  `before`, and nothing else, and returns how many. It refuses a cut-off less than 365 days
  ago (and NULL): called with any argument, it cannot touch the last year of the log. It is
  SECURITY DEFINER: it runs with the rights of its owner (the role that ran this migration,
  the tables' owner), which may DELETE; the caller needs only EXECUTE, granted to no one
  (PUBLIC's default is revoked here) but the app's role, by docs/operations.md's grants. Its
  search_path is fixed (this schema, then pg_temp), so a caller cannot slip in their own
  objects, as PostgreSQL's "Writing SECURITY DEFINER Functions Safely" advises.
- 0004's row trigger lets a DELETE through only when both hold: the transaction-local
  parameter `intake.audit_purge` is 'on', which the function sets for its own duration (a
  SET clause on the function: restored on exit, also on an error), AND the current user is
  the function's owner, which is what a SECURITY DEFINER function runs as.

Why both: any role may set a custom parameter such as `intake.audit_purge` (PostgreSQL checks
no privilege for them), so the parameter alone would let anyone with DELETE on the table past
the trigger. The owner check closes that: the app's role is not the owner and cannot become it
(and has no DELETE privilege either; two locks, not one). The owner could set the parameter
by hand, but the owner can already disable the triggers: for it the parameter only keeps a
stray `DELETE FROM intake_auditevent` refused, as before. UPDATE and TRUNCATE stay refused to
everyone. On SQLite (the demo) there are no triggers or roles, and the retention service
deletes old events with the ORM.
"""

from django.db import migrations

# The floor: the function deletes nothing recorded in the last this-many days, whatever it is
# asked (settings.AUDIT_PURGE_MIN_DAYS says the same to the settings' validation).
FLOOR_DAYS = 365

PURGE = """
CREATE OR REPLACE FUNCTION {schema}.intake_audit_purge(before timestamptz) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = {schema}, pg_temp
    SET intake.audit_purge = 'on'
AS $$
DECLARE
    deleted bigint;
BEGIN
    IF before IS NULL OR before > now() - interval '{floor} days' THEN
        RAISE EXCEPTION 'intake_audit_purge: the cut-off must be at least {floor} days ago, not %',
            before;
    END IF;
    DELETE FROM {schema}.intake_auditevent WHERE created_at < before;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END;
$$;
REVOKE ALL ON FUNCTION {schema}.intake_audit_purge(timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION {schema}.intake_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
        AND current_setting('intake.audit_purge', true) = 'on'
        AND current_user = (
            SELECT pg_get_userbyid(proowner) FROM pg_catalog.pg_proc
            WHERE oid = '{schema}.intake_audit_purge(timestamptz)'::regprocedure
        )
    THEN
        RETURN OLD;  -- a delete by intake_audit_purge(), which chose only old rows
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""

# 0004's trigger function as it was, and no purge function.
UNDO_PURGE = """
CREATE OR REPLACE FUNCTION {schema}.intake_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION IF EXISTS {schema}.intake_audit_purge(timestamptz);
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            # The schema the audit table is in (public, normally): named in full everywhere
            # above, so nothing depends on the caller's search_path.
            cursor.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.oid = 'intake_auditevent'::regclass"
            )
            (schema,) = cursor.fetchone()
            # No parameters: the driver leaves the RAISE's % placeholder alone.
            quoted = connection.ops.quote_name(schema)
            cursor.execute(sql.format(schema=quoted, floor=FLOOR_DAYS))

    return run


class Migration(migrations.Migration):
    dependencies = [("intake", "0023_retention_run")]

    operations = [
        migrations.RunPython(on_postgresql(PURGE), on_postgresql(UNDO_PURGE)),
    ]
