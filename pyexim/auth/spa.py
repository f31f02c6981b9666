"""The spa authenticator (spec: "The spa authenticator"): Microsoft's NTLM/SPA."""

from __future__ import annotations

from pyexim.config.options import (
    EximConfigError,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    derive,
)

OPTIONS = OptionTable("spa authenticator", [
    Opt("client_domain", String(), None),
    Opt("client_password", String(), None),
    Opt("client_username", String(), None),
    Opt("server_password", String(), None),
])


def roles(settings: Settings) -> tuple[bool, bool]:
    """A server when server_password is set; a client when client_username is set."""
    return "server_password" in settings, "client_username" in settings


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_spa_init: public name default; client username and password go together."""
    if "public_name" not in settings:
        derive(settings, "public_name", name)
    if ("client_username" in settings) != ("client_password" in settings):
        raise EximConfigError(f"{name} authenticator:\n  one of client_username and "
                              "client_password cannot be set without the other", form="for")
