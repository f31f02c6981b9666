"""The queryprogram router (spec: "The queryprogram router")."""

from __future__ import annotations

from pyexim.config.options import (
    EximConfigError,
    ExpandGid,
    ExpandUid,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    value_of,
)

OPTIONS = OptionTable("queryprogram router", [
    Opt("command", String(), None),
    Opt("command_group", ExpandGid(), None),
    Opt("command_user", ExpandUid(), None),
    Opt("current_directory", String(), "/"),
    Opt("timeout", Time(), 3600),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """queryprogram_router_init: a command and a command_user are required."""
    if value_of(OPTIONS, settings, "command") is None:
        raise EximConfigError(f"{name} router:\n  a command specification is required",
                              form="for")
    if value_of(OPTIONS, settings, "command_user") is None:
        raise EximConfigError(f"{name} router:\n  command_user must be specified", form="for")
