"""sqlite, dnsdb, readsock and the library-less types (ldap, mysql, pgsql, nis, spf)."""

from __future__ import annotations

import socket
import sqlite3
import threading
from pathlib import Path

import pytest

from pyexim.lookups import (LookupContext, LookupDefer, LookupFailed, lookup,
                            parse_lookup_type)
from pyexim.lookups.readsock import readsocket
from pyexim.resolver import Resolver
from tests.dnsfake import FakeZone


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (k text, v text, n real, b blob)")
    conn.executemany("insert into t values (?, ?, ?, ?)",
                     [("a", "one", 1.0, b"\x00\x01"), ("b", "two words", 0.1, None),
                      ("c", '"q"', 1e20, None), ("d", "caf\u00e9", None, None)])
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("query,result", [
    ("select v from t where k='a'", "one"),
    ("select v from t order by k", 'one\ntwo words\n"q"\ncaf\xc3\xa9'),
    ("select k, v from t where k='b'", 'k=b v="two words" '),
    ("select k, v from t where k='c'", 'k=c v="\\"q\\"" '),
    ("select n from t order by k", "1.0\n0.1\n1.0e+20\n<NULL>"),
    ("select b from t where k='a'", "\x00\x01"),
    ("select v from t where k='zz'", None),
    ("select nosuch from t", None),
    ("select 1; select 2", None),
])
def test_sqlite(db: Path, query: str, result: str | None) -> None:
    assert lookup(parse_lookup_type("sqlite"), None, f"{db} {query}", LookupContext()) == \
        result


def test_sqlite_dbfile_option_and_errors(db: Path) -> None:
    ctx = LookupContext(options={"sqlite_dbfile": str(db)})
    assert lookup(parse_lookup_type("sqlite"), None, "select count(*) from t", ctx) == "4"
    with pytest.raises(LookupFailed, match='absolute file name expected for "sqlite"'):
        lookup(parse_lookup_type("sqlite"), None, "select 1", LookupContext())


ZONE = {
    ("example.com", "A"): ["192.0.2.1"],
    ("example.com", "MX"): ["10 mx.example.com.", "20 mx2.example.com."],
    ("example.com", "TXT"): ['"one" "two"', '"three"'],
    ("example.com", "SOA"): ["ns.example.com. h.example.com. 5 6 7 8 9"],
    ("_s._tcp.example.com", "SRV"): ["1 2 3 t.example.com."],
    ("mx2.example.com", "AAAA"): ["2001:db8::2"],
    ("mx2.example.com", "A"): ["192.0.2.2"],
    ("_client._smtp.bad.test", "SRV"): ["2 2 0 bad.test."],
    ("_client._smtp.n.test", "SRV"): ["1 1 0 n.test."],
}


@pytest.fixture
def dns_ctx() -> LookupContext:
    return LookupContext(resolver=Resolver(query=FakeZone(dict(ZONE), {"fail.test"}).answer))


@pytest.mark.parametrize("query,result", [
    ("a=example.com", "192.0.2.1"),
    ("txt=example.com", "one\nthree"),
    (">| txt=example.com", "one|three"),
    (">|,+ txt=example.com", "one+two|three"),
    (">|; txt=example.com", "onetwo|three"),
    (">;,, mx=example.com", "10,mx.example.com;20,mx2.example.com"),
    (">:; mx=example.com", "10mx.example.com:20mx2.example.com"),  # NUL field separator
    (">:; srv=_s._tcp.example.com", "1t.example.com"),
    (">:; soa=example.com", "ns.example.com"),
    ("a+=mx2.example.com", "2001:db8::2\n192.0.2.2"),
    ("csa=n.test", "N n.test"),
    ("csa=bad.test", None),                      # CSA version must be 1
    ("defer_never,a=fail.test", None),
    ("a=nosuch.test:example.com", "192.0.2.1"),
    ("ptr=<; 2001:db8::99", None),
    ("retry_0x1,a=example.com", "192.0.2.1"),
])
def test_dnsdb(dns_ctx: LookupContext, query: str, result: str | None) -> None:
    assert lookup(parse_lookup_type("dnsdb"), None, query, dns_ctx) == result


