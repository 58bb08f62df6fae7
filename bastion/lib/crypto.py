"""Encryption at rest for uploaded files (imports, evidence, certificates).

Files are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package).
The key comes from BASTION_FILE_KEY (a Fernet key; several, comma-separated, to rotate: the
first encrypts, all decrypt) or, when unset, is derived from SECRET_KEY with HKDF.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def file_keys() -> list[str]:
    """This server's file keys, the one that encrypts first (a backup carries them, so that the
    files it holds can be read back wherever it is restored: bastion.backups)."""
    keys = [k.strip() for k in settings.BASTION_FILE_KEY.split(",") if k.strip()]
    if not keys:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"bastion", info=b"bastion-files"
        ).derive(settings.SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return keys


def ring(keys: list[str]) -> MultiFernet:
    """A Fernet ring of these keys: the first encrypts, all decrypt."""
    return MultiFernet([Fernet(k) for k in keys])


@cache
def _fernet() -> MultiFernet:
    return ring(file_keys())


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes, keys: MultiFernet | None = None) -> bytes:
    """The original bytes; raises ValueError when the token was altered or the key is wrong.

    `keys`: another ring than this server's (a backup's own file keys)."""
    try:
        return (keys or _fernet()).decrypt(bytes(token))
    except InvalidToken:
        raise ValueError(
            "the file cannot be decrypted: altered, or encrypted with another key"
        ) from None
