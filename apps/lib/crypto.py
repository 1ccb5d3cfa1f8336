"""Encryption of secrets at rest (probe credentials) with Fernet.

FIELD_ENCRYPTION_KEYS holds comma-separated Fernet keys, newest first: new values are
encrypted with the first, any of them decrypts, so keys rotate by adding a new one in front
and re-encrypting. Only while developing Stackledger itself (DEBUG on) may the keys be left
out: then one is derived from SECRET_KEY. With DEBUG off the settings refuse to start without
keys, and no key is ever derived, so whoever learns SECRET_KEY cannot read the credentials.
A token no key opens raises WrongKey: it never turns into an empty secret.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class WrongKey(Exception):
    """A stored secret that none of the configured keys decrypts."""


def _keys() -> list[Fernet]:
    if settings.FIELD_ENCRYPTION_KEYS:
        try:
            return [Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS]
        except ValueError:
            raise WrongKey(
                "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None
    if not settings.DEBUG:
        raise WrongKey("FIELD_ENCRYPTION_KEYS is not set")
    digest = hashlib.sha256(f"stackledger-fields:{settings.SECRET_KEY}".encode()).digest()
    return [Fernet(base64.urlsafe_b64encode(digest))]


def encrypt(plaintext: str) -> str:
    return MultiFernet(_keys()).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return MultiFernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise WrongKey(
            "a stored secret could not be decrypted with FIELD_ENCRYPTION_KEYS: "
            "the key it was encrypted with is missing"
        ) from None


def rotate(token: str) -> str:
    """The same secret, encrypted with the newest key."""
    try:
        return MultiFernet(_keys()).rotate(token.encode()).decode()
    except InvalidToken:
        raise WrongKey("a stored secret could not be decrypted with FIELD_ENCRYPTION_KEYS") from None
