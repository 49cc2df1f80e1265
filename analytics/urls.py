from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.page, name="page"),
    path("agreement.xlsx", views.agreement_xlsx, name="agreement_xlsx"),
    path("leniency.xlsx", views.leniency_xlsx, name="leniency_xlsx"),
    path("cv.xlsx", views.cv_xlsx, name="cv_xlsx"),
    path("elements.xlsx", views.elements_xlsx, name="elements_xlsx"),
]
