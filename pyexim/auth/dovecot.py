"""The dovecot authenticator (spec: "The dovecot authenticator"): server side via Dovecot's auth socket."""

from __future__ import annotations

from pyexim.config.options import MainGetter, Opt, OptionTable, Settings, String, derive

OPTIONS = OptionTable("dovecot authenticator", [
    Opt("server_socket", String(), None),
])

# Listed by the option extractor, but commented out in Exim 4.96's dovecot.c.
NOT_IN_BUILD: dict[str, str] = {"server_tls": "commented out"}


def roles(settings: Settings) -> tuple[bool, bool]:
    """A server when server_socket is set; never a client."""
    return "server_socket" in settings, False


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_dovecot_init: the public name defaults to the instance name."""
    if "public_name" not in settings:
        derive(settings, "public_name", name)
