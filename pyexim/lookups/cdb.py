"""The cdb lookup: D. J. Bernstein's constant database format (Exim: lookups/cdb.c).

A cdb file is a 2048-byte header of 256 (position, slot count) pairs, the records
(key length, data length, key, data), then 256 hash tables of (hash, record position)
slots; all numbers are 32-bit little-endian. A key hashes with ``h = ((h << 5) + h) ^ c``
from 5381; table ``h & 255`` is probed from slot ``(h >> 8) % slots`` until an empty slot.
Keys are compared exactly (case matters). The file is mapped into memory once per run.
"""

from __future__ import annotations

import mmap
import os
import struct

from pyexim.lookups.base import (
    ABSFILE,
    Expander,
    Found,
    LookupDefer,
    LookupFailed,
    LookupType,
    check_file,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HEADER_SIZE = 2048
_PAIR = struct.Struct("<II")


def cdb_hash(key: bytes) -> int:
    """The cdb hash of *key* (32-bit)."""
    h = 5381
    for c in key:
        h = (((h << 5) + h) & 0xFFFFFFFF) ^ c
    return h


class CdbFile:
    """An open cdb file: its bytes (memory-mapped when possible)."""

    def __init__(self, fd: int, data: bytes | mmap.mmap):
        self.fd = fd
        self.data = data

    def get(self, key: bytes, filename: str) -> bytes | None:
        data = self.data
        h = cdb_hash(key)
        pos, slots = _PAIR.unpack_from(data, (h & 255) * 8)
        if slots == 0:
            return None
        if pos + slots * 8 > len(data):
            raise LookupDefer(f"cdb: corrupt cdb file {filename} (too short)")
        slot = (h >> 8) % slots
        for _ in range(slots):
            item_hash, item_pos = _PAIR.unpack_from(data, pos + slot * 8)
            if item_pos == 0:
                return None
            if item_hash == h:
                klen, dlen = _PAIR.unpack_from(data, item_pos)
                start = item_pos + 8
                if klen == len(key) and data[start:start + klen] == key:
                    return bytes(data[start + klen:start + klen + dlen])
            slot = (slot + 1) % slots
        return None


class Cdb(LookupType):
    """``cdb``: single key, absolute file name."""

    name = "cdb"
    style = ABSFILE

    def open(self, filename: str | None, ctx: Any) -> CdbFile:
        assert filename is not None
        try:
            fd = os.open(filename, os.O_RDONLY)
        except OSError as exc:
            raise LookupFailed(f"failed to open {filename} for cdb lookup: "
                               f"{exc.strerror}") from exc
        size = os.fstat(fd).st_size
        if size < HEADER_SIZE:
            os.close(fd)
            # Exim builds this with its "failed to open" helper, errno being whatever it was.
            raise LookupFailed(f"failed to open {filename} too short for cdb lookup: Success")
        try:
            data: bytes | mmap.mmap = mmap.mmap(fd, size, prot=mmap.PROT_READ)
        except (OSError, ValueError):
            try:
                data = os.pread(fd, size, 0)
            except OSError as exc:
                os.close(fd)
                raise LookupFailed(f"failed to open cannot read header from {filename} for "
                                   f"cdb lookup: {exc.strerror}") from exc
        return CdbFile(fd, data)

    def check(self, handle: CdbFile, filename: str | None, ctx: Any) -> None:
        assert filename is not None
        check_file(handle.fd, filename, False, "cdb")

    def find(self, handle: CdbFile, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        value = handle.get(key.encode("latin-1"), filename or "")
        return None if value is None else Found(value.decode("latin-1"))

    def close(self, handle: CdbFile) -> None:
        if isinstance(handle.data, mmap.mmap):
            handle.data.close()
        os.close(handle.fd)


def write_cdb(path: str, items: list[tuple[bytes, bytes]]) -> None:
    """Write a cdb file (used by tests and tools; Exim itself only reads cdb)."""
    tables: list[list[tuple[int, int]]] = [[] for _ in range(256)]
    body = bytearray()
    pos = HEADER_SIZE
    for key, value in items:
        h = cdb_hash(key)
        tables[h & 255].append((h, pos))
        record = _PAIR.pack(len(key), len(value)) + key + value
        body += record
        pos += len(record)
    header = bytearray()
    tail = bytearray()
    for entries in tables:
        slots = len(entries) * 2
        header += _PAIR.pack(pos + len(tail), slots)
        table = [(0, 0)] * slots
        for h, rpos in entries:
            slot = (h >> 8) % slots
            while table[slot][1] != 0:
                slot = (slot + 1) % slots
            table[slot] = (h, rpos)
        for h, rpos in table:
            tail += _PAIR.pack(h, rpos)
    with open(path, "wb") as f:
        f.write(bytes(header) + bytes(body) + bytes(tail))


CDB = Cdb()
