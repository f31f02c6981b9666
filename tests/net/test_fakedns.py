"""The test DNS server on loopback, queried with dnspython: every record type of the test
zones, the failure names, flags, truncation, and pyexim's resolver pointed at it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest
from twisted.internet.error import CannotListenError
from twisted.internet.selectreactor import SelectReactor
from twisted.internet.task import Clock
from twisted.names import dns as twisted_dns

from pyexim.net import fakedns
from pyexim.net.dnszone import ZoneSet
from pyexim.resolver import NXDOMAIN, OK, Resolver
from tests.dnsfixture import FakeDNS, needs_exim_zones, running_fake_dns

NOERROR, NXDOMAIN_RC, SERVFAIL, FORMERR, REFUSED = (
    dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.SERVFAIL, dns.rcode.FORMERR,
    dns.rcode.REFUSED)
# db.ip6.0 means ::1 but its owner has 29 nibbles, not 32: served as written.
V6_ZONE0_PTR = "1." + "0." * 28 + "ip6.arpa"
V6_LOOPBACK_PTR = "1." + "0." * 31 + "ip6.arpa"
V6NET_TEST3_PTR = "d.0.0.0.c.b.a.0.8.0.0.0.7.0.0.0.6.0.0.0.5.0.0.0.4.3.2.1.0.0.f.f.ip6.arpa"
TEST_EX_SOA = ("test.ex. 3600 IN SOA exim.test.ex. hostmaster.exim.test.ex. 1430683638 1200 120 "
               "604800 3000")
DANE256EE = "3 1 1 9177e577d294f52da8eb206eb53e7963fb8d354bb4a1a62aa8318101dbc11e46"


def ask(server: FakeDNS, name: str, rtype: str, *, tcp: bool = False,
        **make_query_options: object) -> dns.message.Message:
    query = dns.message.make_query(name, rtype, **make_query_options)  # type: ignore[arg-type]
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, "127.0.0.1", port=server.port, timeout=10)


def rdata_of(response: dns.message.Message, rtype: str) -> list[str]:
    """The data of the answer records of ``rtype``, in the order sent."""
    return [rd.to_text() for rrset in response.answer
            if rrset.rdtype == dns.rdatatype.from_text(rtype) for rd in rrset]


# name, type, expected rcode, expected data of the answer records of that type
EXIM_ZONE_CASES = [
    ("ten-1.test.ex", "A", NOERROR, ["224.0.0.1"]),
    ("ten-5-6.test.ex", "A", NOERROR, ["224.0.0.5", "224.0.0.6"]),
    ("eximtesthost.test.ex", "A", NOERROR, ["192.0.2.7"]),
    ("46.test.ex", "AAAA", NOERROR, ["ff00:ffff:836f:a00:a:800:200a:c031"]),
    ("eximtesthost.ipv6.test.ex", "AAAA", NOERROR, ["2001:db8::7"]),
    ("mxt1.test.ex", "MX", NOERROR, ["5 eximtesthost.test.ex."]),
    ("mxt3.test.ex", "MX", NOERROR, ["5 not-exist.test.ex.", "6 eximtesthost.test.ex."]),
    ("mxt10.test.ex", "MX", NOERROR, ["5 224.0.0.1."]),
    ("test.ex", "NS", NOERROR, ["exim.test.ex."]),
    ("test.ex", "SOA", NOERROR,
     ["exim.test.ex. hostmaster.exim.test.ex. 1430683638 1200 120 604800 3000"]),
    ("1.0.0.224.in-addr.arpa", "PTR", NOERROR, ["ten-1.test.ex."]),
    ("3.0.0.224.in-addr.arpa", "PTR", NOERROR, ["ten-3.test.ex.", "ten-3-alias.test.ex."]),
    ("99.0.0.224.in-addr.arpa", "PTR", NOERROR, ["ten-99.TEST.EX."]),
    ("1.0.0.127.in-addr.arpa", "PTR", NOERROR, ["localhost."]),
    ("9.8.250.10.in-addr.arpa", "PTR", NOERROR, ["manyhome.test.ex."]),
    (V6_ZONE0_PTR, "PTR", NOERROR, ["localhost."]),
    (V6_LOOPBACK_PTR, "PTR", NXDOMAIN_RC, []),
    (V6NET_TEST3_PTR, "PTR", NOERROR, ["test3.ipv6.test.ex."]),
    ("test.ex", "TXT", NOERROR, ['"A TXT record for test.ex."']),
    ("example.com", "TXT", NOERROR, ['"v=spf1 -all"']),
    ("double.example.com", "TXT", NOERROR,
     ['"v=spf1 include:_spf.google.com ~all"', '"v=spf1 +a +mx -all"']),
    ("alias-eximtesthost.test.ex", "CNAME", NOERROR, ["eximtesthost.test.ex."]),
    ("cname4.test.ex", "A", NOERROR, ["127.0.0.1"]),
    ("_smtp._tcp.srv02.test.ex", "SRV", NOERROR,
     ["1 3 99 ten-1.test.ex.", "1 1 99 ten-2.test.ex.", "3 0 66 ten-3.test.ex."]),
    ("_smtp._tcp.srv27.test.ex", "SRV", NOERROR, ["0 0 1224 localhost.test.ex."]),
    ("_smtp._tcp.nosmtp.test.ex", "SRV", NOERROR, ["0 0 0 ."]),
    ("_1225._tcp.dane256ee.test.ex", "TLSA", NOERROR, [DANE256EE]),
    ("ten-1", "A", NOERROR, ["224.0.0.1"]),
    ("nonexist.test.ex", "A", NXDOMAIN_RC, []),
    ("no.such.zone.example", "A", NXDOMAIN_RC, []),
    ("ten-1.test.ex", "MX", NOERROR, []),
    ("badcname.test.ex", "A", NXDOMAIN_RC, []),
    ("test.again.dns", "A", SERVFAIL, []),
    ("x.y.test.again.dns", "MX", SERVFAIL, []),
    ("test.fail.dns", "A", FORMERR, []),
    ("dontqualify", "A", NOERROR, []),
    ("test.ex", "HINFO", FORMERR, []),
]


@needs_exim_zones
@pytest.mark.parametrize(("name", "rtype", "rcode", "data"), EXIM_ZONE_CASES,
                         ids=[f"{n}/{t}" for n, t, _, _ in EXIM_ZONE_CASES])
def test_exim_zone_answers(fake_dns: FakeDNS, name: str, rtype: str, rcode: int,
                           data: list[str]) -> None:
    response = ask(fake_dns, name, rtype)
    assert (response.rcode(), rdata_of(response, rtype)) == (rcode, data)


PYEXIM_ZONE_CASES = [
    ("mail3.pyexim.example", "A", ["192.0.2.7"]),
    ("mail2.pyexim.example", "AAAA", ["2001:db8::12"]),
    ("routed.pyexim.example", "MX",
     ["10 mail1.pyexim.example.", "20 mail2.pyexim.example.", "30 mail3.pyexim.example."]),
    ("multi.pyexim.example", "TXT", ['"first string" "second string"']),
    ("spf.pyexim.example", "SPF", ['"v=spf1 ip4:192.0.2.11 -all"']),
    ("chain1.pyexim.example", "CNAME", ["chain2.pyexim.example."]),
]


@pytest.mark.parametrize(("name", "rtype", "data"), PYEXIM_ZONE_CASES,
                         ids=[f"{n}/{t}" for n, t, _ in PYEXIM_ZONE_CASES])
def test_pyexim_zone_answers(fake_dns: FakeDNS, name: str, rtype: str,
                             data: list[str]) -> None:
    response = ask(fake_dns, name, rtype)
    assert (response.rcode(), rdata_of(response, rtype)) == (NOERROR, data)


def test_a_cname_chain_comes_whole(fake_dns: FakeDNS) -> None:
    response = ask(fake_dns, "chain1.pyexim.example", "A")
    assert [rrset.to_text() for rrset in response.answer] == [
        "chain1.pyexim.example. 3600 IN CNAME chain2.pyexim.example.",
        "chain2.pyexim.example. 3600 IN CNAME mail1.pyexim.example.",
        "mail1.pyexim.example. 3600 IN A 192.0.2.11"]


def test_ttl_prefix(fake_dns: FakeDNS) -> None:
    (rrset,) = ask(fake_dns, "shortlived.pyexim.example", "A").answer
    assert rrset.ttl == 60


@needs_exim_zones
@pytest.mark.parametrize(("name", "rtype", "authority"), [
    ("nonexist.test.ex", "A", [TEST_EX_SOA]),
    ("ten-1.test.ex", "MX", [TEST_EX_SOA]),
    ("ten-1.test.ex", "A", ["test.ex. 3600 IN NS exim.test.ex."]),
    ("test.ex", "SOA", []),
], ids=["nxdomain-soa", "nodata-soa", "answer-ns", "soa-query-none"])
def test_authority_section(fake_dns: FakeDNS, name: str, rtype: str,
                           authority: list[str]) -> None:
    assert [rrset.to_text() for rrset in ask(fake_dns, name, rtype).authority] == authority


@needs_exim_zones
@pytest.mark.parametrize(("name", "rtype", "flags"), [
    ("a-sec.test.ex", "A", {"AD"}),
    ("a-unsec.test.ex", "A", set()),
    ("a-aa.test.ex", "A", {"AA"}),
    ("mx-sec-a-sec.test.ex", "MX", {"AD"}),
    ("_1225._tcp.dane.no.3.test.ex", "TLSA", {"AD"}),
], ids=["dnssec", "unsigned", "aa", "signed-mx", "signed-nodata"])
def test_ad_and_aa_flags(fake_dns: FakeDNS, name: str, rtype: str, flags: set[str]) -> None:
    response = ask(fake_dns, name, rtype)
    got = {f for f in ("AD", "AA") if response.flags & dns.flags.from_text(f)}
    assert got == flags


def test_a_long_answer_is_truncated_over_udp_and_whole_over_tcp(fake_dns: FakeDNS) -> None:
    udp = ask(fake_dns, "manyhome.test.ex", "A")
    assert udp.flags & dns.flags.TC and not udp.answer
    tcp = ask(fake_dns, "manyhome.test.ex", "A", tcp=True)
    assert len(rdata_of(tcp, "A")) == 2048 and not tcp.flags & dns.flags.TC


def test_edns_is_answered_with_edns_and_the_do_bit_echoed(fake_dns: FakeDNS) -> None:
    response = ask(fake_dns, "mail1.pyexim.example", "A", use_edns=0, want_dnssec=True,
                   payload=1232)
    assert response.edns == 0 and response.payload == fakedns.EDNS_PAYLOAD
    assert response.ednsflags & dns.flags.DO
    assert rdata_of(response, "A") == ["192.0.2.11"]


def test_class_other_than_in_is_refused(fake_dns: FakeDNS) -> None:
    query = dns.message.make_query("mail1.pyexim.example", "A", rdclass=dns.rdataclass.CH)
    response = dns.query.udp(query, "127.0.0.1", port=fake_dns.port, timeout=10)
    assert response.rcode() == REFUSED


@needs_exim_zones
def test_pyexim_resolver_reads_the_fixture_environment(fake_dns_env: dict[str, str]) -> None:
    resolver = Resolver.from_environment()
    assert resolver.port == int(fake_dns_env["PYEXIM_DNS_PORT"])
    mx = resolver.lookup("mxt1.test.ex", "MX")
    assert mx.status == OK
    assert [r.rdata.to_text() for r in mx.of_type("MX")] == ["5 eximtesthost.test.ex."]
    assert resolver.lookup("nonexist.test.ex", "A").status == NXDOMAIN
    assert resolver.host_addresses("46.test.ex").addresses == (
        "ff00:ffff:836f:a00:a:800:200a:c031", "224.0.0.4")


def test_a_private_server_with_its_own_zones(tmp_path: Path) -> None:
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "db.own.test").write_text("own.test. SOA ns hostmaster 1 2 3 4 5\n"
                                       "www A HOSTIPV4\n")
    with running_fake_dns([zones], tmp_path) as server:
        assert rdata_of(ask(server, "www.own.test", "A"), "A") == ["192.0.2.7"]
        assert server.resolv_conf.read_text() == fakedns.RESOLV_CONF
        assert server.env == {"PYEXIM_RESOLV_CONF": str(server.resolv_conf),
                              "PYEXIM_DNS_PORT": str(server.port)}
    assert "www.own.test/A -> NOERROR 1 answers" in (tmp_path / "fakedns.log").read_text()


def test_a_bad_zone_file_stops_the_server_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "db.bad.test").write_text("; comment\nwww A not-an-address\n")
    result = subprocess.run([sys.executable, "-m", "pyexim.net.fakedns", "--port", "0",
                             "--zones", str(tmp_path)], check=False, capture_output=True, timeout=60)
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode() == (
        f"fakedns: line 2 of {tmp_path}/db.bad.test: bad IPv4 address 'not-an-address'\n")


class _Protocol:
    """Stands in for the UDP protocol: keeps what the server writes."""

    def __init__(self) -> None:
        self.sent: list[twisted_dns.Message] = []

    def writeMessage(self, message: twisted_dns.Message, address: object = None) -> None:
        self.sent.append(message)


def _query(name: str, rtype: int) -> twisted_dns.Message:
    message = twisted_dns.Message(id=7, recDes=1)
    message.queries = [twisted_dns.Query(name, rtype)]
    return message


def test_a_delayed_answer_waits_on_the_reactor_clock() -> None:
    zones = ZoneSet()
    zones.add_text("DELAY=500 slow A 192.0.2.1\nfast A 192.0.2.2\n", b"delay.test", "z")
    clock = Clock()
    factory = fakedns.FakeDNSFactory(zones, reactor=clock)
    protocol = _Protocol()
    factory.handleQuery(_query("slow.delay.test", twisted_dns.A), protocol, ("127.0.0.1", 9))
    factory.handleQuery(_query("fast.delay.test", twisted_dns.A), protocol, ("127.0.0.1", 9))
    assert [m.answers[0].name.name for m in protocol.sent] == [b"fast.delay.test"]
    clock.advance(0.499)
    assert len(protocol.sent) == 1
    clock.advance(0.001)
    assert [m.answers[0].name.name for m in protocol.sent] == [b"fast.delay.test",
                                                              b"slow.delay.test"]
    assert protocol.sent[1].id == 7 and protocol.sent[1].answer


def test_listen_binds_udp_and_tcp_to_one_loopback_port() -> None:
    # A reactor of the test's own: the global one stays uninstalled for other tests.
    reactor = SelectReactor()
    server = fakedns.listen(ZoneSet(), reactor=reactor)
    try:
        udp, tcp = server.udp.getHost(), server.tcp.getHost()
        assert (udp.host, udp.port, tcp.host, tcp.port) == (
            "127.0.0.1", server.port, "127.0.0.1", server.port)
        with pytest.raises(CannotListenError):
            fakedns.listen(ZoneSet(), server.port, reactor=reactor)
    finally:
        stopped: list[object] = []
        server.stop().addCallback(stopped.append)
        reactor.iterate(0)
    assert stopped


def test_the_command_line_server_writes_and_removes_its_pidfile(tmp_path: Path) -> None:
    pidfile = tmp_path / "fakedns.pid"
    command = fakedns.server_command([str(tmp_path)]) + ["--pidfile", str(pidfile)]
    process, port = fakedns.start_process(command)
    try:
        assert port > 1024 and pidfile.read_text() == f"{process.pid}\n"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert not pidfile.exists()


@pytest.mark.parametrize(("option", "value"), [("--hostipv4", "::1"),
                                               ("--hostipv6", "192.0.2.1")])
def test_host_addresses_of_the_wrong_family_are_refused(tmp_path: Path, option: str,
                                                        value: str) -> None:
    result = subprocess.run(fakedns.server_command([str(tmp_path)]) + [option, value],
                            check=False, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[-1].endswith(
        f"argument {option}: not an IPv{6 if option == '--hostipv6' else 4} address: {value}")
