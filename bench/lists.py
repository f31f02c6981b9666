"""Micro-benchmark: list matching and lookups as Debian's RCPT ACL uses them.

Run by hand (not part of the test suite):

    .venv/bin/python bench/lists.py [--config ../shared/corpus/configs/debian-internet.conf]

It loads the configuration's named lists (local_domains, relay_to_domains,
relay_from_hosts) and times, per call: ``domains = +local_domains : +relay_to_domains``
(with and without the per-address named-list cache), ``domains = ! +local_domains``,
``hosts = +relay_from_hosts`` (with the per-connection cache, as in an SMTP session, and
without), ``local_parts = postmaster``, and lookups in a 10,000-line lsearch file, a cdb
file and a wildlsearch file, first and repeated (the per-run result cache).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyexim.lists import ListCache, SimpleListContext, match_domain, match_host, match_local_part  # noqa: E402
from pyexim.lookups import LookupContext, lookup, parse_lookup_type  # noqa: E402
from pyexim.lookups.cdb import write_cdb  # noqa: E402

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "configs" / \
    "debian-internet.conf"


@dataclass
class Named:
    value: str
    cached: bool = True


def timeit(label: str, fn: Callable[[int], object], n: int) -> None:
    fn(0)                                    # warm-up: regex and lookup caches
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    elapsed = time.perf_counter() - start
    print(f"{label:58s} {n / elapsed:12,.0f} /s  {elapsed / n * 1e6:8.2f} us")


def named_lists(config: Path) -> dict[str, dict[str, Named]]:
    try:
        from pyexim.config import load_config
        model = load_config(str(config))
        return {kind: {name: Named(nl.value, nl.cached) for name, nl in lists.items()}
                for kind, lists in model.named_lists.items()}
    except (ImportError, OSError) as exc:  # the config reader is another engineer's
        print(f"(config not loaded: {exc}; using Debian's defaults)")
        return {"domain": {"local_domains": Named("@:localhost:vm"),
                           "relay_to_domains": Named("relay.example")},
                "host": {"relay_from_hosts": Named("192.0.2.0/24 : 127.0.0.1 : ::::1")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("-n", type=int, default=20000)
    args = parser.parse_args()
    n = args.n
    lookups = LookupContext(primary_hostname="vm", interfaces=["127.0.0.1", "::1"])
    ctx = SimpleListContext(named_lists(args.config), lookups)
    domains = ["vm", "localhost", "relay.example", "example.com", "other.test"]
    hosts = ["127.0.0.1", "192.0.2.55", "198.51.100.7", "::1", "2001:db8::1"]
    rcpt_domains = "+local_domains : +relay_to_domains"

    print(f"named lists from {args.config}")
    timeit("domains = +local_domains : +relay_to_domains",
           lambda i: match_domain(domains[i % 5], rcpt_domains, ctx, expand=True), n)
    caches = [ListCache() for _ in domains]
    timeit("  same, with the per-address named-list cache",
           lambda i: match_domain(domains[i % 5], rcpt_domains, ctx, expand=True,
                                  cache=caches[i % 5]), n)
    timeit("domains = ! +local_domains",
           lambda i: match_domain(domains[i % 5], "! +local_domains", ctx, expand=True), n)
    timeit("hosts = +relay_from_hosts",
           lambda i: match_host(hosts[i % 5], "+relay_from_hosts", ctx), n)
    host_caches = [ListCache() for _ in hosts]
    timeit("  same, with the per-connection cache",
           lambda i: match_host(hosts[i % 5], "+relay_from_hosts", ctx,
                                cache=host_caches[i % 5]), n)
    timeit("local_parts = postmaster",
           lambda i: match_local_part(("postmaster", "alice")[i % 2], "postmaster", ctx), n)

    with tempfile.TemporaryDirectory() as tmp:
        aliases = os.path.join(tmp, "aliases")
        with open(aliases, "w") as f:
            for i in range(10000):
                f.write(f"user{i}: user{i}@example.com\n")
        cdbfile = os.path.join(tmp, "aliases.cdb")
        write_cdb(cdbfile, [(f"user{i}".encode(), f"user{i}@example.com".encode())
                            for i in range(10000)])
        wild = os.path.join(tmp, "wild")
        with open(wild, "w") as f:
            for i in range(200):
                f.write(f"*.zone{i}.example: zone {i}\n")
            f.write("^user[0-9]+$: regex\n")
        ls, cdb = parse_lookup_type("lsearch"), parse_lookup_type("cdb")
        wl = parse_lookup_type("nwildlsearch")
        timeit("lsearch, 10,000 lines, cached results (same keys)",
               lambda i: lookup(ls, f"user{i % 100}", aliases, lookups), n)
        fresh = LookupContext()
        timeit("lsearch, 10,000 lines, every key new (indexed file)",
               lambda i: lookup(ls, f"user{i % 10000}x{i}", aliases, fresh), n)
        fresh = LookupContext()
        timeit("cdb, 10,000 keys, every key new",
               lambda i: lookup(cdb, f"user{i}", cdbfile, fresh), n)
        fresh = LookupContext()
        timeit("nwildlsearch, 201 patterns, every key new (scan)",
               lambda i: lookup(wl, f"host{i}.zone{i % 250}.example", wild, fresh),
               max(1, n // 10))


if __name__ == "__main__":
    main()
