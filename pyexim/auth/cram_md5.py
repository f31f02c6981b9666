"""The cram_md5 authenticator (spec: "The cram_md5 authenticator", RFC 2195)."""

from __future__ import annotations

from pyexim.config.options import MainGetter, Opt, OptionTable, Settings, String, derive

OPTIONS = OptionTable("cram_md5 authenticator", [
    Opt("client_name", String(), None),
    Opt("client_secret", String(), None),
    Opt("server_secret", String(), None),
])


def roles(settings: Settings) -> tuple[bool, bool]:
    """A server when server_secret is set; a client when client_secret is set."""
    return "server_secret" in settings, "client_secret" in settings


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_cram_md5_init: a client's name defaults to primary_hostname."""
    if "client_secret" in settings and "client_name" not in settings:
        derive(settings, "client_name", main("primary_hostname"))
