from django.urls import path

from . import views

app_name = "recognition"

urlpatterns = [
    path("", views.index, name="index"),
    path("renewal/", views.renewal, name="renewal"),
    path("renewal.xlsx", views.renewal_xlsx, name="renewal_xlsx"),
    path("rounds/<int:round_pk>/", views.list_detail, name="list_detail"),
    path("rounds/<int:round_pk>/build/", views.list_build, name="list_build"),
    path("rounds/<int:round_pk>/publish/", views.publish, name="publish"),
    path("rounds/<int:round_pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("rounds/<int:round_pk>/objections/", views.objections, name="objections"),
    path("rounds/<int:round_pk>/objections/new/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("rounds/<int:round_pk>/conclude/", views.conclude, name="conclude"),
    path("rounds/<int:round_pk>/certificates.pdf", views.certificates_pdf, name="certificates_pdf"),
    path("rounds/<int:round_pk>/recognized.xlsx", views.recognized_xlsx, name="recognized_xlsx"),
    path("rounds/<int:round_pk>/recognized.pdf", views.recognized_pdf, name="recognized_pdf"),
    path("rounds/<int:round_pk>/results/", views.results_publish, name="results_publish"),
    path("entries/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
    path("recognitions/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
]
