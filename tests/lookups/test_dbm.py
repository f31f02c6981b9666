"""The dbm lookups: Berkeley DB hash files read without a library."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pyexim.lookups import LookupContext, LookupFailed, lookup, parse_lookup_type
from pyexim.lookups.dbm import BdbFormatError, read_bdb_hash

needs_dbmbuild = pytest.mark.skipif(shutil.which("exim_dbmbuild") is None,
                                    reason="exim_dbmbuild (Exim's utility) is not installed")


def dbmbuild(tmp_path: Path, text: str, *flags: str) -> Path:
    src = tmp_path / "src"
    src.write_text(text, encoding="latin-1")
    dest = tmp_path / ("out" + "".join(flags) + ".db")
    proc = subprocess.run(["exim_dbmbuild", *flags, str(src), str(dest)], capture_output=True)
    assert proc.returncode in (0, 1), proc.stderr
    return dest


@needs_dbmbuild
def test_many_entries_and_long_data(tmp_path: Path) -> None:
    lines = [f"user{i}: data for user {i}" for i in range(2000)]
    lines.append("big: " + "x" * 15000)             # lives on overflow pages
    lines.append(("k" * 250) + ": long key")
    lines.append("cont: first\n  second")
    db = dbmbuild(tmp_path, "\n".join(lines) + "\n")
    ctx = LookupContext()
    spec = parse_lookup_type("dbm")
    assert lookup(spec, "user0", str(db), ctx) == "data for user 0"
    assert lookup(spec, "user1999", str(db), ctx) == "data for user 1999"
    assert lookup(spec, "big", str(db), ctx) == "x" * 15000
    assert lookup(spec, "k" * 250, str(db), ctx) == "long key"
    assert lookup(spec, "cont", str(db), ctx) == "first second"
    assert lookup(spec, "USER0", str(db), ctx) is None
    assert len(read_bdb_hash(db.read_bytes())) == 2003


@needs_dbmbuild
def test_nozero_and_joined_keys(tmp_path: Path) -> None:
    db = dbmbuild(tmp_path, 'a: plain\n"x\\0y": joined\n"\\0\\0z": empty first\n', "-nozero")
    ctx = LookupContext()
    assert lookup(parse_lookup_type("dbmnz"), "a", str(db), ctx) == "plain"
    assert lookup(parse_lookup_type("dbm"), "a", str(db), ctx) is None
    jz = parse_lookup_type("dbmjz")
    assert lookup(jz, "x:y", str(db), ctx) == "joined"
    assert lookup(jz, "<; x;y", str(db), ctx) == "joined"
    # an empty first item gives two NULs, as Exim builds the key
    assert lookup(jz, ":z", str(db), ctx) == "empty first"
    assert lookup(jz, "", str(db), ctx) is None


def test_not_a_database(tmp_path: Path) -> None:
    f = tmp_path / "plain"
    f.write_bytes(b"not a database" * 100)
    logged: list[str] = []
    ctx = LookupContext(log=lambda m, p: logged.append(m))
    with pytest.raises(LookupFailed, match="as a db \\(v4.1\\+\\) file: unexpected file type"):
        lookup(parse_lookup_type("dbm"), "k", str(f), ctx)
    assert logged and logged[0].startswith("Berkeley DB error:")
    with pytest.raises(LookupFailed, match="No such file or directory"):
        lookup(parse_lookup_type("dbm"), "k", str(tmp_path / "none"), ctx)


def test_big_endian_and_bad_pages() -> None:
    page = bytearray(4096)
    page[12:24] = (0x061561).to_bytes(4, "big") + (9).to_bytes(4, "big") + (512).to_bytes(
        4, "big")
    assert read_bdb_hash(bytes(page)) == {}
    page[20:24] = (1000).to_bytes(4, "big")          # not a power of two
    with pytest.raises(BdbFormatError):
        read_bdb_hash(bytes(page))
