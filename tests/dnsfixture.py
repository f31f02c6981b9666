"""Pytest fixtures for the test DNS server (pyexim.net.fakedns) serving Exim's test zones.

Tests that need DNS get the fixtures from their directory's conftest.py:

    from tests.dnsfixture import fake_dns, fake_dns_env  # noqa: F401  (fixtures)

    def test_mx_routing(fake_dns_env):       # os.environ points pyexim at the server
        ...                                  # pyexim.resolver.Resolver.from_environment()

* ``fake_dns`` (session): one server for the whole session, on a free port of 127.0.0.1,
  with Exim's zones (shared/exim-tests/exim-4.96/dnszones-src) and pyexim's own
  (tests/dnszones/, add domains there). A ``FakeDNS``: ``port``, ``resolv_conf`` and
  ``env`` (``PYEXIM_RESOLV_CONF`` and ``PYEXIM_DNS_PORT``, for a subprocess's env).
* ``fake_dns_env`` (per test): the same two variables set in os.environ for the test.
* ``running_fake_dns(zone_dirs, directory)``: a context manager for a server of one's own.

HOSTIPV4/HOSTIPV6 in the zones are 192.0.2.7 and 2001:db8::7 (pyexim.net.dnszone).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyexim.net import fakedns
from tests.conftest import PROJECT, SHARED

EXIM_ZONES = SHARED / "exim-tests" / "exim-4.96" / "dnszones-src"
PYEXIM_TEST_ZONES = PROJECT / "tests" / "dnszones"

needs_exim_zones = pytest.mark.skipif(not EXIM_ZONES.is_dir(),
                                      reason=f"Exim's test zones not found at {EXIM_ZONES}")


def default_zone_dirs() -> list[Path]:
    """Exim's test zones when they are there, then pyexim's own."""
    return [d for d in (EXIM_ZONES, PYEXIM_TEST_ZONES) if d.is_dir()]


@dataclass(frozen=True)
class FakeDNS:
    """A running test DNS server: where it listens and how to point pyexim at it."""

    port: int
    resolv_conf: Path
    env: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        """os.environ plus this server's variables, for a pyexim subprocess."""
        return dict(os.environ, **self.env)


@contextmanager
def running_fake_dns(zone_dirs: Sequence[Path | str], directory: Path, *,
                     hostname: str | None = None,
                     chase_cnames: bool = True) -> Iterator[FakeDNS]:
    """A server on a free loopback port for the ``with`` block; its resolv.conf goes in
    ``directory``. The server's query log goes to ``directory``/fakedns.log."""
    command = fakedns.server_command([str(d) for d in zone_dirs], 0, hostname=hostname,
                                     chase_cnames=chase_cnames, log=True)
    with open(directory / "fakedns.log", "ab") as log:
        process, port = fakedns.start_process(command, stderr=log)
    try:
        resolv_conf = directory / "resolv.conf"
        resolv_conf.write_text(fakedns.RESOLV_CONF)
        yield FakeDNS(port, resolv_conf, {"PYEXIM_RESOLV_CONF": str(resolv_conf),
                                          "PYEXIM_DNS_PORT": str(port)})
    finally:
        process.terminate()
        process.wait()


@pytest.fixture(scope="session")
def fake_dns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeDNS]:
    """The session's test DNS server (Exim's and pyexim's test zones)."""
    with running_fake_dns(default_zone_dirs(), tmp_path_factory.mktemp("fakedns")) as server:
        yield server


@pytest.fixture
def fake_dns_env(fake_dns: FakeDNS, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """PYEXIM_RESOLV_CONF and PYEXIM_DNS_PORT set in os.environ for one test."""
    for name, value in fake_dns.env.items():
        monkeypatch.setenv(name, value)
    return fake_dns.env
