from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/password/", views.password_change, name="password_change"),
    path("settings/api-key/rotate/", views.rotate_api_key, name="rotate_api_key"),
]
