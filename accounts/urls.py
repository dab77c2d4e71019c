from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from accounts import rooftop, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/change/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_new, name="user-new"),
    path("users/<int:pk>/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/deactivated/<int:handover_id>/", views.user_deactivated, name="user-deactivated"),
    path("users/<int:pk>/erase/", views.user_erase, name="user-erase"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("rooftops/<slug:slug>/", rooftop.rooftop, name="rooftop"),
    path("rooftops/<slug:slug>/<int:membership_id>/", rooftop.rooftop_change, name="rooftop-change"),
    path("users/<int:pk>/password-email/", views.user_send_password_email, name="user-send-password-email"),
]
