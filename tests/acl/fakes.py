"""Small stand-ins for running the ACL engine without a session or a configuration file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyexim.acl.engine import AclEngine, AclResult
from pyexim.acl.reader import read_acl
from pyexim.acl.state import AclState, HostLookup, RouteVerify
from pyexim.acl.where import Where
from pyexim.config.model import Acl
from pyexim.errors import SourceLoc
from pyexim.expand import ExpansionContext, HeaderView


@dataclass
class FakeConfig:
    """What the engine reads of a Config: ACLs by name and main option values."""

    acls: dict[str, Acl] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    main: dict[str, object] = field(default_factory=dict)
    path: str = "test.conf"

    def option(self, name: str) -> object:
        return self.options.get(name)


@dataclass
class FakeSession:
    """An AclSession that records what the engine asks of it."""

    host_checking: bool = False
    logs: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    traces: list[str] = field(default_factory=list)
    headers: list[HeaderView] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    body: str = ""
    verified: dict[str, RouteVerify] = field(default_factory=dict)
    helo_ok: bool = True
    state: AclState | None = None

    def log(self, text: str, **flags: object) -> None:
        self.logs.append((text, flags))

    def trace(self, text: str) -> None:
        self.traces.append(text)

    def host_and_ident(self, flag: bool) -> str:
        return "H=(helo.ex) [192.0.2.1]" if flag else "(helo.ex) [192.0.2.1]"

    def host_name_lookup(self) -> HostLookup:
        return HostLookup("fail", " (failed to find host name from IP address)")

    def verify_helo(self) -> None:
        assert self.state is not None
        self.state.helo_verified = self.helo_ok
        self.state.helo_verify_failed = not self.helo_ok

    def verify_address(self, address: str, *, recipient: bool,
                       options: dict[str, object]) -> RouteVerify:
        return self.verified.get(address, RouteVerify("FAIL", message="Unrouteable address"))

    def message_headers(self) -> list[HeaderView]:
        return self.headers

    def message_recipients(self) -> list[str]:
        return self.recipients

    def message_body(self) -> str:
        return self.body


def acls(**texts: str) -> dict[str, Acl]:
    """Named ACLs from their text (the statements as in a configuration file)."""
    return {name: read_acl(text, name, SourceLoc("test.conf", 1)) for name, text in
            texts.items()}


def engine(*, named: dict[str, str] | None = None, options: dict[str, object] | None = None,
           values: dict[str, object] | None = None,
           session: FakeSession | None = None) -> tuple[AclEngine, FakeSession]:
    """An engine over fake configuration, context and session."""
    config = FakeConfig(acls(**(named or {})), dict(options or {}))
    ctx = ExpansionContext(config=None, values={
        "sender_host_address": "192.0.2.1", "sender_helo_name": "helo.ex",
        "sender_address": "s@sender.ex", "primary_hostname": "mail.test.ex",
        **(values or {})})
    session = session or FakeSession()
    eng = AclEngine(config, ctx, session)  # type: ignore[arg-type]
    session.state = eng.state
    return eng, session


def check(text: str, *, where: Where = Where.RCPT, recipient: str | None = "rcpt@test.ex",
          **kwargs: Any) -> AclResult:
    """Run ACL *text* (a name among *named*, or inline text) once."""
    eng, _session = engine(**kwargs)
    return eng.check(where, text, recipient=recipient if where is Where.RCPT else None)
