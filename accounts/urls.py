from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("accounts/users/", views.user_list, name="user_list"),
    path("accounts/users/new/", views.user_create, name="user_create"),
    path("accounts/users/import/", views.user_import, name="user_import"),
    path("accounts/users/import/template.xlsx", views.user_import_template, name="user_import_template"),
    path("accounts/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("accounts/school-accounts/", views.school_accounts, name="school_accounts"),
    path("accounts/users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("healthz", views.healthz, name="healthz"),
]
