"""The archive container: readable with its key only, refused whole when altered or cut short."""

from __future__ import annotations

import io
import os
import struct

import pytest

from bastion.backups import archive

KEY = "tidal-copper-orchard-5521-backup"
DATA = b"".join(b"row %d of a school's data\n" % i for i in range(60_000)) + os.urandom(
    3 * archive.CHUNK
)


def sealed(data: bytes = DATA, key: str = KEY) -> bytes:
    out = io.BytesIO()
    writer = archive.Writer(out, key, about={"kind": "full", "created_at": "2026-12-07T10:00:00"})
    for start in range(0, len(data), 100_000):
        writer.write(data[start : start + 100_000])
    writer.close()
    assert writer.size == len(out.getvalue())
    return out.getvalue()


def opened(blob: bytes, key: str = KEY) -> bytes:
    _header, pieces = archive.open_stream(io.BytesIO(blob), key)
    return b"".join(pieces)


def chunk_offsets(blob: bytes) -> list[int]:
    """Where each chunk's length prefix starts."""
    start = blob.index(b"\n", len(archive.MAGIC)) + 1
    offsets = []
    while start < len(blob):
        offsets.append(start)
        (length,) = struct.unpack(">I", blob[start : start + 4])
        start += 4 + length
    return offsets


def test_an_archive_opens_with_its_key_to_exactly_what_was_written():
    blob = sealed()
    assert len(chunk_offsets(blob)) >= 3
    assert opened(blob) == DATA


def test_an_empty_archive_still_opens():
    assert opened(sealed(b"")) == b""


def test_the_plaintext_is_not_in_the_file():
    assert b"of a school's data" not in sealed()


def test_a_wrong_key_is_refused_as_a_wrong_key():
    with pytest.raises(archive.WrongKey, match="does not open this archive"):
        opened(sealed(), "another-passphrase-of-length")


@pytest.mark.parametrize("where", ["header", "first chunk", "middle chunk", "last chunk"])
def test_a_changed_byte_anywhere_is_refused(where):
    blob = bytearray(sealed())
    offsets = chunk_offsets(bytes(blob))
    at = {
        "header": len(archive.MAGIC) + 20,
        "first chunk": offsets[0] + 40,
        "middle chunk": offsets[1] + 500,
        "last chunk": len(blob) - 3,
    }[where]
    blob[at] ^= 0x01
    with pytest.raises(archive.ArchiveError):
        opened(bytes(blob))


@pytest.mark.parametrize("cut", ["inside the header", "inside a chunk", "at a chunk's end"])
def test_an_archive_cut_short_is_refused(cut):
    blob = sealed()
    offsets = chunk_offsets(blob)
    end = {
        "inside the header": len(archive.MAGIC) + 10,
        "inside a chunk": offsets[1] + 1000,
        "at a chunk's end": offsets[-1],  # every chunk but the last: still refused
    }[cut]
    with pytest.raises(archive.ArchiveError):
        opened(blob[:end])


def test_chunks_in_another_order_are_refused():
    blob = sealed()
    offsets = [*chunk_offsets(blob), len(blob)]
    first, second = blob[offsets[0] : offsets[1]], blob[offsets[1] : offsets[2]]
    swapped = blob[: offsets[0]] + second + first + blob[offsets[2] :]
    with pytest.raises(archive.ArchiveError):
        opened(swapped)


def test_anything_added_after_the_last_chunk_is_refused():
    blob = sealed()
    last = chunk_offsets(blob)[-1]
    with pytest.raises(archive.ArchiveError):
        opened(blob + blob[last:])


def test_a_file_that_is_not_an_archive_is_refused_plainly():
    with pytest.raises(archive.ArchiveError, match="not a Bastion backup"):
        opened(b"PK\x03\x04 a zip file")


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [("short", "at least 16"), ("the-server-secret-key-value", "must not be the SECRET_KEY")],
)
def test_a_weak_passphrase_or_the_secret_key_is_refused(passphrase, message):
    with pytest.raises(archive.ArchiveError, match=message):
        archive.check_passphrase(passphrase, "the-server-secret-key-value")
