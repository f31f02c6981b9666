"""The accept router (spec: "The accept router").

It has no private options; deliveries through it are logged as local unless
``log_as_local`` says otherwise.
"""

from __future__ import annotations

from pyexim.config.options import MainGetter, OptionTable, Settings, derive

# The routing code is imported when an address is routed, not when a configuration
# naming this driver is read (-bV and -bP stay quick).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem

OPTIONS = OptionTable("accept router", [])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """accept_router_init: log_as_local defaults to true for this driver."""
    if "log_as_local" not in settings:
        derive(settings, "log_as_local", True)


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Accept the address for the router's transport (accept_router_entry)."""
    from pyexim.routers import rf
    return rf.accept_address(run, addr, router, q, pw, verify)
