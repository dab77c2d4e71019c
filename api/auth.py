"""Bearer tokens for the JSON API, and the scope a route needs.

A token is looked up by its sha256 hash (the token itself is never stored). A revoked token or
an inactive user is refused on the very next call. `last_used_at` is written at most once a
minute per token, so a busy integration does not turn every read into a write.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import ApiToken, hash_token
from api.errors import UNAUTHORIZED_MESSAGE, ApiError

LAST_USED_RESOLUTION = timedelta(minutes=1)
# Longer than any token we issue; refusing early spares hashing megabytes of header.
MAX_TOKEN_LENGTH = 256


def authenticate_token(raw: str) -> ApiToken:
    """The live token `raw` stands for, or ApiError 401."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise ApiError(401, "unauthorized", UNAUTHORIZED_MESSAGE)
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None:
        raise ApiError(401, "unauthorized", "This API token is not valid.")
    if token.revoked_at is not None:
        raise ApiError(401, "unauthorized", "This API token has been revoked.")
    if not token.user.is_active:
        raise ApiError(401, "unauthorized", "The user of this API token is deactivated.")
    _note_use(token)
    return token


def _note_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so concurrent calls of one token write once.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def require_scope(token: ApiToken, scope: str) -> None:
    """Refuse with 403 `forbidden_scope` unless `token` may call a route that needs `scope`.

    A `full` token may call every route; an `intake` token only the routes that take leads in
    (`scope="intake"`), so a lead provider's credentials cannot read anyone's leads.
    """
    if scope == ApiToken.Scope.INTAKE and token.scope in (ApiToken.Scope.INTAKE, ApiToken.Scope.FULL):
        return
    if token.scope == ApiToken.Scope.FULL:
        return
    raise ApiError(
        403,
        "forbidden_scope",
        f"This token's scope is '{token.scope}'; this route needs a token with scope '{scope}'.",
    )


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` for a route needing `scope`; `request.auth` is the ApiToken."""

    def __init__(self, *, scope: str = ApiToken.Scope.FULL) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        scheme, _, raw = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise ApiError(401, "unauthorized", UNAUTHORIZED_MESSAGE)
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = authenticate_token(token)
        require_scope(api_token, self.scope)
        # Routes and helpers below read the caller as request.user, as pages do.
        request.user = api_token.user
        return api_token


full_access = BearerToken(scope=ApiToken.Scope.FULL)
intake_access = BearerToken(scope=ApiToken.Scope.INTAKE)
