"""PostgreSQL only: no two active appointments of one clinician overlap in time.

An exclusion constraint over the clinician and the half-open range [starts_at, ends_at), for
appointments that are not cancelled. It needs the btree_gist extension (equality on a bigint
inside a GiST index). SQLite has no exclusion constraints: there the partial unique index of
migration 0010 (one active appointment per slot) still holds, and slots of one clinician are
generated without overlaps. A model-level ExclusionConstraint would break `migrate` on SQLite,
so the constraint lives here, as SQL, and nowhere in the model state.
"""

from django.db import migrations

NO_OVERLAP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE intake_appointment ADD CONSTRAINT appointment_no_clinician_overlap
    EXCLUDE USING gist (clinician_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status <> 'cancelled');
"""
DROP_NO_OVERLAP = """
ALTER TABLE intake_appointment DROP CONSTRAINT IF EXISTS appointment_no_clinician_overlap;
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("intake", "0010_scheduling")]

    operations = [migrations.RunPython(on_postgresql(NO_OVERLAP), on_postgresql(DROP_NO_OVERLAP))]
