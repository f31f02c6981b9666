"""fakens's answering rules, as values: rcodes, CNAMEs, flags, specials, qualification."""

from __future__ import annotations

import pytest

from pyexim.net.dnszone import MX, SOA, Address, Target, ZoneSet
from pyexim.net.dnszone_answer import RR, Rcode, Reply, answer

ZONE = """\
zone.test.     NS    ns.zone.test.
zone.test.     SOA   ns.zone.test. hostmaster.zone.test 1 2 3 4 5
host         A     192.0.2.1
             A     192.0.2.2
             AAAA  2001:db8::1
Mixed        A     192.0.2.3
mx           MX    10 host
alias        CNAME host
alias2       CNAME alias
dangling     CNAME nowhere
outside      CNAME host.elsewhere.
loop1        CNAME loop2
loop2        CNAME loop1
toagain      CNAME x.test.again.dns.
tofail       CNAME x.test.fail.dns.
DNSSEC sec   A     192.0.2.4
DNSSEC half  A     192.0.2.5
             A     192.0.2.6
AA auth      A     192.0.2.7
DNSSEC seccname CNAME sec
DNSSEC NXDOMAIN gone A 192.0.2.8
DELAY=250 slow A   192.0.2.9
DELAY=100 slow2 CNAME slow
*.wild       A     192.0.2.10
"""


@pytest.fixture(scope="module")
def zones() -> ZoneSet:
    zoneset = ZoneSet(qualify=b"zone.test")
    zoneset.add_text(ZONE, b"zone.test", "db.zone.test")
    zoneset.add_text("NXDOMAIN dontqualify. A 127.0.0.1\n", b"dontqualify", "db.dontqualify")
    zoneset.add_text("PASS ON NOT FOUND\n*.250 PTR many.zone.test.\n", b"10.in-addr.arpa", "x")
    return zoneset


def a(owner: bytes, address: str) -> RR:
    return RR(owner, "A", 3600, Address(address))


def cname(owner: bytes, target: bytes) -> RR:
    return RR(owner, "CNAME", 3600, Target(target))


NS = (RR(b"zone.test", "NS", 3600, Target(b"ns.zone.test")),)
SOA_AUTH = (RR(b"zone.test", "SOA", 3600, SOA(b"ns.zone.test", b"hostmaster.zone.test", 1, 2, 3, 4,
                                             5)),)


@pytest.mark.parametrize(("name", "qtype", "reply"), [
    (b"host.zone.test", "A", Reply(Rcode.NOERROR, (a(b"host.zone.test", "192.0.2.1"),
                                                 a(b"host.zone.test", "192.0.2.2")), NS)),
    (b"HOST.Zone.Test.", "AAAA", Reply(Rcode.NOERROR, (RR(b"host.zone.test", "AAAA", 3600,
                                                        Address("2001:db8::1")),), NS)),
    (b"mixed.zone.test", "A", Reply(Rcode.NOERROR, (a(b"Mixed.zone.test", "192.0.2.3"),), NS)),
    (b"mx.zone.test", "MX", Reply(Rcode.NOERROR, (RR(b"mx.zone.test", "MX", 3600,
                                                   MX(10, b"host.zone.test")),), NS)),
    (b"zone.test", "SOA", Reply(Rcode.NOERROR, SOA_AUTH)),
    (b"zone.test", "NS", Reply(Rcode.NOERROR, NS)),
    (b"nothere.zone.test", "A", Reply(Rcode.NXDOMAIN, (), SOA_AUTH)),
    (b"elsewhere.org", "A", Reply(Rcode.NXDOMAIN)),
    (b"mx.zone.test", "A", Reply(Rcode.NOERROR, (), SOA_AUTH, True, True)),
    (b"host.zone.test", "HINFO", Reply(Rcode.FORMERR)),
    (b"elsewhere.org", "HINFO", Reply(Rcode.NXDOMAIN)),
    (b"1.2.250.10.in-addr.arpa", "PTR", Reply(Rcode.NOERROR, (
        RR(b"1.2.250.10.in-addr.arpa", "PTR", 3600, Target(b"many.zone.test")),))),
    (b"1.2.251.10.in-addr.arpa", "PTR", Reply(Rcode.NXDOMAIN)),
    (b"a.b.wild.zone.test", "A", Reply(Rcode.NOERROR, (a(b"a.b.wild.zone.test", "192.0.2.10"),),
                                     NS)),
    (b"wild.zone.test", "A", Reply(Rcode.NXDOMAIN, (), SOA_AUTH)),
], ids=["two-a", "any-case-and-final-dot", "owner-case-kept", "mx", "soa-no-authority",
        "ns-no-authority", "nxdomain-with-soa", "no-zone", "nodata-sets-ad-and-aa",
        "type-fakens-lacks", "type-fakens-lacks-outside-zones", "wildcard-ptr",
        "pass-on-not-found", "wildcard-owner-is-the-name", "wildcard-not-itself"])
def test_plain_answers(zones: ZoneSet, name: bytes, qtype: str, reply: Reply) -> None:
    assert answer(zones, name, qtype) == reply


