"""Webhook secrets, encrypted at rest with a key derived from SECRET_KEY.

A rule's secret signs every delivery, so it must be recoverable: a hash, as
for passwords, would not do. Encrypting it (Fernet: AES-128-CBC with an
HMAC-SHA256 tag) with a key derived from SECRET_KEY means a database dump, a
backup or a read replica alone does not reveal the secrets; the installation's
settings are needed too, as for access keys (console.identity.credentials).

SECRET_KEY_FALLBACKS keep older secrets readable while SECRET_KEY rotates. A
secret sealed under a key that is gone entirely cannot be read: its deliveries
fail saying so, and the rule has to be created again.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_PURPOSE = b"failedtasks.alerts.webhook-secret.v1"


class UnreadableSecret(Exception):
    """The secret was sealed under a key this installation no longer has."""


def _fernet(secret_key: str) -> Fernet:
    # HMAC-SHA256 keyed by SECRET_KEY over a fixed purpose: a key for this use
    # alone, which reveals nothing about SECRET_KEY or the keys of other uses.
    derived = hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _keys().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        raise UnreadableSecret from None
