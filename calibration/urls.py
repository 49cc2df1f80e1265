from django.urls import path

from . import views

app_name = "calibration"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/reference/", views.reference, name="reference"),
    path("cases/<int:pk>/reference.xlsx", views.reference_download, name="reference_download"),
    path("cases/<int:pk>/reference/import/", views.reference_import, name="reference_import"),
    path("cases/<int:pk>/members/", views.members, name="members"),
    path("cases/<int:pk>/files/", views.file_add, name="file_add"),
    path("cases/<int:pk>/report/", views.report, name="report"),
    path("cases/<int:pk>/report.xlsx", views.report_download, name="report_download"),
    path("evaluations/<int:evaluation_pk>/brief/", views.brief, name="brief"),
    path("evaluations/<int:evaluation_pk>/material/<int:pk>/", views.material, name="material"),
    path("evaluations/<int:evaluation_pk>/files/<int:pk>/", views.case_file, name="case_file"),
    path("evaluations/<int:evaluation_pk>/self-files/<int:pk>/", views.self_file, name="self_file"),
]
