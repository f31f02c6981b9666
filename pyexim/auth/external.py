"""The external authenticator (spec: "The external authenticator", RFC 4422 EXTERNAL)."""

from __future__ import annotations

from pyexim.config.options import MainGetter, Opt, OptionTable, Settings, String, derive

OPTIONS = OptionTable("external authenticator", [
    Opt("client_send", String(), None),
    Opt("server_param2", String(), None),
    Opt("server_param3", String(), None),
])


def roles(settings: Settings) -> tuple[bool, bool]:
    """A server when server_condition is set; a client when client_send is set."""
    return "server_condition" in settings, "client_send" in settings


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_external_init: the public name defaults to the instance name."""
    if "public_name" not in settings:
        derive(settings, "public_name", name)
