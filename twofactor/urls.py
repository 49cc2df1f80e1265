from django.urls import path

from . import views

app_name = "twofactor"

urlpatterns = [
    path("2fa/", views.manage, name="manage"),
    path("2fa/setup/", views.setup, name="setup"),
    path("2fa/verify/", views.verify, name="verify"),
    path("2fa/recovery/", views.recovery_codes, name="recovery"),
    path("2fa/reset/<int:pk>/", views.reset, name="reset"),
]
