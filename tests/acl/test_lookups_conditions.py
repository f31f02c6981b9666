"""Conditions that keep state or ask the DNS: ratelimit and seen (hints databases under a
temporary spool, a fake clock), dnslists (a fake resolver), and regex on the message."""

from __future__ import annotations

from pathlib import Path

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from pyexim.acl.where import Rc, Where
from pyexim.expand import HeaderView
from pyexim.resolver import DnsAnswer, DnsRecord
from tests.acl.fakes import FakeSession, engine


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _ratelimited(tmp_path: Path, acl: str) -> tuple[object, Clock]:
    eng, _ = engine(named={"a": acl}, options={"spool_directory": str(tmp_path)})
    clock = Clock()
    eng.ctx.clock = clock
    return eng, clock


def test_ratelimit_counts_up_to_the_limit(tmp_path: Path) -> None:
    eng, clock = _ratelimited(tmp_path, "deny ratelimit = 3 / 1h / strict\n"
                                        " message = rate $sender_rate\naccept")
    outcomes = []
    for _ in range(5):
        eng.state.ratelimit_mail = {}                         # a new message each time
        clock.now += 1
        result = eng.check(Where.RCPT, "a", recipient="x@y.ex")  # type: ignore
        outcomes.append(result.rc)
    # a burst of 'limit' gets through; at the limit counts as over it
    assert outcomes == [Rc.OK, Rc.OK, Rc.OK, Rc.FAIL, Rc.FAIL]
    assert eng.ctx.values["sender_rate_limit"] == "3"       # type: ignore[attr-defined]
    assert eng.ctx.values["sender_rate_period"] == "1h"     # type: ignore[attr-defined]


def test_ratelimit_decays(tmp_path: Path) -> None:
    eng, clock = _ratelimited(tmp_path, "deny ratelimit = 1 / 1m\naccept")
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.FAIL  # type: ignore
    eng.state.ratelimit_mail = {}                             # type: ignore[attr-defined]
    clock.now += 3600
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.FAIL  # type: ignore


def test_ratelimit_per_addr_counts_each_address_once(tmp_path: Path) -> None:
    eng, clock = _ratelimited(tmp_path, "deny ratelimit = 2 / 1h / per_addr\naccept")
    results = []
    for address in ("a@x.ex", "a@x.ex", "a@x.ex", "b@x.ex", "c@x.ex"):
        eng.state.ratelimit_cmd = {}                          # type: ignore[attr-defined]
        clock.now += 1
        results.append(eng.check(Where.RCPT, "a", recipient=address).rc)  # type: ignore
    assert results == [Rc.OK, Rc.OK, Rc.OK, Rc.OK, Rc.FAIL]


@pytest.mark.parametrize("arg,error", [
    ("", "sender rate limit not set"),
    ("x / 1h", '"x" is not a positive number'),
    ("5 / soon", '"soon" is not a time value'),
    ("5 / 1h / per_mail / per_cmd", "conflicting per_* options"),
    ("5 / 1h / leaky / strict", "conflicting update modes"),
], ids=["empty", "limit", "period", "per-clash", "mode-clash"])
def test_ratelimit_errors(tmp_path: Path, arg: str, error: str) -> None:
    eng, _ = _ratelimited(tmp_path, f"deny ratelimit = {arg}")
    result = eng.check(Where.RCPT, "a", recipient="x@y.ex")  # type: ignore[attr-defined]
    assert (result.rc, result.log_message) == (
        Rc.ERROR, f'error in arguments to "ratelimit" condition: {error}')


def test_seen(tmp_path: Path) -> None:
    eng, clock = _ratelimited(tmp_path, "accept seen = 1h / key=$sender_address")
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.FAIL  # type: ignore
    clock.now += 60
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.OK  # type: ignore
    clock.now += 7200
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.FAIL  # type: ignore


class FakeResolver:
    """Answers A and TXT questions from a table; anything else does not exist."""

    def __init__(self, table: dict[tuple[str, str], list[str] | str]):
        self.table = table
        self.asked: list[tuple[str, str]] = []

    def lookup(self, name: str, rtype: str) -> DnsAnswer:
        self.asked.append((name, rtype))
        found = self.table.get((name, rtype))
        if found == "again":
            return DnsAnswer("again")
        if found is None:
            return DnsAnswer("nxdomain")
        assert isinstance(found, list)
        records = tuple(DnsRecord(name, rtype, 300, dns.rdata.from_text(
            dns.rdataclass.IN, dns.rdatatype.from_text(rtype),
            value if rtype == "A" else f'"{value}"')) for value in found)
        return DnsAnswer("ok", records)


