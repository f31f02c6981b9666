"""The iplookup router (spec: "The iplookup router")."""

from __future__ import annotations

from pyexim.config.main_options import check_regex
from pyexim.config.options import (
    Bool,
    EximConfigError,
    Int,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    value_of,
)

OPTIONS = OptionTable("iplookup router", [
    Opt("hosts", String(), None),
    Opt("optional", Bool(), False),
    Opt("port", Int(), -1),
    Opt("protocol", String(), None),
    Opt("query", String(), None),
    Opt("reroute", String(), None),
    Opt("response_pattern", String(), None),
    Opt("timeout", Time(), 5),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """iplookup_router_init: a port and hosts are required; protocol is udp or tcp."""
    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} router:\n  {reason}", form="for")

    if int(value_of(OPTIONS, settings, "port")) < 0:  # type: ignore[call-overload]
        raise fail("a port must be specified")
    if value_of(OPTIONS, settings, "hosts") is None:
        raise fail("a host list must be specified")
    protocol = value_of(OPTIONS, settings, "protocol")
    if protocol is not None and protocol not in ("udp", "tcp"):
        raise fail("protocol not specified as udp or tcp")
    pattern = value_of(OPTIONS, settings, "response_pattern")
    if pattern is not None:
        # Compiled now, as Exim does, so a bad pattern stops the configuration.
        check_regex(str(pattern))
