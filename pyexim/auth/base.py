"""Generic authenticator options and the checks made once all are read (spec: "SMTP authentication").

``GENERIC_OPTIONS`` is globals.c's optionlist_auths. ``finish_section`` does what
auths_init() does after reading the section: every authenticator needs a public
name, and no two servers (or two clients) may share one. Whether an instance is
a server or a client is decided by its driver's ``roles(settings)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyexim import load_module
from pyexim.config.options import EximConfigError, Opt, OptionTable, Settings, String

GENERIC_OPTIONS = OptionTable("authenticator", [
    Opt("client_condition", String(), None),
    Opt("client_set_id", String(), None),
    Opt("driver", String(), None),
    Opt("public_name", String(), None),
    Opt("server_advertise_condition", String(), None),
    Opt("server_condition", String(), None),
    Opt("server_debug_print", String(), None),
    Opt("server_mail_auth_condition", String(), None),
    Opt("server_set_id", String(), None),
])


def _get(settings: Settings, name: str) -> object:
    setting = settings.get(name)
    return setting.value if setting is not None else None


def roles(settings: Settings) -> tuple[bool, bool]:
    """(is a server, is a client) for an instance, as its driver's init decides."""
    from pyexim.auth.registry import DRIVERS
    module = load_module(DRIVERS[str(_get(settings, "driver"))])
    result: tuple[bool, bool] = module.roles(settings)
    return result


def finish_section(auths: Sequence[tuple[str, Settings]]) -> None:
    """auths_init()'s checks over all authenticators, in order."""
    for index, (name, settings) in enumerate(auths):
        public = _get(settings, "public_name")
        if public is None:
            raise EximConfigError(f"no public name specified for the {name} authenticator",
                                  form="plain")
        server, client = roles(settings)
        for other_name, other in auths[index + 1:]:
            other_public = _get(other, "public_name")
            if other_public is None or str(other_public).lower() != str(public).lower():
                continue
            other_server, other_client = roles(other)
            if (client and other_client) or (server and other_server):
                which = "client" if client and other_client else "server"
                raise EximConfigError(f"two {which} authenticators ({name} and {other_name}) "
                                      f"have the same public name ({public})", form="plain")
