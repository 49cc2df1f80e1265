from django.urls import path

from . import views

app_name = "recognition"

urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/<int:round_pk>/", views.list_detail, name="list_detail"),
    path("rounds/<int:round_pk>/build/", views.list_build, name="list_build"),
    path("rounds/<int:round_pk>/publish/", views.publish, name="publish"),
    path("rounds/<int:round_pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("rounds/<int:round_pk>/objections/", views.objections, name="objections"),
    path("rounds/<int:round_pk>/objections/new/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("entries/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
]
