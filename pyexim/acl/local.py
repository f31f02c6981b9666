"""Running ACLs outside an SMTP session: ``${acl ...}`` in ``-be`` and other local uses.

There is no client and no message: host checks see no host, verification of addresses
is not available, and log lines go to the configured log files, as Exim's do when an
expansion test runs an ACL that logs.
"""

from __future__ import annotations

import sys

from pyexim.acl.engine import AclEngine
from pyexim.acl.state import HostLookup, RouteVerify
from pyexim.expand import ExpansionContext, HeaderView, from_engine

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class LocalSession:
    """The AclSession of a run without an SMTP client."""

    host_checking = False

    def __init__(self, config: Any, ctx: ExpansionContext):
        self.config = config
        self.ctx = ctx
        self._writer: Any = None

    def log(self, text: str, *, main: bool = True, reject: bool = False,
            panic: bool = False, selector: str | None = None) -> None:
        from pyexim.log.paths import log_paths
        from pyexim.log.selector import LogSelector
        from pyexim.log.writer import LogWriter
        if self._writer is None:
            option = self.config.option if self.config is not None else None
            path = str(option("log_file_path") or "") if option else ""
            spool = str(option("spool_directory") or "") if option else ""
            selector_text = option("log_selector") if option else None
            try:
                self._writer = LogWriter(log_paths(path, spool),
                                         LogSelector.parse(selector_text),
                                         stderr=sys.stderr.write)  # type: ignore[arg-type]
            except Exception as error:  # no usable log: say so where the user sees it
                sys.stderr.write(f"pyexim: cannot write log line ({error}): "
                                 f"{from_engine(text)}\n")
                return
        if selector is not None and selector not in self._writer.selector:
            return
        try:
            self._writer.write(from_engine(text), main=main, reject=reject, panic=panic)
        except OSError as error:
            sys.stderr.write(f"pyexim: cannot write log line ({error.strerror}): "
                             f"{from_engine(text)}\n")

    def trace(self, text: str) -> None:
        """No trace outside -bh (Exim prints it only with -d+acl)."""

    def host_and_ident(self, flag: bool) -> str:
        ident = self.ctx.values.get("sender_ident")
        return f"{'U=' if flag else ''}{ident or 'unknown'}"

    def host_name_lookup(self) -> HostLookup:
        return HostLookup("fail", " (no client host)")

    def verify_helo(self) -> None:
        return None

    def verify_address(self, address: str, *, recipient: bool,
                       options: dict[str, object]) -> RouteVerify:
        return RouteVerify("DEFER", message="address verification is not available "
                           "outside an SMTP session in pyexim")

    def message_headers(self) -> list[HeaderView]:
        return list(self.ctx.headers)

    def message_recipients(self) -> list[str]:
        return list(self.ctx.recipients or [])

    def message_body(self) -> str:
        return ""


def attach_to_expansion(config: Any, ctx: ExpansionContext) -> AclEngine:
    """Make ``${acl ...}`` and the ``acl`` condition work in *ctx* (expansion tests)."""
    return AclEngine(config, ctx, LocalSession(config, ctx))


__all__ = ["LocalSession", "attach_to_expansion"]
