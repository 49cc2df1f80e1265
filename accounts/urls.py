from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("accounts/users/", views.user_list, name="user_list"),
    path("accounts/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("accounts/users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("healthz", views.healthz, name="healthz"),
]
