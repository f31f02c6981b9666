"""The cdb lookup: files from the test's own writer, all sizes of table, corrupt files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.lookups import LookupContext, LookupDefer, LookupFailed, lookup, parse_lookup_type
from pyexim.lookups.cdb import cdb_hash, write_cdb

SPEC = parse_lookup_type("cdb")


def test_hash_is_djb() -> None:
    assert cdb_hash(b"") == 5381
    assert cdb_hash(b"a") == ((5381 << 5) + 5381) ^ ord("a")


@pytest.mark.parametrize("count", [1, 2, 255, 256, 3000])
def test_many_keys(tmp_path: Path, count: int) -> None:
    f = tmp_path / "t.cdb"
    items = [(f"key{i}".encode(), f"value {i}".encode()) for i in range(count)]
    write_cdb(str(f), items)
    ctx = LookupContext()
    for i in (0, count // 2, count - 1):
        assert lookup(SPEC, f"key{i}", str(f), ctx) == f"value {i}"
    assert lookup(SPEC, f"key{count}", str(f), ctx) is None
    assert lookup(SPEC, "KEY0", str(f), ctx) is None        # case matters


def test_binary_and_empty_values(tmp_path: Path) -> None:
    f = tmp_path / "t.cdb"
    write_cdb(str(f), [(b"a", b""), (b"b\xe9", b"caf\xe9"), (b"nul", b"x\0y")])
    ctx = LookupContext()
    assert lookup(SPEC, "a", str(f), ctx) == ""
    assert lookup(SPEC, "b\xe9", str(f), ctx) == "caf\xe9"   # bytes as latin-1 text
    assert lookup(SPEC, "nul", str(f), ctx) == "x\0y"


def test_corrupt_file_defers(tmp_path: Path) -> None:
    f = tmp_path / "bad.cdb"
    # every table claims 1000 slots beyond the end of the file
    f.write_bytes(((4000).to_bytes(4, "little") + (1000).to_bytes(4, "little")) * 256)
    with pytest.raises(LookupDefer, match="corrupt cdb file .* \\(too short\\)"):
        lookup(SPEC, "anykey", str(f), LookupContext())


def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(LookupFailed, match="for cdb lookup: No such file"):
        lookup(SPEC, "k", str(tmp_path / "none"), LookupContext())
    with pytest.raises(LookupFailed, match="cannot read header from .* Is a directory"):
        lookup(SPEC, "k", str(tmp_path), LookupContext())
