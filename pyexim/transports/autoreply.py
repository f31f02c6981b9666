"""The autoreply transport (spec: "The autoreply transport"): generates a new message."""

from __future__ import annotations

from pyexim.config.options import Bool, Int, MainGetter, Octal, Opt, OptionTable, Settings, String
from pyexim.transports.base import check_user_group

OPTIONS = OptionTable("autoreply transport", [
    Opt("bcc", String(), None),
    Opt("cc", String(), None),
    Opt("file", String(), None),
    Opt("file_expand", Bool(), False),
    Opt("file_optional", Bool(), False),
    Opt("from", String(), None),
    Opt("headers", String(), None),
    Opt("log", String(), None),
    Opt("mode", Octal(), 0o600),
    Opt("never_mail", String(), None),
    Opt("once", String(), None),
    Opt("once_file_size", Int(), 0),
    Opt("once_repeat", String(), None),
    Opt("reply_to", String(), None),
    Opt("return_message", Bool(), False),
    Opt("subject", String(), None),
    Opt("text", String(), None),
    Opt("to", String(), None),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """autoreply_transport_init: a fixed user needs a group."""
    check_user_group(name, settings)
