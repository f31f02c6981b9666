"""pyexim.lookups.spec and .search: type parsing, decorations, the per-run cache, taint."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.lookups import (LookupContext, LookupFailed, LookupSyntaxError, lookup,
                            parse_lookup_type, quote, search, split_query)
from pyexim.lookups.base import Found, LookupType, QUERY
from pyexim.lookups.registry import LOOKUP_TYPES
from pyexim.taint import Tainted


@pytest.mark.parametrize("text,fields", [
    ("lsearch", dict(name="lsearch", partial=None, star=False, starat=False, opts=None)),
    ("partial-lsearch", dict(partial=2, affix="*.")),
    ("partial0-cdb", dict(name="cdb", partial=0, affix="*.")),
    ("partial12(.)dbm", dict(name="dbm", partial=12, affix=".")),
    ("partial(=+)lsearch", dict(partial=2, affix="=+")),
    ("lsearch*", dict(star=True)),
    ("lsearch*@", dict(starat=True, star=False)),
    ("lsearch*@,ret=key", dict(starat=True, opts="ret=key")),
    ("dsearch,ret=full,filter=file", dict(opts="ret=full,filter=file")),
    ("sqlite", dict(single_key=False)),
    ("sqlite*", dict(star=True, single_key=False)),
    ("dnsdb", dict(single_key=False)),
])
def test_parse(text: str, fields: dict[str, object]) -> None:
    spec = parse_lookup_type(text)
    for name, value in fields.items():
        assert getattr(spec, name) == value, name


def test_options_mapping() -> None:
    spec = parse_lookup_type("dsearch,ret=full,filter=dir")
    assert dict(spec.options) == {"ret": "full", "filter": "dir"}


@pytest.mark.parametrize("text,message", [
    ("partial", 'format error in lookup type "partial"'),
    ("partial(ab)lsearch", 'format error in lookup type "partial(ab)lsearch"'),
    ("nosuch", 'unknown lookup type "nosuch"'),
    ("redis", 'unknown lookup type "redis"'),
    ("lmdb", 'unknown lookup type "lmdb"'),
    ("partial-dnsdb", '"partial" is not permitted for lookup type "dnsdb"'),
    ("passwd*", 'defaults using "*" or "*@" are not permitted for lookup type "passwd*"'),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(LookupSyntaxError) as info:
        parse_lookup_type(text)
    assert info.value.message == message


def test_registry_is_debians_set_plus_extensions() -> None:
    assert sorted(LOOKUP_TYPES) == sorted(
        "lsearch wildlsearch nwildlsearch iplsearch cdb dbm dbmjz dbmnz dnsdb dsearch ldap "
        "ldapdn ldapm mysql nis nis0 passwd pgsql sqlite readsock spf json testdb".split())


@pytest.mark.parametrize("text,query,file,rest", [
    ("sqlite", "/db/file select 1", "/db/file", "select 1"),
    ("sqlite", "  /db/file   select 1", "/db/file", "select 1"),
    ("sqlite", "select 1", None, "select 1"),
    ("sqlite,file=/x/y", "/db/file select 1", "/x/y", "/db/file select 1"),
    ("dnsdb", "  mx=example.com", None, "mx=example.com"),
])
def test_split_query(text: str, query: str, file: str | None, rest: str) -> None:
    assert split_query(parse_lookup_type(text), query) == (file, rest)


class Counting(LookupType):
    """A query-style type that counts its calls; "none" is not found, "t0" uncached."""

    name = "counting"
    style = QUERY

    def __init__(self) -> None:
        self.calls: list[str] = []

    def find(self, handle, filename, key, opts, ctx, *, expand=None):  # type: ignore
        self.calls.append(key)
        if key == "none":
            return None
        return Found(f"{key}/{opts}", ttl=0 if key == "t0" else (1 if key == "t1" else None))


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Counting:
    ltype = Counting()
    monkeypatch.setitem(LOOKUP_TYPES, "counting", ltype)
    return ltype


def test_result_cache(counting: Counting) -> None:
    now = [1000.0]
    ctx = LookupContext(clock=lambda: now[0])
    spec = parse_lookup_type("counting")
    assert lookup(spec, None, "a", ctx) == "a/None"
    assert lookup(spec, None, "a", ctx) == "a/None"
    assert lookup(spec, None, "none", ctx) is None
    assert lookup(spec, None, "none", ctx) is None          # "not found" is cached too
    assert counting.calls == ["a", "none"]
    assert lookup(parse_lookup_type("counting,x=1"), None, "a", ctx) == "a/x=1"
    assert counting.calls[-1] == "a"                         # other options: asked again
    assert lookup(parse_lookup_type("counting,cache=no_rd"), None, "a", ctx) == "a/None"
    assert counting.calls.count("a") == 3                    # no_rd: not read from cache
    lookup(spec, None, "t1", ctx)
    lookup(spec, None, "t1", ctx)
    now[0] += 2
    lookup(spec, None, "t1", ctx)                            # its TTL expired
    assert counting.calls.count("t1") == 2
    lookup(spec, None, "t0", ctx)                            # ttl 0 empties the cache
    lookup(spec, None, "a", ctx)
    assert counting.calls.count("a") == 4
    ctx.tidyup()
    lookup(spec, None, "none", ctx)
    assert counting.calls.count("none") == 2


def test_ret_key_and_star(tmp_path: Path) -> None:
    f = tmp_path / "t"
    f.write_text("*: star\nkey: data\n*@ex.test: starat\n")
    ctx = LookupContext()
    assert lookup(parse_lookup_type("lsearch,ret=key"), "KEY", str(f), ctx) == "KEY"
    res = search(parse_lookup_type("lsearch*@,ret=key"), "joe@ex.test", str(f), ctx)
    assert (res.data, res.wild) == ("joe@ex.test", ("joe", ""))
    assert search(parse_lookup_type("lsearch*"), "zz", str(f), ctx).wild == ("zz", "")
    tainted_key = Tainted("key")
    out = lookup(parse_lookup_type("lsearch,ret=key"), tainted_key, str(f), ctx)
    assert out == "key" and type(out) is str    # the key comes back untainted


def test_partial_ignored_when_asked(tmp_path: Path) -> None:
    f = tmp_path / "d"
    f.write_text("*.b.c: wild\n")
    spec = parse_lookup_type("partial-lsearch")
    ctx = LookupContext()
    assert search(spec, "a.b.c", str(f), ctx).wild == ("a", "b.c")
    assert search(spec, "a.b.c", str(f), ctx, partial=False).data is None


def test_tainted_file_name_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "t"
    f.write_text("a: b\n")
    logged: list[tuple[str, bool]] = []
    ctx = LookupContext(log=lambda m, p: logged.append((m, p)))
    with pytest.raises(LookupFailed) as info:
        lookup(parse_lookup_type("lsearch"), "a", Tainted(str(f)), ctx)
    assert info.value.message == f"Tainted filename for search: '{f}'"
    assert logged == [(info.value.message, True)]
    # A tainted key is fine.
    assert lookup(parse_lookup_type("lsearch"), Tainted("a"), str(f), ctx) == "b"


def test_changed_files_are_reread_when_asked(tmp_path: Path) -> None:
    f = tmp_path / "t"
    f.write_text("a: one\n")
    spec = parse_lookup_type("lsearch")
    plain = LookupContext()
    watching = LookupContext(recheck_files=True)
    assert lookup(spec, "a", str(f), plain) == lookup(spec, "a", str(f), watching) == "one"
    f.write_text("a: two, longer\n")
    assert lookup(spec, "a", str(f), plain) == "one"        # as Exim: until tidyup
    assert lookup(spec, "a", str(f), watching) == "two, longer"
    plain.tidyup()
    assert lookup(spec, "a", str(f), plain) == "two, longer"


@pytest.mark.parametrize("name,value,quoted", [
    ("sqlite", "it's", "it''s"),
    ("mysql", "a'b\"c\\d\n", "a\\'b\\\"c\\\\d\\n"),
    ("pgsql", "a'b\t", "a''b\\t"),
    ("ldap", "x*(y)", "x%5C2A%5C28y%5C29"),
    ("ldap_dn", "a,b", "a%5C%2Cb"),
    ("lsearch", "a:b", "a:b"),
    ("dnsdb", "x y", "x y"),
])
def test_quote(name: str, value: str, quoted: str) -> None:
    assert quote(name, value) == quoted


@pytest.mark.parametrize("name,message", [
    ("redis", 'unknown lookup type "redis"'),
    ("lsearch_x", '"x" unrecognized after "${quote_lsearch"'),
    ("ldap_x", '"x" unrecognized after "${quote_ldap"'),
])
def test_quote_errors(name: str, message: str) -> None:
    with pytest.raises(LookupSyntaxError) as info:
        quote(name, "v")
    assert info.value.message == message
