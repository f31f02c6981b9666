"""The tls authenticator (spec: "The tls authenticator"): authentication by TLS client certificate."""

from __future__ import annotations

from pyexim.config.options import MainGetter, Opt, OptionTable, Settings, String, derive

OPTIONS = OptionTable("tls authenticator", [
    # server_param is the older name of server_param1; both print.
    Opt("server_param", String(), None, alias_of="server_param1"),
    Opt("server_param1", String(), None),
    Opt("server_param2", String(), None),
    Opt("server_param3", String(), None),
])


def roles(settings: Settings) -> tuple[bool, bool]:
    """Exim's tls driver sets neither role flag at start-up."""
    return False, False


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_tls_init: the public name is always the instance name."""
    derive(settings, "public_name", name)
