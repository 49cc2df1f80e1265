from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("school/", views.school_items, name="school_items"),
    path("evaluations/<int:pk>/new/", views.create, name="create"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/report/", views.item_report, name="item_report"),
    path("items/<int:pk>/review/", views.item_review, name="item_review"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
