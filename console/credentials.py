"""Access keys and API tokens: issuing, deriving, checking, revoking."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from console.models import AccessKey, ApiToken, Project

TOKEN_LIFETIME = timedelta(hours=24)
_AK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _derive_secret(access_key: str, salt: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"access-key:{access_key}:{salt}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:40]


def create_access_key(user, description: str = "") -> tuple[AccessKey, str]:
    """A new pair; the secret is returned once and can be derived again only here."""
    access_key = "".join(secrets.choice(_AK_ALPHABET) for _ in range(20))
    key = AccessKey.objects.create(
        user=user, access_key=access_key, salt=secrets.token_hex(16), description=description
    )
    return key, _derive_secret(key.access_key, key.salt)


def secret_for(key: AccessKey) -> str:
    return _derive_secret(key.access_key, key.salt)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, project: Project) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(48)
    record = ApiToken.objects.create(
        user=user, project=project, token_hash=_hash_token(token),
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return token, record


def active_token(token: str) -> ApiToken | None:
    """The live token with this value (not expired, not revoked), with user and project."""
    if not token or len(token) > 256:
        return None
    record = (
        ApiToken.objects.select_related("user", "project")
        .filter(token_hash=_hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if record is None or not record.user.is_active:
        return None
    return record


def revoke_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
