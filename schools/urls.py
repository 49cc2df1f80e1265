from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("", views.school_list, name="school_list"),
    path("new/", views.school_create, name="school_create"),
    path("<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("import/", views.school_import, name="school_import"),
    path("import/template.xlsx", views.school_import_template, name="school_import_template"),
]
