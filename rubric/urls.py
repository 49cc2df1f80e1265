from django.urls import path

from . import views

app_name = "rubric"

urlpatterns = [
    path("", views.version_list, name="version_list"),
    path("import/", views.version_import, name="version_import"),
    path("compare/", views.version_compare, name="version_compare"),
    path("<int:pk>/", views.version_detail, name="version_detail"),
    path("<int:pk>/save/", views.version_save, name="version_save"),
    path("<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("<int:pk>/retire/", views.version_retire, name="version_retire"),
    path("<int:pk>/delete/", views.version_delete, name="version_delete"),
    path("<int:pk>/clone/", views.version_clone, name="version_clone"),
    path("<int:pk>/history/", views.version_history, name="version_history"),
    path("<int:pk>/export/<str:fmt>/", views.version_export, name="version_export"),
]
