"""Host lists and host ordering (pyexim.routers.hosts): table tests of the pure parts.

Finding hosts in the DNS is checked against real Exim by the goldens
(test_corpus_goldens.py); here are the pieces with no network: Exim's random numbers,
configured host lists, ports on host names, the local-host scan and IPv6 ordering.
"""

from __future__ import annotations

import pytest

from pyexim.routers.hosts import (
    FIND_FAILED,
    FOUND,
    FOUND_LOCAL,
    EximRandom,
    HostFinder,
    _ipv6_first_within_mx,
    _without_duplicates,
    build_hostlist,
    item_get_port,
)
from pyexim.routers.item import MX_NONE, PORT_NONE, Host


def test_random_numbers_follow_exims_generator() -> None:
    # Exim's test harness seeds random_number() with 42; these are its first values.
    rng = EximRandom(42)
    assert [rng.number(500) for _ in range(5)] == [109, 61, 297, 489, 384]
    assert EximRandom(42).number(1) == 0
    assert EximRandom(42).number(0) == 0


def test_unseeded_random_numbers_stay_in_range() -> None:
    rng = EximRandom()
    assert all(0 <= rng.number(7) < 7 for _ in range(200))


@pytest.mark.parametrize(("text", "names"), [
    ("a : b : c", ["a", "b", "c"]),
    ("<; a ; b", ["a", "b"]),
    ("a : + : b", ["a", "b"]),
    ("", []),
], ids=["colons", "own-separator", "plus-ignored", "empty"])
def test_host_lists_keep_their_order(text: str, names: list[str]) -> None:
    hosts = build_hostlist(text, False, EximRandom(42))
    assert [h.name for h in hosts] == names
    assert all(h.mx == MX_NONE and h.address is None for h in hosts)


def test_randomized_groups_stay_in_order() -> None:
    hosts = build_hostlist("a:b:c:+:d:e:f", True, EximRandom(1))
    assert sorted(h.name for h in hosts[:3]) == ["a", "b", "c"]
    assert sorted(h.name for h in hosts[3:]) == ["d", "e", "f"]
    assert [h.mx for h in hosts] == [-2, -2, -2, -3, -3, -3]
    keys = [h.sort_key for h in hosts]
    assert keys == sorted(keys)


@pytest.mark.parametrize(("name", "host", "port"), [
    ("mail.example:2525", "mail.example", 2525),
    ("[192.0.2.1]:25", "192.0.2.1", 25),
    ("[2001:db8::1]:587", "2001:db8::1", 587),
    ("2001:db8::1", "2001:db8::1", PORT_NONE),
    ("a:b:25", "a:b:25", PORT_NONE),
    ("x:1", "x", 1),
    ("mail.example", "mail.example", PORT_NONE),
    ("ab", "ab", PORT_NONE),
], ids=["name", "bracketed-v4", "bracketed-v6", "bare-v6", "two-colons", "short", "none",
        "too-short"])
def test_ports_on_host_names(name: str, host: str, port: int) -> None:
    item = Host(name)
    assert item_get_port(item) == port
    assert item.name == host


class _Run:
    """What scan_for_local_hosts needs from routing."""

    def __init__(self, treat_as_local: str | None = None):
        self.treat_as_local = treat_as_local

    def local_interfaces(self) -> list[str]:
        return ["127.0.0.1", "::1", "192.0.2.7"]

    def option_str(self, name: str) -> str | None:
        return self.treat_as_local if name == "hosts_treat_as_local" else None

    def match_domain_plain(self, domain: str, list_text: str) -> bool:
        return domain in list_text.split(":")


def _hosts(*spec: tuple[str, str | None, int]) -> list[Host]:
    return [Host(name, address, mx=mx) for name, address, mx in spec]


@pytest.mark.parametrize(("hosts", "rc", "kept", "removed"), [
    (_hosts(("a", "192.0.2.1", 10), ("b", "192.0.2.2", 20)), FOUND, ["a", "b"], False),
    (_hosts(("me", "192.0.2.7", 10), ("b", "192.0.2.2", 20)), FOUND_LOCAL, ["me", "b"], False),
    (_hosts(("a", "192.0.2.1", 10), ("me", "127.0.0.1", 20), ("c", "192.0.2.3", 30)),
     FOUND, ["a"], True),
    (_hosts(("a", "192.0.2.1", 10), ("b", "192.0.2.2", 20), ("me", "::1", 20)),
     FOUND, ["a"], True),
    (_hosts(("zero", "0.0.0.0", -1),), FOUND_LOCAL, ["zero"], False),
    (_hosts(("gone", None, 10),), FIND_FAILED, ["gone"], False),
], ids=["remote", "local-lowest", "local-cuts-rest", "local-cuts-its-mx-group",
        "all-zeros", "no-address"])
def test_local_host_scan(hosts: list[Host], rc: str, kept: list[str], removed: bool) -> None:
    finder = HostFinder(_Run())  # type: ignore[arg-type]
    got_rc, got, got_removed = finder.scan_for_local_hosts(hosts)
    assert (got_rc, [h.name for h in got], got_removed) == (rc, kept, removed)


def test_hosts_treat_as_local_by_name() -> None:
    finder = HostFinder(_Run("mine.example"))  # type: ignore[arg-type]
    rc, hosts, _ = finder.scan_for_local_hosts(_hosts(("mine.example", "192.0.2.9", 5)))
    assert rc == FOUND_LOCAL and hosts[0].name == "mine.example"


@pytest.mark.parametrize(("addresses", "ipv4_first", "order"), [
    (["192.0.2.1", "2001:db8::1"], False, ["2001:db8::1", "192.0.2.1"]),
    (["2001:db8::1", "192.0.2.1"], True, ["192.0.2.1", "2001:db8::1"]),
    (["2001:db8::1", "192.0.2.1"], False, ["2001:db8::1", "192.0.2.1"]),
], ids=["v6-first", "v4-first", "already"])
def test_ipv6_first_within_one_mx(addresses: list[str], ipv4_first: bool,
                                  order: list[str]) -> None:
    hosts = [Host(f"h{i}", a, mx=10) for i, a in enumerate(addresses)]
    _ipv6_first_within_mx(hosts, ipv4_first)
    assert [h.address for h in hosts] == order


def test_duplicate_addresses_keep_the_first() -> None:
    hosts = _hosts(("a", "192.0.2.1", 10), ("b", "192.0.2.1", 20), ("c", None, 30),
                   ("d", None, 40))
    assert [h.name for h in _without_duplicates(hosts)] == ["a", "c", "d"]
