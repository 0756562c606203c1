"""The moved models' content types follow them from app label "intake" to "scheduling".

A permission belongs to a content type, and a group's grant to a permission: relabelling the six
content types (rather than creating new ones) keeps every permission row, every group's and
user's grant of one, and the admin's history of these objects. So the staff groups keep exactly
the access they had; intake/roles.py now names it "scheduling.add_appointment" and so on.

If content types under "scheduling" already exist (post_migrate of an earlier, partial `migrate`
made them, empty of grants), each is merged into the relabelled one first: its grants and
history move across, then it is deleted. Reversible: the same move, back to "intake".

Then the groups are synced with intake/roles.py, as migration intake 0015 does: on a database that
0015 left in sync this changes nothing (the grants came across with their permissions); on a
fresh database, where 0015 ran before these models were the scheduling app's, it grants them.
"""

from django.conf import settings
from django.db import migrations

from intake import roles

MODELS = (
    "clinician",
    "appointmenttype",
    "availabilityrule",
    "availabilityexception",
    "slot",
    "appointment",
)


def _merge(apps, db, stale, into):
    """Move the grants and admin history of `stale`'s permissions onto `into`'s, then delete it."""
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    grants = [  # (the table of grants, whom it grants to)
        (apps.get_model("auth", "Group").permissions.through, "group"),
        (apps.get_model(settings.AUTH_USER_MODEL).user_permissions.through, "user"),
    ]
    for permission in Permission.objects.using(db).filter(content_type=stale):
        kept = Permission.objects.using(db).filter(content_type=into, codename=permission.codename).first()
        if kept is None:
            permission.content_type = into
            permission.save(update_fields=["content_type"])
            continue
        for through, owner in grants:
            already = through.objects.using(db).filter(permission=kept).values(owner)
            through.objects.using(db).filter(permission=permission).exclude(**{f"{owner}__in": already}).update(permission=kept)
    LogEntry.objects.using(db).filter(content_type=stale).update(content_type=into)
    stale.delete()


def move(from_label, to_label):
    def run(apps, schema_editor):
        db = schema_editor.connection.alias
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MODELS:
            moving = ContentType.objects.using(db).filter(app_label=from_label, model=model).first()
            if moving is None:  # never made: nothing was granted on it
                continue
            stale = ContentType.objects.using(db).filter(app_label=to_label, model=model).first()
            if stale is not None:
                _merge(apps, db, stale, into=moving)
            moving.app_label = to_label
            moving.save(update_fields=["app_label"])
        ContentType.objects.clear_cache()

    return run


def sync(apps, schema_editor):
    roles.sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0001_initial"),
        ("intake", "0017_scheduling_models_move_to_their_app"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move("intake", "scheduling"), move("scheduling", "intake")),
        # Reversing leaves the groups as they are: their grants go back with the content types.
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
