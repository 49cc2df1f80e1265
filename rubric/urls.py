from django.urls import path

from . import views

app_name = "rubric"

urlpatterns = [
    path("", views.version_list, name="version_list"),
]
