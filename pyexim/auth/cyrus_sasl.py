"""The cyrus_sasl authenticator (spec: "The cyrus_sasl authenticator").

Exim asks the Cyrus SASL library at start-up whether it knows ``server_mech``;
pyexim has no Cyrus SASL binding, so that check is not made here, and using
this authenticator for a real exchange is not available.
"""

from __future__ import annotations

from pyexim.config.options import MainGetter, Opt, OptionTable, Settings, String, derive

OPTIONS = OptionTable("cyrus_sasl authenticator", [
    Opt("server_hostname", String(), "$primary_hostname"),
    Opt("server_mech", String(), None),
    Opt("server_realm", String(), None),
    Opt("server_service", String(), "smtp"),
])


def roles(settings: Settings) -> tuple[bool, bool]:
    """Always a server once initialised; never a client."""
    return True, False


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_cyrus_sasl_init: the mechanism defaults to the public name."""
    public = settings.get("public_name")
    if "server_mech" not in settings and public is not None:
        derive(settings, "server_mech", public.value)
