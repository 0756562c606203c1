"""Every write the app makes: `<entity>_<action>`, keyword-only, in a transaction, one module per
sub-domain (DESIGN §3):

- `drafts`: the patient's unfinished form (save a page, the emergency interruption, resume).
- `sending`: sending the form (triage stored with the answers, patient matched, outbox rows).
- `outbox`: Notification rows, handed to Celery after commit, sent exactly once, swept.
- `escalation`: on-call alerts, escalation of urgent cases nobody picked up.
- `workflow`: the triage clinicians' actions on a sent form.
- `audit`: the audit log's writer.
- `retention`: the nightly deletion of what has outlived its retention period (issue 18).

Views, the admin, tasks and commands call these; nothing else changes Submission, Patient or
Notification rows. Import the module (`from intake.services import drafts`), not the package.
The scheduling app's writes are in `intake.scheduling.services`.
"""
