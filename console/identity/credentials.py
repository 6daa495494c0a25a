"""Access keys and API tokens: issuing, deriving, checking, revoking."""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from console.identity.models import AccessKey, ApiToken
from console.lib.errors import NotFound
from console.tenancy.models import Membership, Project
from console.tenancy.scoping import role_of

logger = logging.getLogger(__name__)

TOKEN_LIFETIME = timedelta(hours=24)
MAX_ACCESS_KEYS = 20  # per user: enough for every tool and person, few enough to review
_AK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _derive_secret(access_key: str, salt: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"access-key:{access_key}:{salt}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:40]


class TooManyAccessKeys(Exception):
    """The user already holds MAX_ACCESS_KEYS access keys."""


def create_access_key(user, description: str = "") -> tuple[AccessKey, str]:
    """A new pair; the secret is returned once and can be derived again only here.

    Raises TooManyAccessKeys at the limit. The user's row is locked while
    counting, so two requests at once cannot both take the last place.
    """
    access_key = "".join(secrets.choice(_AK_ALPHABET) for _ in range(20))
    with transaction.atomic():
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        if AccessKey.objects.filter(user=user).count() >= MAX_ACCESS_KEYS:
            raise TooManyAccessKeys(user.pk)
        key = AccessKey.objects.create(
            user=user, access_key=access_key, salt=secrets.token_hex(16), description=description
        )
    logger.info("access key %s created for user %s", key.access_key, user.pk)
    return key, secret_for(key)


def access_keys_of(user):
    """The user's own access keys, newest first (at most MAX_ACCESS_KEYS)."""
    return AccessKey.objects.filter(user=user).order_by("-created_at", "-id")


def access_key_of(user, key_id: int) -> AccessKey:
    """One of the user's own access keys, or NotFound (404).

    Another user's key is a 404 like a missing one, never a 403: whether a key
    id exists is nobody else's business.
    """
    key = access_keys_of(user).filter(pk=key_id).first()
    if key is None:
        raise NotFound(_("That access key does not exist or was deleted already."))
    return key


def delete_access_key(user, key_id: int) -> AccessKey:
    """Delete one of the user's own access keys, which revokes it at once; returns it."""
    key = access_key_of(user, key_id)
    key.delete()  # a double submit deletes nothing the second time: harmless
    logger.info("access key %s deleted by user %s", key.access_key, user.pk)
    return key


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
    """The live token with this value (not expired, not revoked), with user and project,
    and as `role` the user's role in that project now (None without one): every
    scoped API call needs it, so it is read on the token's own query."""
    if not token or len(token) > 256:
        return None
    record = (
        ApiToken.objects.live().select_related("user", "project")
        .annotate(membership_role=Subquery(
            Membership.objects.filter(project=OuterRef("project"), user=OuterRef("user"))
            .values("role")[:1]))
        .filter(token_hash=_hash_token(token))
        .first()
    )
    if record is None or not record.user.is_active:
        return None
    record.role = role_of(record.user, record.membership_role)
    return record


def revoke_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])


def revoke_tokens_of(user) -> int:
    """Revoke every token of the user that is not revoked yet (their password changed)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def active_tokens_of(user):
    """The user's live tokens (not expired, not revoked), newest first, with their projects."""
    return (
        ApiToken.objects.live().filter(user=user)
        .select_related("project")
        .order_by("-created_at", "-id")
    )


def active_token_of(user, token_id: int) -> ApiToken:
    """One of the user's own live tokens, or NotFound (404), whoever else's it is."""
    record = active_tokens_of(user).filter(pk=token_id).first()
    if record is None:
        raise NotFound(_("That token does not exist, expired or was revoked already."))
    return record


def revoke_user_token(user, token_id: int) -> ApiToken:
    """Revoke one of the user's own live tokens; returns it."""
    record = active_token_of(user, token_id)
    revoke_token(record)
    logger.info("token %s revoked by user %s", record.pk, user.pk)
    return record
