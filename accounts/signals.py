"""Keeping `UserSession` in step with logins and logouts (see accounts.actions.end_sessions)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import actions


@receiver(user_logged_in, dispatch_uid="accounts.remember_session")
def remember_session_on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        actions.remember_session(user=user, session_key=session.session_key)


@receiver(user_logged_out, dispatch_uid="accounts.forget_session")
def forget_session_on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        actions.forget_session(session_key=session.session_key)
