"""Fixtures of tests/net: the test DNS server for the session (tests/dnsfixture.py)."""

from tests.dnsfixture import fake_dns, fake_dns_env  # noqa: F401  (pytest fixtures)
