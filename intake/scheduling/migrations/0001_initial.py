"""The scheduling models, moved from the core app (issue 16): in Django's state only.

Their tables, indexes and constraints were made by intake's migrations 0010 and 0011 and stay as
they are, names and data included (each model's `db_table` is its old table): this migration
creates nothing in the database. intake's 0017 then takes the models out of the core's state
and points Notification.appointment here; scheduling's 0002 moves their content types, and with
them every permission and every group's grant of one. (The well-known recipe for moving models
between apps: SeparateDatabaseAndState.)

PostgreSQL's exclusion constraint `appointment_no_clinician_overlap` (intake 0011, raw SQL on
intake_appointment) is in no model state, before or after: it stays on the table untouched.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("intake", "0016_patient_language_message_rendered_when_shown"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AppointmentType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                        ('duration_minutes', models.PositiveSmallIntegerField(verbose_name='duration (minutes)')),
                        ('roles', models.JSONField(default=list, verbose_name='roles that can take it')),
                        ('location', models.CharField(blank=True, help_text='Shown to the patient.', max_length=200, verbose_name='where')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'appointment type',
                        'verbose_name_plural': 'appointment types',
                        'db_table': 'intake_appointmenttype',
                        'ordering': ['name'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('duration_minutes__gt', 0)), name='appointmenttype_duration_positive')],
                    },
                ),
                migrations.CreateModel(
                    name='Clinician',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('role', models.CharField(choices=[('vascular_surgeon', 'Vascular surgeon'), ('vascular_nurse', 'Vascular nurse'), ('sonographer', 'Vascular sonographer'), ('podiatrist', 'Podiatrist')], max_length=20, verbose_name='role')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='clinician', to=settings.AUTH_USER_MODEL, verbose_name='staff user')),
                    ],
                    options={
                        'verbose_name': 'clinician',
                        'verbose_name_plural': 'clinicians',
                        'db_table': 'intake_clinician',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Slot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('start', models.DateTimeField(verbose_name='start')),
                        ('end', models.DateTimeField(verbose_name='end')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('appointment_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='scheduling.appointmenttype', verbose_name='appointment type')),
                        ('clinician', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='slots', to='scheduling.clinician', verbose_name='clinician')),
                    ],
                    options={
                        'verbose_name': 'slot',
                        'verbose_name_plural': 'slots',
                        'db_table': 'intake_slot',
                        'ordering': ['start', 'clinician__name'],
                    },
                ),
                migrations.CreateModel(
                    name='Appointment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_at', models.DateTimeField(verbose_name='start')),
                        ('ends_at', models.DateTimeField(verbose_name='end')),
                        ('status', models.CharField(choices=[('booked', 'Booked'), ('cancelled', 'Cancelled'), ('attended', 'Attended'), ('no_show', 'Did not attend')], default='booked', max_length=10, verbose_name='status')),
                        ('booked_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='booked at')),
                        ('cancelled_by_patient', models.BooleanField(default=False)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('cancel_reason', models.TextField(blank=True, verbose_name='why cancelled')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('sequence', models.PositiveSmallIntegerField(default=0)),
                        ('booked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('cancelled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('submission', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='intake.submission')),
                        ('clinician', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='scheduling.clinician')),
                        ('slot', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='scheduling.slot')),
                    ],
                    options={
                        'verbose_name': 'appointment',
                        'verbose_name_plural': 'appointments',
                        'db_table': 'intake_appointment',
                        'ordering': ['starts_at', 'clinician__name'],
                    },
                ),
                migrations.CreateModel(
                    name='AvailabilityRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], verbose_name='weekday')),
                        ('start_time', models.TimeField(verbose_name='from')),
                        ('end_time', models.TimeField(verbose_name='until')),
                        ('valid_from', models.DateField(verbose_name='valid from')),
                        ('valid_to', models.DateField(blank=True, null=True, verbose_name='valid to')),
                        ('appointment_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='scheduling.appointmenttype', verbose_name='appointment type')),
                        ('clinician', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='scheduling.clinician', verbose_name='clinician')),
                    ],
                    options={
                        'verbose_name': 'availability rule',
                        'verbose_name_plural': 'availability rules',
                        'db_table': 'intake_availabilityrule',
                        'ordering': ['clinician__name', 'weekday', 'start_time'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('start_time__lt', models.F('end_time'))), name='availabilityrule_starts_before_end'), models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='availabilityrule_valid_range')],
                    },
                ),
                migrations.CreateModel(
                    name='AvailabilityException',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('leave', 'Leave'), ('closure', 'Clinic closed'), ('other', 'Other')], default='leave', max_length=10, verbose_name='kind')),
                        ('starts_at', models.DateTimeField(verbose_name='from')),
                        ('ends_at', models.DateTimeField(verbose_name='until')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('clinician', models.ForeignKey(blank=True, help_text='Leave empty for a closure of the whole clinic.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='exceptions', to='scheduling.clinician', verbose_name='clinician')),
                    ],
                    options={
                        'verbose_name': 'availability exception',
                        'verbose_name_plural': 'availability exceptions',
                        'db_table': 'intake_availabilityexception',
                        'ordering': ['starts_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('starts_at__lt', models.F('ends_at'))), name='availabilityexception_starts_before_end')],
                    },
                ),
                migrations.AddIndex(
                    model_name='slot',
                    index=models.Index(fields=['start'], name='slot_start_idx'),
                ),
                migrations.AddConstraint(
                    model_name='slot',
                    constraint=models.UniqueConstraint(fields=('clinician', 'start'), name='slot_once_per_start'),
                ),
                migrations.AddConstraint(
                    model_name='slot',
                    constraint=models.CheckConstraint(condition=models.Q(('start__lt', models.F('end'))), name='slot_starts_before_end'),
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['starts_at', 'clinician'], name='appointment_day_idx'),
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['submission', 'status'], name='appointment_submission_idx'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=models.UniqueConstraint(condition=models.Q(('status__in', ('booked', 'attended', 'no_show'))), fields=('slot',), name='appointment_one_active_per_slot'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'booked')), fields=('submission',), name='appointment_one_booked_per_submission'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=models.CheckConstraint(condition=models.Q(('starts_at__lt', models.F('ends_at'))), name='appointment_starts_before_end'),
                ),
            ],
            database_operations=[],
        ),
    ]
