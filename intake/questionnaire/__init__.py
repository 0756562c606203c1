"""The patient-facing app: the questionnaire's pages, one URL per step, the check and
confirmation pages, the emergency interruption, resuming on another device, the appointment's
cancel link, and the health check and robots.txt of the patient site.

No models of its own: views read through the core's selectors and write through its services
(intake/selectors, intake/services). Its forms are built from the question catalogue
(intake/triage) and the page steps (intake/steps.py); their fields' markup is written in Python
(markup.py). Nothing outside this package imports it, bar the project's URLs and settings.
"""
