"""Generic transport options and the checks made once all transports are read (spec: "Generic options for transports").

``GENERIC_OPTIONS`` is transport.c's optionlist_transports; ``finish_section``
does what transport_init() does after reading the section; ``check_user_group``
is the "user set without group" check several drivers share.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyexim.config.options import (
    Bool,
    EximConfigError,
    ExpandGid,
    ExpandUid,
    Opt,
    OptionTable,
    Rewrite,
    Settings,
    String,
    Time,
)

GENERIC_OPTIONS = OptionTable("transport", [
    Opt("body_only", Bool(), False),
    Opt("current_directory", String(), None),
    Opt("debug_print", String(), None),
    Opt("delivery_date_add", Bool(), False),
    Opt("disable_logging", Bool(), False),
    Opt("driver", String(), None),
    Opt("envelope_to_add", Bool(), False),
    Opt("event_action", String(), None),
    Opt("group", ExpandGid(), None),
    Opt("headers_add", String(), None, repeat="str"),
    Opt("headers_only", Bool(), False),
    Opt("headers_remove", String(), None, repeat="str"),
    Opt("headers_rewrite", Rewrite(), None),
    Opt("home_directory", String(), None),
    Opt("initgroups", Bool(), False),
    Opt("max_parallel", String(), None),
    Opt("message_size_limit", String(), None),
    Opt("rcpt_include_affixes", Bool(), False),
    # Exim's TRUE_UNSET prints as set; the smtp transport makes it false when unset.
    Opt("retry_use_local_part", Bool(), True),
    Opt("return_path", String(), None),
    Opt("return_path_add", Bool(), False),
    Opt("shadow_condition", String(), None),
    Opt("shadow_transport", String(), None),
    Opt("transport_filter", String(), None),
    Opt("transport_filter_timeout", Time(), 300),
    Opt("user", ExpandUid(), None),
])

# Transports that deliver locally (drtables.c `local`); only these may have a shadow.
LOCAL_DRIVERS = frozenset({"appendfile", "autoreply", "lmtp", "pipe"})


def _get(settings: Settings, name: str) -> object:
    setting = settings.get(name)
    return setting.value if setting is not None else GENERIC_OPTIONS.default(name)


def check_user_group(name: str, settings: Settings) -> None:
    """A fixed user needs a group (given, or taken from the user's passwd entry)."""
    user = _get(settings, "user")
    if user is not None and not isinstance(user, str) and "group" not in settings:
        raise EximConfigError(f"user set without group for the {name} transport", form="plain")


def finish_section(transports: Sequence[tuple[str, Settings]]) -> None:
    """transport_init()'s checks over all transports, in order."""
    for name, settings in transports:
        if str(_get(settings, "driver")) not in LOCAL_DRIVERS and _get(
                settings, "shadow_transport") is not None:
            raise EximConfigError(f"shadow transport not allowed on non-local transport {name}",
                                  form="plain")
        if _get(settings, "body_only") and _get(settings, "headers_only"):
            raise EximConfigError(f"{name} transport: body_only and headers_only are mutually "
                                  "exclusive", form="plain")
