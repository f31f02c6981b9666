"""The SMTP session policy: each event of the server machine, through the ACLs, to a reply
(Exim: smtp_in.c ``smtp_start_session``, ``smtp_setup_msg``, ``smtp_handle_acl_fail``;
spec: "SMTP processing", "Access control lists").

Rules of this file:

* The sans-IO ``ServerConnection`` parses; this module decides. Every event that needs
  a reply gets exactly one, from the handler registered for its type in ``_HANDLERS``.
* What Exim keeps in globals lives in the expansion context's variables (what ACLs and
  expansions read), in the ACL state (what ACLs change) and in ``Transaction`` (the
  envelope being built). They are reset where Exim's smtp_reset runs.
* Text inside is engine text (one character per byte, pyexim.expand); it is converted
  at the edges: events in, replies and log lines out.
* An unexpected exception while answering a command becomes ``451`` and a panic log
  line (DESIGN.md, decision 9), never a lost session.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from pyexim import lists
from pyexim.acl.engine import AclEngine, AclResult
from pyexim.acl.state import AclState, HostLookup, RouteVerify
from pyexim.acl.where import Rc, Where
from pyexim.address import AddressError, extract_address, find_at
from pyexim.expand import ExpansionContext, HeaderView, expand_string, from_engine, to_engine
from pyexim.log.lines import acl_reject_line
from pyexim.receive.client import Client
from pyexim.receive.logsink import SessionLog
from pyexim.record import field, record, replace
from pyexim.rewrite import SMTP, SMTP_SENDER, Rewriter
from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.commands import VERBS, Verb
from pyexim.smtp.replies import Reply, join_replies
from pyexim.smtp.server import CLOSED, Limits, ServerConnection, Settings
from pyexim.strings import C_SPACE, printing

TESTING_NOTE = b"\n**** SMTP testing: that is not a real message id!\n\n"
#: How many commands Exim remembers for "C=" in its log lines (SMTP_HBUFF_SIZE).
HISTORY_SIZE = 20


@record
class Recipient:
    """An accepted recipient with its DSN parameters."""

    address: str
    orcpt: str | None = None
    notify: frozenset[str] = frozenset()


@record
class Transaction:
    """The envelope being built between MAIL and the end of DATA."""

    sender: str | None = None              # None until a MAIL is accepted
    sender_unrewritten: str | None = None
    raw_sender: str | None = None
    recipients: list[Recipient] = field(default_factory=list)
    rcpt_count: int = 0
    rcpt_fail_count: int = 0
    rcpt_defer_count: int = 0
    toomany: bool = False
    recipients_discarded: bool = False
    discarded: bool = False
    size: int = -1                         # SIZE= on MAIL
    body_8bitmime: int = 0
    dsn_ret: str | None = None
    dsn_envid: str | None = None
    prdr: bool = False
    smtputf8: bool = False
    data: bytearray = field(default_factory=bytearray)


class SmtpSession:
    """One SMTP connection's policy. Feed client bytes, send back what it returns.

    *host_checking* is ``-bh`` (no spool, no delivery, ``LOG:`` lines on stderr, the
    testing note after each ``250 OK id=``); *enforce_sync* follows Exim (off for -bh
    and -bs input). *verifier* routes addresses for ``verify = recipient/sender``
    (None: the router chain, when pyexim has one).
    """

    def __init__(self, config: Any, ctx: ExpansionContext, log: SessionLog, *,
                 host_checking: bool = False, host_checking_callout: bool = False,
                 enforce_sync: bool = False, trace: Callable[[str], object] | None = None,
                 verifier: Callable[..., RouteVerify] | None = None,
                 clock: Callable[[], float] | None = None, pid: int = 0):
        self.config = config
        self.ctx = ctx
        self.log_sink = log
        self.host_checking = host_checking
        self.host_checking_callout = host_checking_callout
        self._trace = trace
        self._verifier = verifier
        self.clock = clock or ctx.clock
        self.pid = pid
        self.selector = log.selector
        self.client = Client(ctx, self.selector)
        self.state = AclState(suppress_local_fixups=False)
        self.engine = AclEngine(config, ctx, self, self.state)
        self.tx = Transaction()
        self.headers: list[HeaderView] = []
        self.body = ""
        self.output = bytearray()
        self.helo_seen = False
        self.esmtp = False
        self.allow_unqualified_sender = False
        self.allow_unqualified_recipient = False
        self.helo_verify_required = False
        self.helo_verify = False
        self.size_limit = 0
        self.message_id: str | None = None
        self.last_message_time: tuple[int, int] | None = None
        self.history: deque[str] = deque(maxlen=HISTORY_SIZE)
        self.history_total = 0
        self.mail_count = 0
        self.pipe_connect_acceptable = False
        self.greeted = False          # the banner went out (a refused connection logs less)
        self.ended = False
        self.synprot_seen = 0         # the machine's count of counted errors, last seen
        self.had_subject = False
        self.started = self.clock()
        self.rewriter = Rewriter.from_config(config)
        self.raw_recipients: list[str] = []
        self.bdat_chunk = 0
        self.blackhole_log = ""
        #: the log message of the last ACL run: Exim's smtp_setup_msg reuses it (an
        #: uninitialised local) for recipients a MAIL ACL "discard" dropped
        self.last_acl_log: str | None = None
        self.advertised_auth: frozenset[str] = frozenset()
        self.auth_pending: tuple[Any, Any] | None = None
        self.auth_defer_msg = ""
        self.auth_defer_user_msg = ""
        self.conn = ServerConnection(Limits(), Settings(enforce_sync=enforce_sync))
        self._enforce_sync = enforce_sync
        ctx.host_name_lookup = lambda _ctx: self.client.name if \
            self.client.lookup_name().rc == "ok" else None

    # ------------------------------------------------------------------ options

    def option(self, name: str, default: object = None) -> object:
        return self.engine.option(name, default)

    def host_in(self, option: str, *, unset_is: bool = False) -> Rc:
        """Match the client against the host list in main option *option*, tracing it as
        Exim does under -bh ("host in X? yes/no"); an unset option is FAIL."""
        value = self.option(option)
        if value is None:
            self.trace(f"host in {option}? no (option unset)")
            return Rc.FAIL
        address = self.client.address or ""
        try:
            result = lists.match_host(address, str(value), self.ctx, expand=True,
                                      cache=self.state.host_cache,
                                      name_lookup=self.engine.host_names)
        except lists.ListPanic as error:
            self.log(error.message, panic=True)
            return Rc.DEFER
        if result.deferred:
            self.trace(f"host in {option}? list match deferred for {value}")
            return Rc.DEFER
        if result.matched:
            self.trace(f'host in {option}? yes (matched "{result.item}")')
            return Rc.OK
        self.trace(f"host in {option}? no (end of list)")
        return Rc.FAIL

    # ------------------------------------------------------------------ AclSession

    def log(self, text: str, *, main: bool = True, reject: bool = False,
            panic: bool = False, selector: str | None = None,
            reject_details: str = "") -> None:
        self.log_sink.write(text, main=main, reject=reject, panic=panic, selector=selector,
                            reject_details=reject_details)

    def trace(self, text: str) -> None:
        if self._trace is not None:
            self._trace(text)

    def host_and_ident(self, flag: bool) -> str:
        return self.client.host_and_ident(flag)

    def host_name_lookup(self) -> HostLookup:
        return self.client.lookup_name()

    def verify_helo(self) -> None:
        verified, _completed = self.client.verify_helo()
        self.state.helo_verified = verified
        self.state.helo_verify_failed = not verified

    def verify_address(self, address: str, *, recipient: bool,
                       options: dict[str, object]) -> RouteVerify:
        if self._verifier is None:
            from pyexim.receive.verify import RouterVerifier
            self._verifier = RouterVerifier(self)
        return self._verifier(address, recipient=recipient, options=options, ctx=self.ctx)

    def message_headers(self) -> list[HeaderView]:
        return self.headers

    def message_recipients(self) -> list[str]:
        return [r.address for r in self.tx.recipients]

    def message_body(self) -> str:
        return self.body

    # ------------------------------------------------------------------ driving

    @property
    def closed(self) -> bool:
        return self.conn.closed

    def start(self) -> bytes:
        """The greeting (or refusal): what to send as soon as the client is connected."""
        self._drive()
        out = bytes(self.output)
        self.output.clear()
        return out

    def receive(self, data: bytes) -> bytes:
        """Feed client bytes (b"" at end of input); returns the bytes to send back."""
        self.conn.receive_data(data)
        self._drive()
        out = bytes(self.output)
        self.output.clear()
        return out

    def _drive(self) -> None:
        while True:
            event = self.conn.next_event()
            if event is ev.NEED_DATA or event is ev.PAUSED or event is CLOSED:
                return
            assert isinstance(event, ev.Event)
            if isinstance(event, ev.MessageData):
                self.tx.data += event.data
                continue
            handler = _HANDLERS.get(type(event))
            try:
                if handler is not None:
                    handler(self, event)
                elif event.needs_reply:
                    self._send(texts.OK)
            except Exception:   # the one catch-all of the request path
                self.log("unexpected error while handling "
                         f"{type(event).__name__}: "
                         f"{traceback.format_exc(limit=3).strip()}", panic=True)
                if self.conn.awaiting_reply:
                    self._send(Reply.line(451, texts.TEMP_PROBLEM))
            self.synprot_seen = self.conn.synprot_errors

    def _send(self, reply: Reply, *, close: bool = False) -> None:
        if self.state.no_multiline_responses and len(reply.lines) > 1:
            # Exim sends only the first line of the final part then (smtp_respond).
            reply = Reply(reply.code, reply.lines[:1], reply.enhanced, echo=reply.echo)
        self.output += self.conn.send(reply, close=close)
        if self.conn.closed and self.greeted and not self.ended:
            self.ended = True
            self.log_no_mail()

    # ------------------------------------------------------------------ helpers

    def set_command(self, event: ev.Command, verb: Verb | None = None) -> str:
        """Set $smtp_command and $smtp_command_argument; returns the argument."""
        command = to_engine(event.command)
        argument = command
        if verb is not None:
            argument = command[len(VERBS[verb].prefix):].lstrip(C_SPACE)
        self.ctx.values["smtp_command"] = command
        self.ctx.values["smtp_command_argument"] = argument
        return argument

    def smtp_reset(self) -> None:
        """Forget the transaction (Exim's smtp_reset)."""
        self.tx = Transaction()
        self.headers = []
        self.body = ""
        self.ctx.headers = []
        self.ctx.recipients = None
        self.ctx.acl_m.clear()
        self.state.reset_message(
            suppress_local_fixups=False,
            from_check=bool(self.option("local_from_check", True)),
            sender_retain=bool(self.option("local_sender_retain", False)))
        values = self.ctx.values
        for name in ("sender_address", "sender_data", "recipient_data", "local_part_data",
                     "domain_data", "sender_rate", "sender_rate_limit",
                     "sender_rate_period", "dnslist_domain", "dnslist_matched",
                     "dnslist_text", "dnslist_value", "authenticated_sender",
                     "message_id", "message_exim_id", "message_body_size", "received_for",
                     "recipient_verify_failure", "sender_verify_failure"):
            values.pop(name, None)
        values["message_size"] = -1
        values["message_linecount"] = values["body_linecount"] = 0
        values["body_zerocount"] = 0
        values["rcpt_count"] = values["rcpt_fail_count"] = values["rcpt_defer_count"] = 0
        values["recipients_count"] = 0
        self.ctx.message_body = self.ctx.message_body_end = None

    def acl(self, where: Where, option: str, *, recipient: str | None = None,
            text: str | None = None) -> AclResult:
        """Run the ACL main option *option* names (or *text*) for *where*."""
        acl_text = text if text is not None else self.option(option)
        result = self.engine.check(where, acl_text,  # type: ignore[arg-type]
                                   recipient=recipient, loc=self.engine.option_loc(option))
        self.last_acl_log = result.log_message
        return result

    def acl_fail(self, where: Where, result: AclResult, *,
                 command_data: str | None) -> tuple[Reply, bool]:
        """Exim's smtp_handle_acl_fail: log the rejection; (reply, drop connection)."""
        drop = result.rc is Rc.FAIL_DROP
        failed = result.rc in (Rc.FAIL, Rc.FAIL_DROP)
        code = where.default_code if failed else 451
        user, log_message = result.user_message, result.log_message
        if user is not None:
            parsed = Reply.from_user_message(code, user, check_valid=False)
            if where is not Where.VRFY and parsed.code != code and \
                    str(parsed.code)[0] != str(code)[0]:
                self.log("configured error code starts with incorrect digit (expected "
                         f'{str(code)[0]}) in "{user}"', panic=True)
                text = parsed.text
                if log_message == user:
                    log_message = f"{code} {text}"
                parsed = Reply.from_message(code, text, acl=True)
            main = parsed
        else:
            main = Reply.from_message(code, texts.ADMIN_PROHIBITION if failed else "",
                                      acl=True)
        if not failed and not (self.state.temp_details and user):
            main = Reply.from_message(main.code, texts.TEMP_PROBLEM, enhanced=main.enhanced,
                                      acl=True)
        prelim: list[Reply] = []
        sender_info = None
        if where in (Where.RCPT, Where.DATA, Where.MIME):
            sender_info = self.tx.sender_unrewritten or self.tx.sender or ""
        failed_sender = self.state.sender_verified_failed
        if failed_sender is not None and not failed_sender.told:
            failed_sender.told = True
            if not failed or "sender_verify_fail" in self.selector:
                detail = f": {failed_sender.message}" if failed_sender.message else ""
                self.log(f"{self.host_and_ident(True)} sender verify "
                         f"{'defer' if failed_sender.rc == 'DEFER' else 'fail'} for "
                         f"<{failed_sender.address}>{detail}", reject=True)
            if failed and failed_sender.user_message:
                prelim.append(Reply.from_message(
                    main.code, f"Verification failed for <{failed_sender.address}>\n"
                               f"{failed_sender.user_message}"))
        if not failed and self.state.temp_details and user and \
                self.option("smtp_return_error_details", False) and \
                failed_sender is not None and failed_sender.message:
            prelim.append(Reply.from_message(main.code, failed_sender.message))
        reply = main
        if prelim:
            reply = replace(join_replies(*prelim, main), enhanced=None)
            reply = Reply(main.code, reply.lines, echo=main.echo)
        if self.state.log_reject_target:
            auth = self.ctx.values.get("sender_host_authenticated")
            line = acl_reject_line(
                where.name.lower(), _utf8_peer(self.client), self.selector,
                command_data=from_engine(command_data) if command_data is not None else None,
                sender=from_engine(sender_info) if sender_info is not None else None,
                authenticator=str(auth) if auth else None,
                auth_id=str(self.ctx.values.get("authenticated_id") or "") or None,
                temporary=not failed,
                log_message=from_engine(log_message) if log_message is not None else None)
            targets = self.state.log_reject_target
            self.log(to_engine(line), main="main" in targets, reject="reject" in targets,
                     panic="panic" in targets,
                     selector="connection_reject" if where is Where.CONNECT else None,
                     reject_details=self._reject_details(where))
        if drop:
            self.log(f"{self.connection_info()} closed by DROP in ACL",
                     selector="smtp_connection")
            self.notquit("acl-drop", None)
        return reply, drop

    def _reject_details(self, where: Where) -> str:
        """The header dump Exim adds to the reject log after DATA rejections."""
        if where not in (Where.DATA, Where.MIME, Where.DKIM, Where.PRDR) or \
                "rejected_header" not in self.selector:
            return ""
        from pyexim.log.lines import rejectlog_details
        from pyexim.message import HeaderLine
        return rejectlog_details(
            from_engine(self.tx.sender or ""),
            [from_engine(r.address) for r in self.tx.recipients],
            [HeaderLine(from_engine(h.text), h.type) for h in self.headers])

    def connection_info(self) -> str:
        """Exim's smtp_get_connection_info: ``SMTP connection from <host>``."""
        values = self.ctx.values
        host = values.get("sender_fullhost") or self.client.address
        if not self.host_checking and not self.client.address:
            return f"SMTP connection from {self.client.ident}"
        interface = values.get("interface_address")
        if not self.host_checking and "incoming_interface" in self.selector and interface:
            return (f"SMTP connection from {host} I=[{interface}]:"
                    f"{values.get('interface_port')}")
        return f"SMTP connection from {host}"

    def notquit(self, reason: str | None, reply: Reply | None) -> Reply | None:
        """Run the not-QUIT ACL (Exim's smtp_notquit_exit); returns the reply to send
        (its message replacing *reply*'s text), or None when none is due."""
        user = None
        if reason is not None and self.option("acl_smtp_notquit"):
            self.ctx.values["smtp_notquit_reason"] = reason
            result = self.acl(Where.NOTQUIT, "acl_smtp_notquit")
            if result.rc is Rc.ERROR:
                self.log(f"ACL for not-QUIT returned ERROR: {result.log_message}",
                         panic=True)
            user = result.user_message
        if reply is None:
            return None
        if user is not None:
            return Reply.from_message(reply.code, user, acl=True)
        return reply

    # ------------------------------------------------------------------ logging

    def elapsed(self) -> str:
        """Time since the connection started, as D= shows it."""
        from pyexim.log.text import time_diff
        return time_diff(self.clock() - self.started, self.selector)

    def connection_history(self) -> str:
        """Exim's s_connhad_log: `` C=EHLO,MAIL,...`` (``C=...`` once commands were lost)."""
        if not self.history:
            return ""
        wrapped = self.history_total >= HISTORY_SIZE
        return (" C=..." if wrapped else " C=") + ",".join(self.history)

    def had(self, command: str) -> None:
        """Remember a command for the connection history (Exim's HAD())."""
        self.history.append(command)
        self.history_total += 1

    def log_synprot(self, kind: str, command: str, message: str, *,
                    drop: bool | None = None) -> None:
        """Exim's synprot_error logging: the error, and the drop when past the limit."""
        kind = "syntax" if kind == "badchar" else kind
        self.log(f'SMTP {kind} error in "{printing(to_engine(command))}" '
                 f"{self.host_and_ident(True)} {message}", selector=f"smtp_{kind}_error")
        exceeded = self.conn.synprot_errors > self.conn.limits.max_synprot_errors
        if drop or (drop is None and exceeded):
            self.log_dropped(to_engine(command))

    def log_dropped(self, command: str) -> None:
        self.log(f"SMTP call from {self.host_and_ident(False)} dropped: too many syntax or "
                 f'protocol errors (last command was "{printing(command)}",'
                 f"{self.connection_history()})", reject=True)

    def incomplete_transaction(self, what: str) -> None:
        """Exim's incomplete_transaction_log, when a transaction is abandoned."""
        if self.tx.sender is None or "smtp_incomplete_transaction" not in self.selector:
            return
        recipients = "".join(f" {r.address}" for r in self.tx.recipients)
        self.log(f"{self.host_and_ident(True)} incomplete transaction ({what}) from "
                 f"<{self.tx.raw_sender or self.tx.sender}>"
                 f"{' for' + recipients if recipients else ''}")

    def log_no_mail(self) -> None:
        """Exim's smtp_log_no_mail: a session that never sent MAIL (selector smtp_no_mail)."""
        if self.mail_count > 0 or "smtp_no_mail" not in self.selector:
            return
        auth = self.ctx.values.get("sender_host_authenticated")
        extra = ""
        if auth:
            ident = self.ctx.values.get("authenticated_id")
            extra = f" A={auth}" + (f":{ident}" if ident else "")
        self.log(f"no MAIL in SMTP connection from {self.host_and_ident(False)} "
                 f"D={self.elapsed()}{extra}{self.connection_history()}")

    def rewrite_smtp(self, text: str, *, sender: bool) -> str:
        """SMTP-time rewriting of a MAIL or RCPT argument (rules with the S flag)."""
        if not self.rewriter.exists & SMTP:
            return text
        flag = SMTP | SMTP_SENDER if sender else SMTP
        return self.rewriter.rewrite_one(text, flag, self.ctx, log=self.log)

    def expand_option(self, name: str, default: str = "") -> str:
        value = self.option(name)
        if value is None:
            return default
        return expand_string(str(value), self.ctx)

    def qualify(self, address: str, recipient: bool) -> str:
        """Add the qualify domain to an address without one (Exim's
        rewrite_address_qualify)."""
        if find_at(address) >= 0:
            return address
        domain = self.option("qualify_recipient" if recipient else "qualify_domain")
        if recipient and domain is None:
            domain = self.option("qualify_domain")
        return f"{address}@{domain or ''}"

    def extract(self, text: str, *, allow_null: bool) -> tuple[str | None, int, str]:
        """parse_extract_address on SMTP input: (address, domain offset, error)."""
        try:
            found = extract_address(text, allow_null=allow_null,
                                    options=self.engine.address_options())
        except AddressError as error:
            return None, 0, str(error)
        return found.address, found.domain, ""


def _utf8_peer(client: Client) -> Any:
    """The client as pyexim.log sees it: UTF-8 text rather than engine text."""
    peer = client.peer()
    return replace(
        peer, name=from_engine(peer.name) if peer.name else peer.name,
        helo=from_engine(peer.helo) if peer.helo else peer.helo,
        ident=from_engine(peer.ident) if peer.ident else peer.ident)


# The handlers live in commands.py and reception.py; each module adds its entries.
Handler = Callable[[SmtpSession, Any], None]
_HANDLERS: dict[type, Handler] = {}


def handles(*event_types: type) -> Callable[[Handler], Handler]:
    """Register a handler for event types (used by the handler modules)."""
    def register(function: Handler) -> Handler:
        for event_type in event_types:
            _HANDLERS[event_type] = function
        return function
    return register


def _load_handlers() -> None:
    from pyexim.receive import commands, reception  # noqa: F401 - they register handlers


__all__ = ["Recipient", "SmtpSession", "TESTING_NOTE", "Transaction", "handles"]
_load_handlers()
