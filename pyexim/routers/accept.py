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
    from pyexim.routers.base import Accept, Defer
    problem, errors_to = rf.get_errors_address(run, addr, router, verify)
    if problem is not None:
        return problem
    problem, extra, remove = rf.get_munge_headers(run, addr, router)
    if problem is not None:
        return problem
    ok, transport = rf.get_transport(run, router.transport_name, addr, router.name, None)
    if not ok:
        return Defer()
    addr.transport = transport
    addr.prop.errors_address = errors_to
    addr.prop.extra_headers, addr.prop.remove_headers = extra, remove
    return Accept() if rf.queue_add(run, addr, q, router, pw) else Defer()
