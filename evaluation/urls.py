from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.inspector_home, name="inspector_home"),
    path("rounds/", views.round_list, name="round_list"),
]
