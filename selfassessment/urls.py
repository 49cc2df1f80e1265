from django.urls import path

from . import views

app_name = "selfassessment"

urlpatterns = [
    path("rounds/<int:round_pk>/nominations/", views.nominations, name="nominations"),
]
