"""The scheduling app: clinicians, appointment types, weekly availability and its exceptions,
slots and appointments; booking, moving, cancelling and attendance (docs/scheduling.md).

It sits above the core app (`intake`): it uses the core's submissions, outbox, audit log and
workflow, and the core never imports it (it names `scheduling.Appointment` by string, and
reads an appointment through its foreign keys).

- `models`: the tables (made by the core's migrations 0010 and 0011, names kept).
- `windows`: rules that need no database (booking windows, the clinic's wall clock).
- `services/`: every write, `slots` (generation from the availability) and `booking`.
- `selectors`: free slots, a day's appointments, the appointment a cancel link names.
- `tasks`: the nightly slot generation; `management/commands/generate_slots`.
"""
