from django.urls import path

from intake.questionnaire import copy, views

app_name = "intake"

urlpatterns = [
    path("", views.start, name="start"),
    path("start/", views.start_draft, name="start_draft"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("resume/<str:token>/", views.resume, name="resume"),
    path("appointment/cancel/<str:token>/", views.appointment_cancel, name="appointment_cancel"),
    path("intake/<str:token>/check/", views.check, name="check"),
    path("intake/<str:token>/urgent/", views.urgent, name="urgent"),
    path("intake/<str:token>/saved/", views.saved, name="saved"),
    path("intake/<str:token>/done/", views.done, name="done"),
    path("intake/<str:token>/your-answers.pdf", copy.answers_pdf, name="answers_pdf"),
    path("intake/<str:token>/adults-only/", views.adults_only, name="adults_only"),
    path("intake/<str:token>/<slug:step>/", views.step, name="step"),
]
