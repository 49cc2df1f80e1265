from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("ranking.xlsx", views.ranking_xlsx, name="ranking_xlsx"),
    path("district.xlsx", views.district_xlsx, name="district_xlsx"),
    path("overview/", views.overview, name="overview"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("evaluation/<int:pk>/", views.school_report, name="school_report"),
    path("evaluation/<int:pk>/scoresheet.pdf", views.scoresheet_pdf, name="scoresheet_pdf"),
    path("evaluation/<int:pk>/scoresheet.xlsx", views.scoresheet_xlsx, name="scoresheet_xlsx"),
    path("evaluation/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("evaluation/<int:pk>/opinion.pdf", views.opinion_pdf, name="opinion_pdf"),
    path("school/results/", views.my_results, name="my_results"),
    path("school/<int:pk>/story/", views.school_story_page, name="school_story"),
    path("exports/start/", views.export_start, name="export_start"),
    path("exports/table/start/", views.table_export_start, name="table_export_start"),
    path("exports/workbook/start/", views.workbook_start, name="workbook_start"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