def _dnslists(acl: str, table: dict[tuple[str, str], list[str] | str],
              host: str = "192.0.2.1") -> tuple[object, FakeResolver, FakeSession]:
    session = FakeSession()
    eng, _ = engine(named={"a": acl}, session=session, values={"sender_host_address": host})
    resolver = FakeResolver(table)

    class Lookups:
        pass
    lookups = Lookups()
    lookups.resolver = resolver  # type: ignore[attr-defined]
    eng.ctx.lookup_context = lookups
    return eng, resolver, session


def test_dnslists_listed_with_text() -> None:
    eng, resolver, _ = _dnslists(
        "deny dnslists = bl.example\n message = $dnslist_domain $dnslist_value "
        "$dnslist_text\naccept",
        {("1.2.0.192.bl.example", "A"): ["127.0.0.2"],
         ("1.2.0.192.bl.example", "TXT"): ["listed for spam"]})
    result = eng.check(Where.RCPT, "a", recipient="x@y.ex")  # type: ignore[attr-defined]
    assert result.user_message == "bl.example 127.0.0.2 listed for spam"


@pytest.mark.parametrize("item,listed", [
    ("bl.example=127.0.0.2", True), ("bl.example=127.0.0.3", False),
    ("bl.example!=127.0.0.3", True), ("bl.example&0.0.0.2", True),
    ("bl.example&0.0.0.8", False), ("bl.example==127.0.0.2,127.0.0.3", False),
    ("bl.example==127.0.0.2,127.0.0.4", True),
], ids=lambda v: str(v))
def test_dnslists_filters(item: str, listed: bool) -> None:
    eng, _, _ = _dnslists(f"deny dnslists = {item}\naccept",
                          {("1.2.0.192.bl.example", "A"): ["127.0.0.2", "127.0.0.4"]})
    result = eng.check(Where.RCPT, "a", recipient="x@y.ex")  # type: ignore[attr-defined]
    assert (result.rc is Rc.FAIL) == listed


def test_dnslists_keys_and_defer_handling() -> None:
    table: dict[tuple[str, str], list[str] | str] = {
        ("evil.example.dbl.example", "A"): ["127.0.1.2"], ("x.dbl.example", "A"): "again"}
    eng, resolver, _ = _dnslists("deny dnslists = dbl.example/$sender_address_domain\n"
                                 "accept", table)
    eng.ctx.values["sender_address"] = "s@evil.example"  # type: ignore[attr-defined]
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.FAIL  # type: ignore
    eng, _, session = _dnslists("deny dnslists = +defer_unknown : dbl.example/x\naccept",
                                table)
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.DEFER  # type: ignore
    assert "DNS list lookup defer (probably timeout) for x.dbl.example: returned DEFER" in \
        session.logs[0][0]


def test_dnslists_results_are_remembered() -> None:
    eng, resolver, _ = _dnslists("deny dnslists = bl.example\naccept", {})
    eng.check(Where.RCPT, "a", recipient="x@y.ex")  # type: ignore[attr-defined]
    eng.check(Where.RCPT, "a", recipient="z@y.ex")  # type: ignore[attr-defined]
    assert resolver.asked == [("1.2.0.192.bl.example", "A")]


def test_regex_matches_lines_of_the_message() -> None:
    session = FakeSession(headers=[HeaderView("Subject: buy now\n", " ")],
                          body="hello\nclick here to win\n")
    eng, _ = engine(named={"a": "deny regex = ^click (\\\\w+) : nothing\n"
                                " message = $regex_match_string $regex1\naccept"},
                    session=session)
    result = eng.check(Where.DATA, "a")
    assert result.user_message == "^click (\\w+) here"


def test_content_scanners_defer_when_absent(tmp_path: Path) -> None:
    session = FakeSession()
    eng, _ = engine(named={"a": "deny malware = *\naccept"}, session=session,
                    options={"av_scanner": f"clamd:{tmp_path}/no-socket"})
    assert eng.check(Where.DATA, "a").rc is Rc.DEFER
    assert session.logs[0][0].startswith("malware acl condition: clamd")
    eng, _ = engine(named={"a": "deny malware = */defer_ok\naccept"}, session=session)
    assert eng.check(Where.DATA, "a").rc is Rc.OK
