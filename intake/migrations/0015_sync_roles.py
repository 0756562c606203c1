"""The staff groups get exactly the permissions intake/roles.py defines (issue 16).

The definition lives in intake/roles.py from now on; migrations 0003 and 0012 are history. A
later change to ROLES comes with a migration like this one, so `migrate` applies it everywhere.
Importing app code is safe here only because `sync_roles` looks every model up through the
historical `apps` it is given. On a database migrated before, this changes nothing.
"""

from django.db import migrations

from intake import roles


def sync(apps, schema_editor):
    roles.sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0014_mid_form_emergency_cases_and_ruleset_release"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Reversing leaves the groups as they are: they were the same before this migration.
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
