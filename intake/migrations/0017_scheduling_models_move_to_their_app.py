"""The scheduling models leave the core app's state for the scheduling app's (issue 16).

State only, as scheduling's 0001 is: the tables (intake_clinician, intake_slot,
intake_appointment...), their data, indexes and constraints stay exactly as they are, and so does
the notification table's foreign key to intake_appointment. In the state, Notification.appointment
now names scheduling.Appointment, and the six models are deleted here. Their content types and
permissions move in scheduling's 0002.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0016_patient_language_message_rendered_when_shown"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="appointment",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="scheduling.appointment",
                    ),
                ),
                # Those that others point at last.
                migrations.DeleteModel(name="Appointment"),
                migrations.DeleteModel(name="Slot"),
                migrations.DeleteModel(name="AvailabilityRule"),
                migrations.DeleteModel(name="AvailabilityException"),
                migrations.DeleteModel(name="Clinician"),
                migrations.DeleteModel(name="AppointmentType"),
            ],
            database_operations=[],
        ),
    ]
