"""The backup archive: one file, compressed and encrypted as a stream, readable only with the
backup key, refused whole when it was altered or cut short.

The layout:
    BASTION-BACKUP/1\\n
    a header line (JSON): the key derivation's parameters and salt, the nonce prefix, a key
        check, when and what kind of archive it is; read before the key is asked for
    chunks: a 4-byte big-endian length, then one AES-256-GCM ciphertext

The key is derived from the backup passphrase with scrypt and a random salt per archive. The
chunks follow the STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizár, 2015): chunk i
is sealed under the nonce prefix || i || a last-chunk flag, with the header as associated data,
so a chunk moved, dropped, changed or added, a cut after any chunk, or a changed header each
make the archive unreadable, and a reader can tell a wrong key (the key check) from damage.
Only `cryptography`'s primitives are used (Scrypt, HKDF, HMAC, AESGCM).
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import json
import os
import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"BASTION-BACKUP/1\n"
CHUNK = 1 << 20  # plaintext bytes per chunk
TAG = 16
NONCE_PREFIX = 7  # + 4 bytes of chunk number + 1 byte of last-chunk flag = GCM's 12
# scrypt's cost: about 32 MB and a tenth of a second, once per archive.
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MAX_HEADER = 4096
MIN_PASSPHRASE = 16


class ArchiveError(Exception):
    """The archive cannot be read: the message says why, in words for whoever restores it."""


class WrongKey(ArchiveError):
    pass


def check_passphrase(passphrase: str, secret_key: str | None = None) -> None:
    """Refuse a passphrase too short to protect a whole school's data, or the SECRET_KEY
    (a backup must survive the loss of the server and its settings)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ArchiveError(
            f"The backup key must be at least {MIN_PASSPHRASE} characters long "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')."
        )
    if secret_key is not None and std_hmac.compare_digest(passphrase, secret_key):
        raise ArchiveError(
            "The backup key must not be the SECRET_KEY: keep a key of its own, away from the "
            "server, so that a backup survives the loss of the server and its settings."
        )


def _keys(passphrase: str, salt: bytes, params: dict) -> tuple[bytes, bytes]:
    """(encryption key, key-check key) from the passphrase."""
    master = Scrypt(salt=salt, length=32, **params).derive(passphrase.encode())
    both = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=b"bastion-backup").derive(
        master
    )
    return both[:32], both[32:]


def _check_value(check_key: bytes, header: dict) -> str:
    mac = crypto_hmac.HMAC(check_key, hashes.SHA256())
    mac.update(json.dumps(header, sort_keys=True).encode())
    return base64.b64encode(mac.finalize()).decode()


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