@pytest.mark.parametrize("query,message", [
    ("a=fail.test", ""),
    ("defer_strict,a=fail.test:example.com", ""),
    ("dnssec_maybe,a=x", "unsupported dnsdb dnssec behaviour"),
    ("retrans_5,a=x", "unsupported dnsdb timeout value"),
    ("defer_lax;a=x", "dnsdb modifier syntax error"),
])
def test_dnsdb_defers(dns_ctx: LookupContext, query: str, message: str) -> None:
    with pytest.raises(LookupDefer) as info:
        lookup(parse_lookup_type("dnsdb"), None, query, dns_ctx)
    assert info.value.message == message


def test_dnsdb_dnssec_state(dns_ctx: LookupContext) -> None:
    lookup(parse_lookup_type("dnsdb"), None, "a=example.com", dns_ctx)
    assert dns_ctx.dnssec_authenticated == "no"
    lookup(parse_lookup_type("dnsdb"), None, "dnssec_never,mx=example.com", dns_ctx)
    assert dns_ctx.dnssec_authenticated is None
    with pytest.raises(LookupDefer):     # strict: an unauthenticated answer defers
        lookup(parse_lookup_type("dnsdb"), None, "dnssec_strict,defer_strict,a=example.com",
               dns_ctx)


def _serve_once(sock: socket.socket, reply: bytes, seen: list[bytes]) -> None:
    conn, _ = sock.accept()
    with conn:
        data = b""
        while True:
            chunk = conn.recv(1024)
            if not chunk:
                break
            data += chunk
        seen.append(data)
        conn.sendall(reply)


def test_readsocket_inet_and_unix(tmp_path: Path) -> None:
    seen: list[bytes] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        t = threading.Thread(target=_serve_once, args=(server, b"line1\nline2\n", seen))
        t.start()
        out = readsocket(f"inet:127.0.0.1:{port}", "hello", "timeout=5s,eol=|",
                         LookupContext())
        t.join()
    assert (out, seen) == ("line1|line2|", [b"hello"])
    path = str(tmp_path / "sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen(1)
        t = threading.Thread(target=_serve_once, args=(server, b"unix reply", seen))
        t.start()
        assert readsocket(path, "", None, LookupContext()) == "unix reply"
        t.join()
    assert seen[-1] == b""                            # an empty request sends nothing


@pytest.mark.parametrize("spec,message", [
    ("inet:127.0.0.1", "missing port for readsocket inet:127.0.0.1"),
    ("inet:127.0.0.1:xyzzy-no-such-service", 'unknown port "xyzzy-no-such-service"'),
    ("/nonexistent/socket", "failed to connect to socket /nonexistent/socket: "
                            "No such file or directory"),
])
def test_readsocket_errors(spec: str, message: str) -> None:
    with pytest.raises(LookupDefer) as info:
        readsocket(spec, "x", None, LookupContext())
    assert info.value.message == message


@pytest.mark.parametrize("ltype,key,source,message", [
    ("mysql", None, "select 1", "no MySQL servers defined (mysql_servers option)"),
    ("pgsql", None, "select 1", "no PostgreSQL servers defined (pgsql_servers option)"),
    ("ldap", None, "ldap:///o=x", "ldap lookups are not available in pyexim: they need an "
                                  "LDAP client library, which pyexim does not include"),
    ("nis", "k", "map", "nis lookups are not available in pyexim: they need a NIS client "
                        "library, which pyexim does not include"),
    ("spf", "a@b", "192.0.2.1", "spf lookups are not available in pyexim: they need "
                                "libspf2, which pyexim does not include"),
])
def test_library_less_types_defer(ltype: str, key: str | None, source: str,
                                  message: str) -> None:
    with pytest.raises(LookupDefer) as info:
        lookup(parse_lookup_type(ltype), key, source, LookupContext())
    assert info.value.message == message


def test_mysql_with_servers_names_the_library() -> None:
    ctx = LookupContext(options={"mysql_servers": "localhost/db/user/pw"})
    with pytest.raises(LookupDefer, match="need a MySQL client library"):
        lookup(parse_lookup_type("mysql"), None, "select 1", ctx)
