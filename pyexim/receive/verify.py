"""Address verification for ACLs through the router chain (Exim: verify.c verify_address as
acl.c calls it for ``verify = recipient`` and ``verify = sender``).

The session routes in verify mode with pyexim.routers (one ``Routing`` per session, so
lookups and host lists are cached as Exim caches them per process). Callouts need an
outgoing SMTP connection during the ACL: under ``-bh`` they are omitted, as Exim omits
them without ``-bhc``; elsewhere pyexim cannot make them yet, and such a verification
defers with a message that says so.
"""

from __future__ import annotations

from pyexim.acl.state import RouteVerify

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyexim.receive.session import SmtpSession


class RouterVerifier:
    """``verify_address`` for one session, over a lazily built Routing."""

    def __init__(self, session: SmtpSession):
        self.session = session
        self._routing: Any = None

    def _run(self) -> Any:
        if self._routing is None:
            from pyexim.routers.chain import Routing, RoutingEnv
            session = self.session

            def log(message: str, panic: bool) -> None:
                session.log(message, panic=panic)
            env = RoutingEnv(log=log, admin=True)
            self._routing = Routing(session.config, session.ctx, env)
        return self._routing

    def __call__(self, address: str, *, recipient: bool, options: dict[str, object],
                 ctx: Any) -> RouteVerify:
        from pyexim.lists import ListPanic
        from pyexim.routers.item import AddressItem
        from pyexim.routers.verify import (
            OPT_FAKE_SENDER,
            OPT_IS_RECIPIENT,
            OPT_SUCCESS_ON_REDIRECT,
            verify_address,
        )
        session = self.session
        session.trace(">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>")
        session.trace(f"routing {address}")
        bits = OPT_IS_RECIPIENT if recipient else 0
        if options.get("fake_sender"):
            bits |= OPT_FAKE_SENDER
        if options.get("success_on_redirect"):
            bits |= OPT_SUCCESS_ON_REDIRECT
        item = AddressItem(address)
        try:
            result = verify_address(self._run(), item, bits)
        except ListPanic as panic:
            session.log(panic.message, panic=True)
            return RouteVerify("DEFER", message=panic.message, routed=False)
        variable = "recipient_verify_failure" if recipient else "sender_verify_failure"
        if result.failure is not None:
            ctx.values[variable] = result.failure
        if result.code == "OK" and int(options.get("callout", -1)) > 0:  # type: ignore
            if session.host_checking and not session.host_checking_callout:
                session.trace("... callout omitted by default when host testing")
                session.trace("(Use -bhc if you want the callouts to happen.)")
            else:
                message = "callout verification is not available in pyexim yet"
                session.log(f"{message} (verifying {address})", panic=True)
                return RouteVerify("DEFER", message=message, routed=True,
                                   address_data=result.address_data)
        return RouteVerify(result.code, message=result.message,
                           user_message=result.user_message, address=item.address,
                           routed=result.failure != "route",
                           address_data=result.address_data,
                           pass_message=bool(getattr(item, "pass_message", False)),
                           basic_errno=int(getattr(item, "basic_errno", 0) or 0))


__all__ = ["RouterVerifier"]
