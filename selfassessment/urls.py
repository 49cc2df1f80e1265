from django.urls import path

from . import views

app_name = "selfassessment"

urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/<int:round_pk>/", views.workspace, name="workspace"),
    path("rounds/<int:round_pk>/save/", views.save, name="save"),
    path("rounds/<int:round_pk>/report/", views.report_save, name="report_save"),
    path("rounds/<int:round_pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("rounds/<int:round_pk>/submit/", views.submit, name="submit"),
    path("rounds/<int:round_pk>/xlsx/", views.xlsx_download, name="xlsx_download"),
    path("rounds/<int:round_pk>/xlsx/upload/", views.xlsx_upload, name="xlsx_upload"),
    path("rounds/<int:round_pk>/nominations/", views.nominations, name="nominations"),
    path("status/", views.status, name="status"),
    path("<int:pk>/", views.review, name="review"),
    path("<int:pk>/return/", views.review_return, name="review_return"),
    path("<int:pk>/recommend/", views.review_recommend, name="review_recommend"),
    path("<int:pk>/admit/", views.admit, name="admit"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/send-back/", views.send_back, name="send_back"),
    path("admission/", views.admission, name="admission"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
