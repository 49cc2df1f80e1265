"""The read-only public 公示 pages, mounted at /gongshi/ (404 unless settings.PUBLIC_NOTICE_ENABLED)."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.public_index, name="notice_index"),
    path("<int:round_pk>/", views.public_notice, name="notice"),
]
