"""pyexim.resolver: Exim's DNS result classes, CNAME following, host lookups."""

from __future__ import annotations

from pathlib import Path

import dns.message
import dns.rcode
import pytest

from pyexim.resolver import (AGAIN, FAIL, NODATA, NXDOMAIN, OK, Resolver, name_text,
                             read_resolv_conf)
from tests.dnsfake import FakeZone, serve_udp
from tests.dnsfixture import fake_dns, fake_dns_env  # noqa: F401  (pytest fixtures)

ZONE = {
    ("a.test", "A"): ["192.0.2.1", "192.0.2.2"],
    ("a.test", "MX"): ["10 mx.a.test."],
    ("mx.a.test", "A"): ["192.0.2.25"],
    ("six.test", "AAAA"): ["2001:db8::6"],
    ("alias.test", "CNAME"): ["a.test."],
    ("loop1.test", "CNAME"): ["loop2.test."],
    ("loop2.test", "CNAME"): ["loop1.test."],
    ("1.2.0.192.in-addr.arpa", "PTR"): ["a.test."],
    ("5.2.0.192.in-addr.arpa", "PTR"): ["liar.test."],
    ("liar.test", "A"): ["192.0.2.99"],
    ("local.test", "MX"): ["10 me.test."],
    ("second.test", "MX"): ["5 mx.a.test.", "10 me.test."],
    ("me.test", "A"): ["127.0.0.1"],
    ("nodata.test", "TXT"): ['"x"'],
    ("zone.test", "NS"): ["ns.zone.test."],
    ("zone.test", "SOA"): ["ns.zone.test. h.zone.test. 1 2 3 4 5"],
    ("deep.sub.zone.test", "TXT"): ['"y"'],
    ("_client._smtp.host.csa.test", "SRV"): ["1 2 0 host.csa.test."],
    ("_client._smtp.csa.test", "SRV"): ["1 0 1 csa.test."],
    ("_client._smtp.other.csa.test", "TXT"): ['"no SRV here"'],
}


@pytest.fixture
def zone() -> FakeZone:
    return FakeZone(dict(ZONE), {"broken.test"})


@pytest.fixture
def resolver(zone: FakeZone, tmp_path: Path) -> Resolver:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n192.0.2.77 fromfile.test alias.fromfile.test\n")
    return Resolver(query=zone.answer, hosts_file=str(hosts))


@pytest.mark.parametrize("name,rtype,status,count", [
    ("a.test", "A", OK, 2),
    ("A.TEST", "A", OK, 2),
    ("a.test", "AAAA", NODATA, 0),
    ("nosuch.test", "A", NXDOMAIN, 0),
    ("broken.test", "A", AGAIN, 0),
    ("alias.test", "A", OK, 3),            # the CNAME and the two addresses
    ("192.0.2.1", "A", NXDOMAIN, 0),       # Exim never looks an IP address up as A
    ("bad_name!.test", "A", NXDOMAIN, 0),  # fails the DNS name syntax check
    ("-bad.test", "MX", NXDOMAIN, 0),
    ("bad name.test", "TXT", NXDOMAIN, 0),  # TXT skips the syntax check: NXDOMAIN from DNS
])
def test_lookup_status(resolver: Resolver, name: str, rtype: str, status: str,
                       count: int) -> None:
    answer = resolver.lookup(name, rtype)
    assert answer.status == status
    assert len(answer.records) == count


def test_cname_followed_when_server_does_not(zone: FakeZone) -> None:
    """A server that returns only the CNAME: Exim asks again for the target (once)."""
    def cname_only(request: dns.message.Message) -> dns.message.Message:
        response = zone.answer(request)
        if name_text(request.question[0].name) == "alias.test":
            response.answer = response.answer[:1]
        return response
    answer = Resolver(query=cname_only).lookup("alias.test", "A")
    assert answer.status == OK
    assert sorted(r.rdata.address for r in answer.of_type("A")) == ["192.0.2.1", "192.0.2.2"]
    # Exim takes the "fully qualified name" from the first answer's owner, here the
    # name asked for: it is not the canonical name.
    assert answer.fqdn is None


def test_cname_loop_is_a_failure(zone: FakeZone) -> None:
    def no_chase(request: dns.message.Message) -> dns.message.Message:
        response = zone.answer(request)
        response.answer = response.answer[:1]
        return response
    assert Resolver(query=no_chase).lookup("loop1.test", "A").status == FAIL


@pytest.mark.parametrize("rcode,status", [(dns.rcode.SERVFAIL, AGAIN),
                                          (dns.rcode.REFUSED, FAIL),
                                          (dns.rcode.NOTIMP, FAIL),
                                          (dns.rcode.FORMERR, FAIL)])
