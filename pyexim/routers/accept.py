"""The accept router (spec: "The accept router").

It has no private options; deliveries through it are logged as local unless
``log_as_local`` says otherwise.
"""

from __future__ import annotations

from pyexim.config.options import MainGetter, OptionTable, Settings, derive

OPTIONS = OptionTable("accept router", [])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """accept_router_init: log_as_local defaults to true for this driver."""
    if "log_as_local" not in settings:
        derive(settings, "log_as_local", True)
