"""The lmtp transport (spec: "The lmtp transport"): LMTP over a pipe to a command or a socket."""

from __future__ import annotations

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
    getter,
)
from pyexim.transports.base import check_user_group

OPTIONS = OptionTable("lmtp transport", [
    Opt("batch_id", String(), None),
    Opt("batch_max", Int(), 1),
    Opt("command", String(), None),
    Opt("ignore_quota", Bool(), False),
    Opt("socket", String(), None),
    Opt("timeout", Time(), 300),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """lmtp_transport_init: exactly one of command and socket; a fixed user needs a group."""
    get = getter(settings, OPTIONS)
    if (get("command") is None) == (get("socket") is None):
        raise EximConfigError("one (and only one) of command or socket must be set for the "
                              f"{name} transport", form="plain")
    check_user_group(name, settings)
