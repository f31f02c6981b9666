"""dsearch, json, lsearch details, passwd and testdb."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from pyexim.lookups import (LookupContext, LookupDefer, LookupFailed, lookup,
                            parse_lookup_type)


@pytest.fixture
def ctx() -> LookupContext:
    return LookupContext()


def test_dsearch(tmp_path: Path, ctx: LookupContext) -> None:
    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "d")
    d = str(tmp_path)
    assert lookup(parse_lookup_type("dsearch"), "f", d, ctx) == "f"
    assert lookup(parse_lookup_type("dsearch,ret=full"), "f", d, ctx) == f"{d}/f"
    assert lookup(parse_lookup_type("dsearch,filter=dir"), "link", d, ctx) is None  # lstat
    assert lookup(parse_lookup_type("dsearch,filter=file"), "link", d, ctx) is None
    assert lookup(parse_lookup_type("dsearch"), "link", d, ctx) == "link"
    with pytest.raises(LookupDefer, match="contains a slash"):
        lookup(parse_lookup_type("dsearch"), "a/b", d, ctx)
    with pytest.raises(LookupFailed, match="is not a directory \\(dsearch lookup\\)|"
                                           "Not a directory"):
        lookup(parse_lookup_type("dsearch"), "x", str(tmp_path / "f"), ctx)


def test_dsearch_relative_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    ctx: LookupContext) -> None:
    (tmp_path / "rel").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LookupFailed, match="dirname 'rel' for dsearch is not absolute"):
        lookup(parse_lookup_type("dsearch"), "x", "rel", ctx)


@pytest.mark.parametrize("key,value", [
    ("s", "str"),
    ("a:b:0", "10"),
    ("a:b:1", "twenty"),
    ("a:b:2", "true"),
    ("a:b:3", None),             # null is "not found"
    ("a:b:4:c", "1.500000"),
    ("a:b:4", '{"c": 1.5}'),
    ("a:b", '[10, "twenty", true, null, {"c": 1.5}]'),
    ("a:b:9", None),
    ("a:x", None),
    ("s:0", None),
    ("u", "caf\xc3\xa9"),        # UTF-8 bytes, one character each
])
def test_json(tmp_path: Path, ctx: LookupContext, key: str, value: str | None) -> None:
    f = tmp_path / "j.json"
    f.write_text('{"a": {"b": [10, "twenty", true, null, {"c": 1.5}]}, "s": "str", '
                 '"u": "caf\\u00e9"}', encoding="utf-8")
    assert lookup(parse_lookup_type("json"), key, str(f), ctx) == value


def test_json_not_json(tmp_path: Path, ctx: LookupContext) -> None:
    f = tmp_path / "j"
    f.write_text("not json")
    assert lookup(parse_lookup_type("json"), "a", str(f), ctx) is None


@pytest.mark.parametrize("content,key,value", [
    ("a: one\r\nb: two\r\n", "a", "one"),               # CRLF files
    ("a: x\n b\n\n c\n", "a", "x b"),                   # empty line ends the entry
    ("a:\n b\n", "a", " b"),
    ("a :  x  \n", "a", "x"),
    ('"a b" x\n', "a b", "x"),
    ('"a\\"b": q\n', 'a"b', "q"),
    ('"\\x41\\101": hex and octal\n', "AA", "hex and octal"),
    ("\xe9t\xe9: latin\n", "\xc9T\xc9", None),          # caseless only for ASCII
    ("nolf: last", "nolf", "last"),
])
def test_lsearch_format(tmp_path: Path, ctx: LookupContext, content: str, key: str,
                        value: str | None) -> None:
    f = tmp_path / "t"
    f.write_bytes(content.encode("latin-1"))
    assert lookup(parse_lookup_type("lsearch"), key, str(f), ctx) == value


def test_wildlsearch_without_expander_defers(tmp_path: Path, ctx: LookupContext) -> None:
    f = tmp_path / "w"
    f.write_text('"${lc:X}": expanded\n')
    with pytest.raises(LookupDefer, match="needs expanding"):
        lookup(parse_lookup_type("wildlsearch"), "x", str(f), ctx)
    assert lookup(parse_lookup_type("wildlsearch"), "x", str(f), ctx,
                  expand=lambda t: "x") == "expanded"


def test_passwd(ctx: LookupContext) -> None:
    root = pwd.getpwnam("root")
    assert lookup(parse_lookup_type("passwd"), None, "root", ctx) == (
        f"*:{root.pw_uid}:{root.pw_gid}:{root.pw_gecos}:{root.pw_dir}:{root.pw_shell}")
    assert lookup(parse_lookup_type("passwd"), None, "no-such-user-x", ctx) is None
    short = LookupContext(options={"max_username_length": 3})
    assert lookup(parse_lookup_type("passwd"), None, "root", short) is None


def test_testdb(ctx: LookupContext) -> None:
    spec = parse_lookup_type("testdb")
    assert lookup(spec, None, "anything", ctx) == "anything"
    assert lookup(spec, None, "fail", ctx) is None
    with pytest.raises(LookupDefer, match="testdb lookup forced DEFER"):
        lookup(spec, None, "defer", ctx)
    assert lookup(spec, None, "nocache", ctx) == "nocache"
