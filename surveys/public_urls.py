"""The public answer pages (no login), mounted at /survey/: the only prefix a reverse proxy exposes."""

from django.urls import path

from . import public_views

app_name = "survey_public"

urlpatterns = [
    path("", public_views.enter, name="enter"),
    path("thanks/", public_views.thanks, name="thanks"),
    path("<str:code>/", public_views.answer, name="answer"),
]
