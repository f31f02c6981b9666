"""The fakens-format zone loader: file naming, substitutions, record lines, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.errors import SourceLoc
from pyexim.net.dnszone import (
    MX,
    SOA,
    SRV,
    TLSA,
    Address,
    Record,
    Substitutions,
    Target,
    Text,
    ZoneError,
    ZoneSet,
    load_zones,
    parse_zone,
    runtest_host_zones,
    zone_name_for_file,
)
from tests.dnsfixture import EXIM_ZONES, PYEXIM_TEST_ZONES, needs_exim_zones

SUBST = Substitutions()


@pytest.mark.parametrize(("filename", "zone"), [
    ("db.test.ex", b"test.ex"),
    ("db.test.ex._bad", b"test.ex._bad"),
    ("db.ip4.10", b"10.in-addr.arpa"),
    ("db.ip4.V4NET", b"224.in-addr.arpa"),
    ("db.ip6.0", b"0.ip6.arpa"),
    ("db.ip6.V6NET", b"0.0.f.f.ip6.arpa"),
    ("qualify.test.ex", None),
    ("README", None),
], ids=lambda v: v if isinstance(v, str) else None)
def test_zone_name_comes_from_the_file_name(filename: str, zone: bytes | None) -> None:
    assert zone_name_for_file(filename, SUBST) == zone


@pytest.mark.parametrize(("text", "expected"), [
    ("x A HOSTIPV4", "x A 192.0.2.7"),
    ("x AAAA HOSTIPV6", "x AAAA 2001:db8::7"),
    ("x A V4NET.0.0.1", "x A 224.0.0.1"),
    ("13.12.11.V4NET.rbl A 1.2.3.4", "13.12.11.224.rbl A 1.2.3.4"),
    ("a_V4NET_b", "a_224_b"),
    ("V4NETX V4NET", "V4NETX V4NET"),
    ("x AAAA V6NET:1:2:3:4:5:6:7", "x AAAA ff00:1:2:3:4:5:6:7"),
    ("_smtp._tcp.x SRV 0 0 PORT_S localhost", "_smtp._tcp.x SRV 0 0 1224 localhost"),
    ("HOSTNAME PTR x", "HOSTNAME PTR x"),
], ids=["hostipv4", "hostipv6", "v4net", "v4net-inside-name", "v4net-underscores",
        "v4net-word-boundary", "v6net", "port_s", "no-hostname-given"])
def test_runtest_substitutions(text: str, expected: str) -> None:
    assert SUBST.apply(text) == expected


def test_hostname_and_addresses_can_be_chosen() -> None:
    subst = Substitutions(hostipv4="10.1.2.3", hostipv6="fe80::1", hostname="h.example")
    assert subst.apply("HOSTNAME HOSTIPV4 HOSTIPV6") == "h.example 10.1.2.3 fe80::1"


LOC = SourceLoc("z", 1)


@pytest.mark.parametrize(("line", "record"), [
    ("ten-1 A 224.0.0.1", Record(b"ten-1.test.ex", "A", Address("224.0.0.1"))),
    ("localhost AAAA ::1", Record(b"localhost.test.ex", "AAAA", Address("::1"))),
    ("v6 AAAA ff00:ffff:836f:0a00:000a:0800:200a:c032",
     Record(b"v6.test.ex", "AAAA", Address("ff00:ffff:836f:a00:a:800:200a:c032"))),
    ("UpperCase A 127.0.0.1", Record(b"UpperCase.test.ex", "A", Address("127.0.0.1"))),
    ("abs.other. A 1.2.3.4", Record(b"abs.other", "A", Address("1.2.3.4"))),
    ("mxt1 MX 5 eximtesthost.test.ex.",
     Record(b"mxt1.test.ex", "MX", MX(5, b"eximtesthost.test.ex"))),
    ("m MX 5 a-unsec", Record(b"m.test.ex", "MX", MX(5, b"a-unsec.test.ex"))),
    ("cname CNAME test.ex.", Record(b"cname.test.ex", "CNAME", Target(b"test.ex"))),
    ("c46 CNAME localhost", Record(b"c46.test.ex", "CNAME", Target(b"localhost.test.ex"))),
    ("test.ex. NS exim.test.ex.", Record(b"test.ex", "NS", Target(b"exim.test.ex"))),
    ("1.0.0 PTR ten-1.test.ex.", Record(b"1.0.0.test.ex", "PTR", Target(b"ten-1.test.ex"))),
    ("255.255.255 PTR .", Record(b"255.255.255.test.ex", "PTR", Target(b""))),
    ("test.ex. SOA exim.test.ex. hostmaster.exim.test.ex 1 2 3 4 5",
     Record(b"test.ex", "SOA", SOA(b"exim.test.ex", b"hostmaster.exim.test.ex", 1, 2, 3, 4, 5))),
    ("test.ex. SOA ns hostmaster 1 2 3 4 5",
     Record(b"test.ex", "SOA", SOA(b"ns.test.ex", b"hostmaster", 1, 2, 3, 4, 5))),
    ("_smtp._tcp.s SRV 1 3 99 ten-1.test.ex.",
     Record(b"_smtp._tcp.s.test.ex", "SRV", SRV(1, 3, 99, b"ten-1.test.ex"))),
    ("_smtp._tcp.n SRV 0 0 0 .", Record(b"_smtp._tcp.n.test.ex", "SRV", SRV(0, 0, 0, b""))),
    ('t TXT "A TXT record"', Record(b"t.test.ex", "TXT", Text((b"A TXT record",)))),
    ("t TXT v=spf1 +a +mx -all", Record(b"t.test.ex", "TXT", Text((b"v=spf1 +a +mx -all",)))),
    ('t TXT "v=DKIM1\\; p=x"', Record(b"t.test.ex", "TXT", Text((b"v=DKIM1\\; p=x",)))),
    ('t TXT "no closing quote', Record(b"t.test.ex", "TXT", Text((b"no closing quote",)))),
    ('t TXT "one" "two"', Record(b"t.test.ex", "TXT", Text((b"one", b"two")))),
    ('t TXT ""', Record(b"t.test.ex", "TXT", Text((b"",)))),
    ('s SPF "v=spf1 -all"', Record(b"s.test.ex", "SPF", Text((b"v=spf1 -all",)))),
    ("_1225._tcp.d TLSA 3 1 1 9177E5",
     Record(b"_1225._tcp.d.test.ex", "TLSA", TLSA(3, 1, 1, bytes.fromhex("9177e5")))),
    ("*.250 PTR manyhome.test.ex.",
     Record(b"*.250.test.ex", "PTR", Target(b"manyhome.test.ex"))),
    ("DNSSEC a-sec A 1.2.3.4", Record(b"a-sec.test.ex", "A", Address("1.2.3.4"), secure=True)),
    ("AA a-aa A 1.2.3.4", Record(b"a-aa.test.ex", "A", Address("1.2.3.4"), authoritative=True)),
    ("DNSSEC NXDOMAIN _t.d TLSA 2 0 1 ee",
     Record(b"_t.d.test.ex", "TLSA", TLSA(2, 0, 1, b"\xee"), secure=True, ignored=True)),
    ("DELAY=500 d A 1.2.3.4", Record(b"d.test.ex", "A", Address("1.2.3.4"), delay_ms=500)),
    ("TTL=2 s A 127.0.0.1", Record(b"s.test.ex", "A", Address("127.0.0.1"), ttl=2)),
    ("AA DNSSEC TTL=9 x A 1.2.3.4",
     Record(b"x.test.ex", "A", Address("1.2.3.4"), 9, secure=True, authoritative=True)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_record_lines(line: str, record: Record) -> None:
    (got,) = parse_zone(line, b"test.ex", "z").records
    assert (got.owner, got.rtype, got.data, got.ttl, got.secure, got.authoritative,
            got.ignored, got.delay_ms) == (
        record.owner, record.rtype, record.data, record.ttl, record.secure,
        record.authoritative, record.ignored, record.delay_ms)


def test_continuation_lines_keep_the_owner_and_comments_are_skipped() -> None:
    zone = parse_zone("; comment\n# also a comment\nboth A 1.2.3.4\n"
                      "     AAAA ::2\n\nDNSSEC    MX 5 x\n", b"test.ex", "z")
    assert [(r.owner, r.rtype, r.secure) for r in zone.records] == [
        (b"both.test.ex", "A", False), (b"both.test.ex", "AAAA", False),
        (b"both.test.ex", "MX", True)]
    assert [r.loc for r in zone.records] == [SourceLoc("z", 3), SourceLoc("z", 4),
                                             SourceLoc("z", 6)]


def test_pass_on_not_found_is_remembered() -> None:
    assert parse_zone("PASS ON NOT FOUND\n", b"10.in-addr.arpa", "z").pass_on_not_found


def test_an_overlong_line_is_cut_at_255_bytes_as_fakens_reads_it() -> None:
    line = 'k TXT "' + "x" * 300 + '"'
    (record,) = parse_zone(line + "\nnext A 1.2.3.4\n", b"test.ex", "z").records[:1]
    assert record.data == Text((b"x" * (255 - len('k TXT "')),))


@pytest.mark.parametrize(("text", "reason"), [
    ("x HINFO a b", 'unknown record type "HINFO"'),
    ("x a 1.2.3.4", 'unknown record type "a"'),
    ("x A 1.2.3", "bad IPv4 address '1.2.3'"),
    ("x A ::1", "bad IPv4 address '::1'"),
    ("x AAAA 1.2.3.4", "bad IPv6 address '1.2.3.4'"),
    ("   A 1.2.3.4", "record with no owner name (a continuation line comes first)"),
    ("x", "record has no type"),
    ("x MX five host", "MX needs 1 numbers: 'five host'"),
    ("x SRV 1 2 host", "SRV needs 3 numbers: '1 2 host'"),
    ("x TLSA 3 1 1 xyz", "TLSA data is not hexadecimal: 'xyz'"),
    ("x SOA a b 1 2 3", "SOA needs mname rname serial refresh retry expire minimum: 'a b 1 2 3'"),
    ("x CNAME two words", "\"two words\" is not a domain name"),
    ("a..b A 1.2.3.4", '"a..b.test.ex" is not a valid domain name'),
    ("x CNAME " + "l" * 64 + ".", f'"{"l" * 64}" is not a valid domain name'),
], ids=["unknown-type", "lower-case-type", "short-ipv4", "ipv6-as-a", "ipv4-as-aaaa",
        "continuation-first", "no-type", "mx-preference", "srv-fields", "tlsa-hex",
        "soa-fields", "space-in-name", "empty-label", "long-label"])
def test_bad_lines_are_refused_with_their_line(text: str, reason: str) -> None:
    with pytest.raises(ZoneError) as caught:
        parse_zone("; first line\n" + text + "\n", b"test.ex", "db.test.ex")
    assert caught.value.reason == reason
    assert caught.value.loc == SourceLoc("db.test.ex", 2)
    assert str(caught.value).startswith("line 2 of db.test.ex: ")


def test_runtest_host_zones() -> None:
    subst = Substitutions(hostname="replayhost.exim-replay.example")
    zones = {zone: text for _, zone, text in
             runtest_host_zones("replayhost.exim-replay.example", subst)}
    assert zones == {
        b"exim-replay.example":
            "PASS ON NOT FOUND\nreplayhost A 192.0.2.7\nreplayhost AAAA 2001:db8::7\n",
        b"192.in-addr.arpa": "7.2.0 PTR replayhost.exim-replay.example.\n",
        b"1.0.0.2.ip6.arpa": "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0"
                             " PTR replayhost.exim-replay.example.\n",
    }


def test_runtest_host_zones_leave_out_loopback_and_missing_addresses() -> None:
    subst = Substitutions(hostipv4="127.0.0.1", hostipv6="")
    assert runtest_host_zones("h.example", subst) == [
        ("<host zone>", b"example", "PASS ON NOT FOUND\nh A 127.0.0.1\n")]


def test_zones_of_the_same_name_are_merged(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "db.example").write_text("one A 1.1.1.1\n")
    (tmp_path / "b" / "db.example").write_text("PASS ON NOT FOUND\ntwo A 2.2.2.2\n")
    (tmp_path / "b" / "qualify.example").write_text("")
    zones = load_zones([tmp_path / "a", tmp_path / "b"])
    zone = zones.zones[b"example"]
    assert [r.owner for r in zone.records] == [b"one.example", b"two.example"]
    assert zone.pass_on_not_found and zones.qualify == b"example"


def test_two_different_qualify_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "qualify.a").write_text("")
    (tmp_path / "qualify.b").write_text("")
    with pytest.raises(ZoneError, match="a second qualify file"):
        load_zones([tmp_path])


def test_bad_zone_file_names_its_path(tmp_path: Path) -> None:
    (tmp_path / "db.example").write_text("ok A 1.1.1.1\nbad A nowhere\n")
    with pytest.raises(ZoneError) as caught:
        load_zones([tmp_path])
    assert caught.value.loc == SourceLoc(str(tmp_path / "db.example"), 2)


def test_zone_for_picks_the_longest_suffix() -> None:
    zones = ZoneSet()
    zones.add_text("x A 1.1.1.1\n", b"test.ex", "a")
    zones.add_text("y A 1.1.1.1\n", b"Sub.Test.Ex", "b")
    assert zones.zone_for(b"a.sub.test.ex") is zones.zones[b"sub.test.ex"]
    assert zones.zone_for(b"test.ex") is zones.zones[b"test.ex"]
    assert zones.zone_for(b"xtest.ex") is None


@needs_exim_zones
def test_exim_zone_files_load_with_every_record_type() -> None:
    zones = load_zones([EXIM_ZONES], hostname="replayhost.exim-replay.example")
    assert zones.qualify == b"test.ex"
    assert set(zones.zones) == {
        b"dontqualify", b"example.com", b"10.in-addr.arpa", b"127.in-addr.arpa",
        b"224.in-addr.arpa", b"0.ip6.arpa", b"0.0.f.f.ip6.arpa", b"kitterman.org",
        b"test.ex", b"test.ex._bad", b"exim-replay.example", b"192.in-addr.arpa",
        b"1.0.0.2.ip6.arpa"}
    types = {r.rtype for zone in zones.zones.values() for r in zone.records}
    assert types == {"A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TLSA", "TXT"}
    test_ex = zones.zones[b"test.ex"].records
    eximtesthost = [r for r in test_ex if r.owner == b"eximtesthost.test.ex"]
    assert [r.data for r in eximtesthost] == [Address("192.0.2.7")]
    assert sum(r.secure for r in test_ex) > 30 and sum(r.ignored for r in test_ex) == 2


def test_pyexim_test_zones_load() -> None:
    zones = load_zones([PYEXIM_TEST_ZONES])
    assert b"pyexim.example" in zones.zones
    assert zones.zones[b"pyexim.example"].apex("SOA")
