"""The plaintext authenticator (spec: "The plaintext authenticator"): PLAIN and LOGIN."""

from __future__ import annotations

from pyexim.config.options import Bool, MainGetter, Opt, OptionTable, Settings, String, derive

OPTIONS = OptionTable("plaintext authenticator", [
    Opt("client_ignore_invalid_base64", Bool(), False),
    Opt("client_send", String(), None),
    Opt("server_prompts", String(), None),
])


def roles(settings: Settings) -> tuple[bool, bool]:
    """A server when server_condition is set; a client when client_send is set."""
    return "server_condition" in settings, "client_send" in settings


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """auth_plaintext_init: the public name defaults to the instance name."""
    if "public_name" not in settings:
        derive(settings, "public_name", name)
