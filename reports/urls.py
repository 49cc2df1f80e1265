from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