class Writer:
    """Write an archive to `out`: `write()` plaintext, then `close()` (which seals the last
    chunk; an archive without it is refused as cut short)."""

    def __init__(self, out: BinaryIO, passphrase: str, *, about: dict):
        salt = os.urandom(16)
        header = {
            "kdf": {"name": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode()},
            "cipher": "AES-256-GCM/STREAM",
            "chunk": CHUNK,
            "nonce": base64.b64encode(os.urandom(NONCE_PREFIX)).decode(),
            **about,
        }
        key, check_key = _keys(passphrase, salt, SCRYPT)
        header["check"] = _check_value(check_key, header)
        self._head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
        self._aead = AESGCM(key)
        self._prefix = base64.b64decode(header["nonce"])
        self._out = out
        self._index = 0
        self._pending = bytearray()
        self._zip = zlib.compressobj(6)
        self.size = 0
        self._emit(self._head)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.size += len(data)

    def _seal(self, plain: bytes, last: bool) -> None:
        if self._index >= 2**32 - 1:
            raise ArchiveError("The archive is too large.")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._head)
        self._emit(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._pending += self._zip.compress(data)
        while len(self._pending) > CHUNK:
            self._seal(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]

    def close(self) -> None:
        self._pending += self._zip.flush()
        while len(self._pending) > CHUNK:
            self._seal(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]
        self._seal(bytes(self._pending), last=True)
        self._pending.clear()


def read_header(inp: BinaryIO) -> tuple[bytes, dict]:
    """The header's bytes and fields; ArchiveError when the file is not a Bastion archive."""
    magic = inp.read(len(MAGIC))
    if magic != MAGIC:
        raise ArchiveError("This file is not a Bastion backup (its first bytes are wrong).")
    line = inp.readline(MAX_HEADER)
    if not line.endswith(b"\n"):
        raise ArchiveError("The backup's header is damaged: the file was altered or cut short.")
    try:
        header = json.loads(line)
        if not all(isinstance(v, str) for v in (header["kdf"]["salt"], header["nonce"])):
            raise TypeError
        header["check"]
    except (ValueError, KeyError, TypeError):
        raise ArchiveError("The backup's header is damaged: the file was altered.") from None
    return magic + line, header


def _opened(head: bytes, header: dict, passphrase: str) -> AESGCM:
    kdf = header["kdf"]
    try:
        params = {"n": int(kdf["n"]), "r": int(kdf["r"]), "p": int(kdf["p"])}
        salt = base64.b64decode(kdf["salt"])
        if params["n"] > 2**20 or params["r"] > 32 or params["p"] > 16:
            raise ValueError("cost out of range")
        key, check_key = _keys(passphrase, salt, params)
    except (ValueError, KeyError, TypeError):
        raise ArchiveError("The backup's header is damaged: the file was altered.") from None
    fields = {k: v for k, v in header.items() if k != "check"}
    if not std_hmac.compare_digest(_check_value(check_key, fields), str(header["check"])):
        raise WrongKey(
            "The backup key does not open this archive: it was written with another key "
            "(or its header was altered)."
        )
    return AESGCM(key)


def _chunks(inp: BinaryIO, head: bytes, header: dict, aead: AESGCM) -> Iterator[bytes]:
    damaged = "The backup is damaged: it was altered or cut short, and cannot be restored."
    prefix = base64.b64decode(header["nonce"])
    limit = int(header.get("chunk", CHUNK)) + TAG
    index = 0
    size = inp.read(4)
    while True:
        if len(size) != 4:
            raise ArchiveError(damaged)  # ended before the last chunk
        (length,) = struct.unpack(">I", size)
        if length > limit or length < TAG:
            raise ArchiveError(damaged)
        sealed = inp.read(length)
        if len(sealed) != length:
            raise ArchiveError(damaged)
        size = inp.read(4)
        last = not size  # nothing after this chunk: it must be sealed as the last one
        try:
            plain = aead.decrypt(_nonce(prefix, index, last), sealed, head)
        except InvalidTag:
            raise ArchiveError(damaged) from None
        yield plain
        if last:
            return
        index += 1


def open_stream(inp: BinaryIO, passphrase: str) -> tuple[dict, Iterator[bytes]]:
    """(header, the plaintext in pieces). Reading the pieces raises ArchiveError at the first
    sign of damage: a reader must not act on what it read until the stream has ended."""
    head, header = read_header(inp)
    aead = _opened(head, header, passphrase)

    def plain() -> Iterator[bytes]:
        unzip = zlib.decompressobj()
        try:
            for chunk in _chunks(inp, head, header, aead):
                if data := unzip.decompress(chunk):
                    yield data
            if tail := unzip.flush():
                yield tail
        except zlib.error:
            raise ArchiveError("The backup is damaged: its content does not decompress.") from None
        if not unzip.eof:
            raise ArchiveError("The backup is damaged: its content ends early.")

    return header, plain()


def lines(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The plaintext's lines (without their newline)."""
    rest = b""
    for piece in pieces:
        rest += piece
        *complete, rest = rest.split(b"\n")
        yield from complete
    if rest:
        yield rest
