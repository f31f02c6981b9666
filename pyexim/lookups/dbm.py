"""The dbm, dbmnz and dbmjz lookups on Berkeley DB files (Exim: lookups/dbmdb.c).

Debian's Exim uses Berkeley DB 5.3 hash databases (what ``exim_dbmbuild`` writes).
pyexim reads that format itself, so no library is needed: page 0 is the hash meta page
(magic 0x061561, page size), hash pages (types 2 and 13) hold key/data item pairs, and a
large item lives on a chain of overflow pages (type 7). The whole file is read once into a
dictionary. Both byte orders are accepted, as Berkeley DB does.

- ``dbm``: the key with a terminating NUL (how exim_dbmbuild stores keys by default);
- ``dbmnz``: the key without the NUL (``exim_dbmbuild -nozero``);
- ``dbmjz``: the key is an Exim list whose items are joined with NULs (no final NUL).
Data is returned up to its first NUL, as Exim's C strings end there.
"""

from __future__ import annotations

import struct

from pyexim.lookups.base import ABSFILE, Expander, Found, LookupFailed, LookupType, check_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HASH_MAGIC = 0x061561
P_HASH_UNSORTED, P_OVERFLOW, P_HASH = 2, 7, 13
H_KEYDATA, H_DUPLICATE, H_OFFPAGE = 1, 2, 3
PAGE_HEADER = 26


class BdbFormatError(ValueError):
    """The file is not a Berkeley DB hash database pyexim can read."""


def read_bdb_hash(content: bytes) -> dict[bytes, bytes]:
    """Every key/data pair of a Berkeley DB hash database file."""
    if len(content) < 512:
        raise BdbFormatError("unexpected file type or format")
    for order in "<>":
        magic, _version, pagesize = struct.unpack_from(order + "III", content, 12)
        if magic == HASH_MAGIC:
            break
    else:
        raise BdbFormatError("unexpected file type or format")
    if pagesize < 512 or pagesize > 65536 or pagesize & (pagesize - 1):
        raise BdbFormatError("bad page size")
    u16 = struct.Struct(order + "H")
    u32 = struct.Struct(order + "I")
    npages = len(content) // pagesize
    result: dict[bytes, bytes] = {}

    def page(no: int) -> bytes:
        if no <= 0 or no >= npages:
            raise BdbFormatError(f"page {no} out of range")
        return content[no * pagesize:(no + 1) * pagesize]

    def overflow(no: int, total: int) -> bytes:
        parts = []
        seen = set()
        while no and total > 0 and no not in seen:
            seen.add(no)
            pg = page(no)
            if pg[25] != P_OVERFLOW:
                raise BdbFormatError("broken overflow chain")
            length = u16.unpack_from(pg, 22)[0]
            parts.append(pg[PAGE_HEADER:PAGE_HEADER + length])
            total -= length
            no = u32.unpack_from(pg, 16)[0]
        return b"".join(parts)

    def item(pg: bytes, offsets: list[int], idx: int) -> bytes | None:
        off = offsets[idx]
        end = pagesize if idx == 0 else offsets[idx - 1]
        kind = pg[off]
        if kind == H_KEYDATA:
            return pg[off + 1:end]
        if kind == H_OFFPAGE:
            pgno = u32.unpack_from(pg, off + 4)[0]
            tlen = u32.unpack_from(pg, off + 8)[0]
            return overflow(pgno, tlen)[:tlen]
        return None

    for no in range(1, npages):
        pg = content[no * pagesize:(no + 1) * pagesize]
        if pg[25] not in (P_HASH, P_HASH_UNSORTED):
            continue
        entries = u16.unpack_from(pg, 20)[0]
        if PAGE_HEADER + 2 * entries > pagesize:
            continue
        offsets = [u16.unpack_from(pg, PAGE_HEADER + 2 * i)[0] for i in range(entries)]
        if any(off >= pagesize for off in offsets):
            raise BdbFormatError("bad item offset")
        for i in range(0, entries - 1, 2):
            key = item(pg, offsets, i)
            data = item(pg, offsets, i + 1)
            if key is not None and data is not None:
                result.setdefault(key, data)
    return result


class Dbm(LookupType):
    """``dbm``, ``dbmnz`` or ``dbmjz`` over a Berkeley DB hash file."""

    style = ABSFILE

    def __init__(self, name: str):
        self.name = name

    def open(self, filename: str | None, ctx: Any) -> dict[bytes, bytes]:
        assert filename is not None
        try:
            with open(filename, "rb") as f:
                content = f.read()
        except OSError as exc:
            raise LookupFailed(f"failed to open {filename} as a db (v4.1+) file: "
                               f"{exc.strerror}") from exc
        try:
            return read_bdb_hash(content)
        except BdbFormatError as exc:
            ctx.log(f"Berkeley DB error: {filename}: {exc}", False)
            raise LookupFailed(f"failed to open {filename} as a db (v4.1+) file: "
                               f"{exc}") from exc

    def check(self, handle: Any, filename: str | None, ctx: Any) -> None:
        assert filename is not None
        check_file(filename, filename, False, "dbm")

    def find(self, handle: dict[bytes, bytes], filename: str | None, key: str,
             opts: str | None, ctx: Any, *, expand: Expander | None = None) -> Found | None:
        raw = key.encode("latin-1")
        if self.name == "dbm":
            raw += b"\0"
        elif self.name == "dbmjz":
            joined = _joined_key(key)
            if joined is None:
                return None
            raw = joined
        value = handle.get(raw)
        if value is None:
            return None
        return Found(value.split(b"\0", 1)[0].decode("latin-1"))


def _joined_key(key: str) -> bytes | None:
    """dbmjz: the list items of *key* joined with NULs; None for an empty list.

    Built the way Exim builds it in one buffer: each item and its NUL, the final NUL
    dropped, and an empty first item contributing two NULs (Exim supplies the missing
    "previous" terminator itself) - copied as it is, so keys match Exim's.
    """
    from pyexim.strings import list_items
    buf = bytearray()
    for item in list_items(key):
        if item == "":
            buf += b"\0\0" if not buf else b"\0"
        else:
            buf += item.encode("latin-1") + b"\0"
    if not buf:
        return None
    return bytes(buf[:-1])


DBM = Dbm("dbm")
DBMNZ = Dbm("dbmnz")
DBMJZ = Dbm("dbmjz")