@pytest.mark.parametrize(("name", "qtype", "rcode", "answers"), [
    (b"alias.zone.test", "A", Rcode.NOERROR,
     (cname(b"alias.zone.test", b"host.zone.test"), a(b"host.zone.test", "192.0.2.1"),
      a(b"host.zone.test", "192.0.2.2"))),
    (b"alias2.zone.test", "MX", Rcode.NOERROR,
     (cname(b"alias2.zone.test", b"alias.zone.test"),
      cname(b"alias.zone.test", b"host.zone.test"))),
    (b"alias.zone.test", "CNAME", Rcode.NOERROR, (cname(b"alias.zone.test", b"host.zone.test"),)),
    (b"dangling.zone.test", "A", Rcode.NXDOMAIN,
     (cname(b"dangling.zone.test", b"nowhere.zone.test"),)),
    (b"outside.zone.test", "A", Rcode.NXDOMAIN,
     (cname(b"outside.zone.test", b"host.elsewhere"),)),
    (b"loop1.zone.test", "A", Rcode.NOERROR,
     (cname(b"loop1.zone.test", b"loop2.zone.test"),
      cname(b"loop2.zone.test", b"loop1.zone.test"))),
    (b"toagain.zone.test", "A", Rcode.SERVFAIL, ()),
    (b"tofail.zone.test", "A", Rcode.FORMERR, ()),
], ids=["chain-to-addresses", "two-steps-then-nodata", "cname-asked-for", "dangling",
        "target-in-no-zone", "loop-stops", "into-try-again", "into-no-recovery"])
def test_cname_chains_are_followed(zones: ZoneSet, name: bytes, qtype: str, rcode: Rcode,
                                   answers: tuple[RR, ...]) -> None:
    reply = answer(zones, name, qtype)
    assert (reply.rcode, reply.answers) == (rcode, answers)


def test_without_chasing_a_cname_comes_alone_as_fakens_sends_it(zones: ZoneSet) -> None:
    assert answer(zones, b"alias2.zone.test", "A", chase_cnames=False) == Reply(
        Rcode.NOERROR, (cname(b"alias2.zone.test", b"alias.zone.test"),), NS)


@pytest.mark.parametrize(("name", "secure", "authoritative"), [
    (b"sec.zone.test", True, False),
    (b"half.zone.test", False, False),
    (b"auth.zone.test", False, True),
    (b"host.zone.test", False, False),
    (b"seccname.zone.test", True, False),
    (b"gone.zone.test", True, False),
    (b"nothere.zone.test", False, False),
], ids=["all-dnssec", "one-unsigned", "aa-prefix", "plain", "signed-chain",
        "nxdomain-prefix-is-signed-nodata", "nxdomain-never-signed"])
def test_ad_and_aa_bits(zones: ZoneSet, name: bytes, secure: bool,
                        authoritative: bool) -> None:
    reply = answer(zones, name, "A")
    assert (reply.secure, reply.authoritative) == (secure, authoritative)


def test_nxdomain_prefix_hides_the_record_but_not_the_name(zones: ZoneSet) -> None:
    reply = answer(zones, b"gone.zone.test", "A")
    assert (reply.rcode, reply.answers, reply.authority) == (Rcode.NOERROR, (), SOA_AUTH)


@pytest.mark.parametrize(("name", "delay"), [
    (b"slow.zone.test", 0.25),
    (b"slow2.zone.test", 0.35),
    (b"host.zone.test", 0.0),
    (b"x.test.again.dns", 0.0),
    (b"3.test.again.dns", 3.0),
], ids=["delay-prefix", "delays-add-up-along-a-chain", "none", "again", "again-after-3s"])
def test_delays(zones: ZoneSet, name: bytes, delay: float) -> None:
    assert answer(zones, name, "A").delay == pytest.approx(delay)


@pytest.mark.parametrize(("name", "qtype", "rcode", "count"), [
    (b"test.again.dns", "A", Rcode.SERVFAIL, 0),
    (b"a.b.test.again.dns", "MX", Rcode.SERVFAIL, 0),
    (b"test.fail.dns", "A", Rcode.FORMERR, 0),
    (b"x.test.fail.dns", "TXT", Rcode.FORMERR, 0),
    (b"manyhome.test.ex", "A", Rcode.NOERROR, 2048),
    (b"manyhome.test.ex", "AAAA", Rcode.NXDOMAIN, 0),
], ids=["again", "again-any-type", "fail", "fail-any-type", "manyhome", "manyhome-only-a"])
def test_special_names(zones: ZoneSet, name: bytes, qtype: str, rcode: Rcode,
                       count: int) -> None:
    reply = answer(zones, name, qtype)
    assert (reply.rcode, len(reply.answers)) == (rcode, count)


def test_manyhome_addresses() -> None:
    answers = answer(ZoneSet(), b"manyhome.test.ex", "A").answers
    assert answers[0] == a(b"manyhome.test.ex", "10.250.104.0")
    assert answers[-1] == a(b"manyhome.test.ex", "10.250.111.255")


@pytest.mark.parametrize(("name", "reply"), [
    (b"host", Reply(Rcode.NOERROR, (a(b"host.zone.test", "192.0.2.1"),
                                    a(b"host.zone.test", "192.0.2.2")), NS)),
    (b"dontqualify", Reply(Rcode.NOERROR)),
    (b"nothere", Reply(Rcode.NXDOMAIN, (), SOA_AUTH)),
], ids=["single-label-qualified", "dontqualify-is-its-own-zone", "qualified-nxdomain"])
def test_single_labels_are_qualified(zones: ZoneSet, name: bytes, reply: Reply) -> None:
    assert answer(zones, name, "A") == reply
