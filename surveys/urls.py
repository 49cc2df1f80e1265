from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/codes/", views.codes_generate, name="codes_generate"),
    path("campaigns/<int:pk>/answers.xlsx", views.answers_xlsx, name="answers_xlsx"),
    path("batches/<int:pk>/slips.pdf", views.batch_pdf, name="batch_pdf"),
    path("rounds/<int:round_pk>/", views.round_results, name="round_results"),
    path("rounds/<int:round_pk>/results.xlsx", views.results_xlsx, name="results_xlsx"),
]
