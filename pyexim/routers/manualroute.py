"""The manualroute router (spec: "The manualroute router")."""

from __future__ import annotations

from pyexim.config.options import (
    Bool,
    EximConfigError,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    value_of,
)

OPTIONS = OptionTable("manualroute router", [
    Opt("host_all_ignored", String(), "defer"),
    Opt("host_find_failed", String(), "freeze"),
    Opt("hosts_randomize", Bool(), False),
    Opt("route_data", String(), None),
    Opt("route_list", String(), None),
    Opt("same_domain_copy_routing", Bool(), False),
])

# What host_find_failed may say; host_all_ignored may not say "ignore".
HOST_FIND_FAILED = ("ignore", "decline", "defer", "fail", "freeze", "pass")


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """manualroute_router_init: the failure words, and exactly one of route_list/route_data."""
    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} router:\n  {reason}", form="for")

    if value_of(OPTIONS, settings, "host_find_failed") not in HOST_FIND_FAILED:
        raise fail("unrecognized setting for host_find_failed option")
    if value_of(OPTIONS, settings, "host_all_ignored") not in HOST_FIND_FAILED[1:]:
        raise fail("unrecognized setting for host_all_ignored option")
    has_list = value_of(OPTIONS, settings, "route_list") is not None
    has_data = value_of(OPTIONS, settings, "route_data") is not None
    if has_list == has_data:
        raise fail("route_list or route_data (but not both) must be specified")