def test_error_rcodes(rcode: int, status: str) -> None:
    def answer(request: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(request)
        response.set_rcode(rcode)
        return response
    assert Resolver(query=answer).lookup("x.test", "A").status == status


def test_timeout_is_again_and_failures_are_remembered() -> None:
    calls = []

    def silent(request: dns.message.Message) -> None:
        calls.append(request)
        return None
    resolver = Resolver(query=silent, attempts=2)
    assert resolver.lookup("x.test", "A").status == AGAIN
    assert len(calls) == 2                     # one per attempt
    assert resolver.lookup("x.test", "A").status == AGAIN
    assert len(calls) == 2                     # the failure was cached


def test_again_means_nonexist(zone: FakeZone) -> None:
    resolver = Resolver(query=zone.answer, again_means_nonexist=lambda n: n == "broken.test")
    assert resolver.lookup("broken.test", "A").status == NXDOMAIN


@pytest.mark.parametrize("rtype,name,status,found", [
    ("MXH", "a.test", OK, "a.test"),
    ("ZNS", "deep.sub.zone.test", OK, "zone.test"),
    ("SOA", "deep.sub.zone.test", OK, "zone.test"),
    ("ZNS", "nothing.here", NXDOMAIN, "nothing.here"),
    ("CSA", "host.csa.test", OK, "host.csa.test"),
    ("CSA", "other.csa.test", OK, "csa.test"),     # NODATA: parents are searched
    ("CSA", "nosuch.csa.test", NXDOMAIN, "nosuch.csa.test"),  # NXDOMAIN: they are not
])
def test_special_lookups(resolver: Resolver, rtype: str, name: str, status: str,
                         found: str) -> None:
    answer, where = resolver.special_lookup(name, rtype)
    assert answer.status == status
    assert where == found


def test_host_addresses_and_byname(resolver: Resolver) -> None:
    assert resolver.host_addresses("a.test").addresses == ("192.0.2.1", "192.0.2.2")
    assert resolver.host_addresses("six.test").addresses == ("2001:db8::6",)
    assert resolver.host_addresses("nosuch.test").status == FAIL
    assert resolver.host_addresses("broken.test").status == AGAIN
    assert resolver.host_find_byname("FromFile.test").addresses == ("192.0.2.77",)
    assert resolver.host_find_byname("a.test").status == OK


@pytest.mark.parametrize("address,status,name,message", [
    ("192.0.2.1", OK, "a.test", ""),
    ("192.0.2.5", FAIL, None, " (192.0.2.5 does not match any IP address for liar.test)"),
    ("192.0.2.9", FAIL, None, " (failed to find host name from IP address)"),
    ("192.0.2.77", OK, None, ""),                 # byaddr from the hosts file...
])
def test_host_name_lookup(resolver: Resolver, address: str, status: str, name: str | None,
                          message: str) -> None:
    found = resolver.host_name_lookup(address)
    if address == "192.0.2.77":
        # ...but the names must verify in the DNS, as in Exim: they do not here.
        assert found.status == FAIL
        return
    assert (found.status, found.name, found.message) == (status, name, message)


@pytest.mark.parametrize("domain,status,removed", [
    ("local.test", "local", False),
    ("second.test", "found", True),
    ("a.test", "found", False),
    ("nosuch.test", "failed", False),
    ("broken.test", "again", False),
])
def test_mx_local(resolver: Resolver, domain: str, status: str, removed: bool) -> None:
    found = resolver.mx_local(domain, ["127.0.0.1", "::1"])
    assert (found.status, found.removed) == (status, removed)


def test_mx_local_ignores_addresses(resolver: Resolver) -> None:
    found = resolver.mx_local("local.test", ["127.0.0.1"], ignored=lambda a: a == "127.0.0.1")
    assert found.status == "failed"


def test_read_resolv_conf(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("# comment\nnameserver 127.0.0.1\nnameserver ::1\nport 5353\n"
                    "options timeout:2 attempts:3 ndots:1\n")
    cfg = read_resolv_conf(str(conf))
    assert (cfg.nameservers, cfg.port, cfg.timeout, cfg.attempts) == (
        ["127.0.0.1", "::1"], 5353, 2.0, 3)
    assert read_resolv_conf(str(tmp_path / "missing")).nameservers == ["127.0.0.1"]


def test_from_environment(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.9\n")
    r = Resolver.from_environment({"dns_retrans": 3, "dns_retry": 4},
                                  {"PYEXIM_RESOLV_CONF": str(conf), "PYEXIM_DNS_PORT": "5300"})
    assert (r.nameservers, r.port, r.timeout, r.attempts) == (["127.0.0.9"], 5300, 3.0, 4)


def test_again_means_nonexist_option(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\n")
    r = Resolver.from_environment({"dns_again_means_nonexist": "*.broken.test"},
                                  {"PYEXIM_RESOLV_CONF": str(conf)})
    assert r.again_means_nonexist is not None
    assert r.again_means_nonexist("x.broken.test")
    assert not r.again_means_nonexist("other.test")


def test_real_udp_exchange(zone: FakeZone) -> None:
    """The network path: a loopback UDP server on a free port."""
    sock = serve_udp(zone, "127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        resolver = Resolver(["127.0.0.1"], port=port, timeout=2, attempts=1)
        answer = resolver.lookup("a.test", "MX")
        assert answer.status == OK
        assert name_text(answer.of_type("MX")[0].rdata.exchange) == "mx.a.test"
        assert resolver.lookup("nosuch.test", "A").status == NXDOMAIN
        assert resolver.lookup("broken.test", "A").status == AGAIN
    finally:
        sock.close()


def test_nothing_listening_is_again() -> None:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]           # bound, never answers
        resolver = Resolver(["127.0.0.1"], port=port, timeout=0.2, attempts=1)
        assert resolver.lookup("a.test", "A").status == AGAIN


def test_with_the_test_dns_server(fake_dns_env: dict[str, str]) -> None:  # noqa: F811
    """pyexim's resolver against the project's test DNS server (Exim's zones)."""
    resolver = Resolver.from_environment()
    answer = resolver.lookup("routed.pyexim.example", "MX")
    assert answer.status == OK
    assert sorted(r.rdata.preference for r in answer.of_type("MX")) == [10, 20, 30]
    assert resolver.lookup("nosuch.pyexim.example", "A").status == NXDOMAIN
    chained = resolver.lookup("chain1.pyexim.example", "A")
    assert [r.rdata.address for r in chained.of_type("A")] == ["192.0.2.11"]
    assert resolver.host_addresses("mail2.pyexim.example").addresses == (
        "2001:db8::12", "192.0.2.12")
