"""The SMTP server as a sans-IO state machine (Exim: smtp_in.c ``smtp_setup_msg``, ``bdat_getc``;
receive.c for the data framing; spec: "SMTP processing").

Rules of this file:

* Bytes go in with ``receive_data``; ``next_event`` turns them into events one command
  at a time. An event that needs a reply pauses the machine: ``next_event`` returns
  ``PAUSED`` and parses nothing more until ``send(reply)`` -- so replies leave in order
  and a pipelined command is never looked at before the previous reply is out
  (DESIGN.md decision 2).
* A transition commits when its reply is sent, and the reply decides it: a 2xx to MAIL
  opens the transaction, a 2xx to RCPT adds a valid recipient, 354 to DATA starts the
  message, 220 to STARTTLS hands over to TLS, 334 to AUTH reads a response line, 235
  authenticates. Any other reply leaves the state as it was, so the policy may answer
  any event with any reply.
* Errors Exim finds in the command itself (syntax, sequence, synchronisation, limits)
  come out as ``CommandError`` events carrying Exim's reply; the counters for them
  (``smtp_max_synprot_errors``, ``smtp_max_unknown_commands``,
  ``smtp_accept_max_nonmail``) are constructor arguments, never configuration.
* Synchronisation: a command that must end a pipelining group, read while more input
  is already buffered, is Exim's "554 SMTP synchronization error" and drops the
  connection. What must synchronise is Exim's table (pyexim.smtp.commands.VERBS),
  and depends on whether PIPELINING was advertised in the EHLO reply.
* STARTTLS: on its 220 everything buffered is discarded (it was sent in plaintext
  before the handshake), and the session state is forgotten once TLS is up.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable

from pyexim.hostaddr import is_ip_address
from pyexim.record import record
from pyexim.smtp import texts
from pyexim.smtp.buffer import Overflow, ReceiveBuffer
from pyexim.smtp.capabilities import NONE, Capabilities, parse_ehlo
from pyexim.smtp.commands import (
    VERBS,
    CommandLine,
    Verb,
    c_scan_uint,
    c_strtoul,
    decode_text,
    extract_option,
    parse_command,
    xtext_decode,
)
from pyexim.smtp.data import ChunkModeTracker, DotDecoder
from pyexim.smtp.errors import LocalProtocolError
from pyexim.smtp.events import (
    NEED_DATA,
    PAUSED,
    Auth,
    AuthResponse,
    Bdat,
    ChunkReceived,
    Command,
    CommandError,
    ConnectionClosed,
    Data,
    Ehlo,
    EndOfMessage,
    Etrn,
    Event,
    Expn,
    Helo,
    Help,
    MailFrom,
    MessageData,
    Noop,
    Quit,
    RcptTo,
    Rset,
    Sentinel,
    SessionStart,
    StartTls,
    Vrfy,
)
from pyexim.smtp.replies import Reply
from pyexim.strings import C_SPACE
from pyexim.taint import Tainted

#: ``next_event`` after the connection is closed.
CLOSED = Sentinel("CLOSED")

#: Exim's SMTP_CMD_BUFFER_SIZE, and the room its AUTH drivers have for a response line.
COMMAND_LINE_LIMIT = 16384
AUTH_LINE_LIMIT = 16383
_INT_MAX = 2**31 - 1
_MECHANISM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_HELO_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_NOTIFY = frozenset({"SUCCESS", "FAILURE", "DELAY"})


class Phase(enum.Enum):
    """What the machine expects next from the client."""

    GREETING = "greeting"            # nothing parsed before the banner is sent
    COMMAND = "command"
    DATA = "data"                    # dot-stuffed message after 354
    BDAT_CHUNK = "bdat chunk"        # counted octets after BDAT
    BDAT_DISCARD = "bdat discard"    # a refused BDAT's octets, swallowed
    BDAT_NEXT = "bdat next"          # after a non-LAST chunk: BDAT, NOOP, RSET, QUIT
    BDAT_RSET_ONLY = "bdat rset only"
    AUTH_LINE = "auth line"          # a response to a 334 challenge
    TLS_WAIT = "tls wait"            # after 220 to STARTTLS, until tls_started/tls_failed
    TLS_FAILED = "tls failed"        # handshake failed: only QUIT is answered normally
    CLOSED = "closed"


@record(frozen=True, slots=True)
class Limits:
    """Per-connection limits that Exim takes from its configuration; the caller fills them.

    ``max_synprot_errors`` (smtp_max_synprot_errors), ``max_unknown_commands``
    (smtp_max_unknown_commands), ``max_nonmail`` (smtp_accept_max_nonmail; None when
    the host is not in smtp_accept_max_nonmail_hosts), ``max_mail_commands``
    (smtp_accept_max_per_connection; 0 for no limit).
    """

    max_synprot_errors: int = 3
    max_unknown_commands: int = 3
    max_nonmail: int | None = 10
    max_mail_commands: int = 1000
    max_command_line: int = COMMAND_LINE_LIMIT


@record(frozen=True, slots=True)
class Settings:
    """Per-connection behaviour that Exim takes from its configuration and the host.

    ``enforce_sync``: check synchronisation (Exim: smtp_enforce_sync, and only for
    input from a real socket -- off for ``-bh`` and ``-bs``); ``pipe_connect``: the
    client may pipeline before the banner and before its first DATA
    (pipelining_connect_advertise_hosts matched); ``require_helo``: MAIL needs
    HELO/EHLO first (hosts_require_helo); ``helo_accept_junk`` and
    ``helo_allow_chars`` as in Exim; ``allow_auth_unadvertised`` likewise.
    """

    enforce_sync: bool = True
    pipe_connect: bool = False
    require_helo: bool = True
    helo_accept_junk: bool = False
    helo_allow_chars: str = ""
    allow_auth_unadvertised: bool = False


def check_helo(name: str, *, accept_junk: bool = False, allow_chars: str = "") -> bool:
    """Whether Exim accepts *name* (the whole argument) on HELO/EHLO (Exim: ``check_helo``).

    A name is letters, digits, dots and hyphens (plus *allow_chars*); an address
    literal is ``[1.2.3.4]``, ``[IPv4:1.2.3.4]`` or ``[IPv6:...]``.
    """
    if accept_junk:
        return True
    if name.startswith("["):
        if len(name) < 2 or not name.endswith("]"):
            return False
        tag = name[:6].lower()
        if tag == "[ipv6:":
            return is_ip_address(name[6:-1]) == 6
        if tag == "[ipv4:":
            return is_ip_address(name[6:-1]) == 4
        return is_ip_address(name[1:-1]) != 0
    return bool(name) and all(c in _HELO_CHARS or c in allow_chars for c in name)


class ServerConnection:
    """One SMTP session, server side. See the package docstring for a worked example."""

    def __init__(self, limits: Limits = Limits(), settings: Settings = Settings()) -> None:
        self.limits = limits
        self.settings = settings
        self.phase = Phase.GREETING
        self._buf = ReceiveBuffer()
        self._eof = False
        self._queue: deque[Event] = deque()
        self._pending: Event | None = None
        # session state
        self.helo_seen = False
        self.esmtp = False
        self.advertised: Capabilities = NONE
        self.authenticated = False
        self.tls_active = False
        self._pipe_connect = settings.pipe_connect
        # Exim's sync_cmd_limit: relaxed by an EHLO reply offering PIPELINING and
        # tightened again only by TLS -- a later HELO does not undo it.
        self._sync_relaxed = False
        #: octets the client sent before the banner, when that was a sync error
        self.early_input: bytes | None = None
        # counters (per connection)
        self.synprot_errors = 0
        self.unknown_commands = 0
        self.nonmail_commands = 0
        self.mail_commands = 0
        # Exim's is_mail_cmd flags of RSET/HELO/EHLO/STARTTLS (reset per message) and AUTH
        self._free: dict[Verb, bool] = {Verb.AUTH: True}
        # message state
        self._dot: DotDecoder | None = None
        self._chunk_left = 0
        self._chunk_size = 0
        self._chunk_last = False
        self._chunk_command = ""
        self._chunk_mode: ChunkModeTracker | None = None
        self._was_rej_mail = self._last_was_rej_mail = False
        self._was_rcpt = self._last_was_rcpt = False
        self._new_message()

    # ---------------------------------------------------------------- properties

    @property
    def closed(self) -> bool:
        """True once the connection is to be closed (after the last reply's bytes)."""
        return self.phase is Phase.CLOSED

    @property
    def has_pending_input(self) -> bool:
        """True when client bytes are buffered and unparsed (for Exim's post-ACL sync checks)."""
        return bool(self._buf)

    @property
    def awaiting_reply(self) -> bool:
        """True while an event that needs a reply has not had it (``next_event`` is PAUSED)."""
        return self._pending is not None

    @property
    def in_message(self) -> bool:
        """True while message data is being received (DATA or a BDAT sequence)."""
        return self.phase in (Phase.DATA, Phase.BDAT_CHUNK, Phase.BDAT_NEXT)

    @property
    def sender_given(self) -> bool:
        """True between an accepted MAIL and the end of its transaction."""
        return self._sender_given

    @property
    def valid_recipients(self) -> int:
        """How many RCPTs of this transaction got a 2xx reply."""
        return self._rcpt_ok

    # ------------------------------------------------------------------- input

    def receive_data(self, data: bytes) -> None:
        """Add bytes from the client; ``b""`` means the client closed its side."""
        if self.phase is Phase.CLOSED:
            return
        if data:
            if self._eof:
                raise LocalProtocolError("data received after end of input")
            self._buf.feed(data)
        else:
            self._eof = True

    def next_event(self) -> Event | Sentinel:
        """The next event, ``NEED_DATA``, ``PAUSED`` (a reply is due) or ``CLOSED``."""
        if self.phase is Phase.CLOSED:
            return CLOSED
        if self._pending is not None:
            return PAUSED
        event: Event | Sentinel = self._queue.popleft() if self._queue else self._produce()
        if isinstance(event, Event) and event.needs_reply:
            self._pending = event
        return event

    def _produce(self) -> Event | Sentinel:
        producer = _PRODUCERS[self.phase]
        return producer(self)

    # ------------------------------------------------------------------ output

    def send(self, reply: Reply, *, close: bool = False) -> bytes:
        """Answer the pending event with *reply*; the bytes to write to the client.

        The reply commits the event's transition (see the module docstring). With
        *close*, the connection closes after it (an ACL ``drop``). Raises
        ``LocalProtocolError`` when no event is waiting for a reply.
        """
        event = self._pending
        if event is None:
            raise LocalProtocolError("send() with no event waiting for a reply")
        self._pending = None
        if self._rcpt_in_progress:
            self._record_rcpt_response(reply)
        commit = _ON_REPLY.get(type(event))
        if commit is not None:
            override = commit(self, event, reply)
            if override is not None:
                reply = override
        out = reply.to_bytes()
        if isinstance(event, CommandError) and event.drop and self.phase is Phase.BDAT_RSET_ONLY:
            # Exim's BDAT reader gives up with EOF, and the message reader then reports
            # the lost connection as well.
            out += texts.LOST_IN_MESSAGE.to_bytes()
        if close or (isinstance(event, CommandError) and event.drop):
            self.phase = Phase.CLOSED
        return out

    def syntax_error(self, message: str, *, data: str | None = None, code: int = 501,
                     protocol: bool = False) -> bytes:
        """Answer the pending event with a counted syntax (or protocol) error.

        For errors the policy finds, such as an address that does not parse:
        ``conn.syntax_error(err, data=event.address)`` sends ``501 <address>: <err>``.
        Like Exim's ``synprot_error`` it counts towards ``max_synprot_errors`` and, past
        the limit, adds "Too many syntax or protocol errors" and closes.
        """
        event = self._pending
        if event is None:
            raise LocalProtocolError("syntax_error() with no event waiting for a reply")
        command = event.command if isinstance(event, Command) else ""
        error = self._synprot(command, code, message, "protocol" if protocol else "syntax",
                              data=data)
        return self.send(error.reply, close=error.drop)

    def sync_error(self) -> bytes:
        """Answer the pending event with Exim's synchronisation error and close.

        For the checks Exim makes after a slow ACL (HELO, MAIL and RCPT without
        PIPELINING, DATA): call it instead of sending a positive reply when
        ``has_pending_input`` is True.
        """
        return self.send(texts.SYNC_ERROR, close=True)

    def reset_transaction(self) -> None:
        """Forget the sender and recipients (Exim does this after "554 Too many recipients")."""
        self._reset_transaction()

    def tls_started(self) -> None:
        """The TLS handshake after STARTTLS succeeded: start afresh, as RFC 3207 requires."""
        if self.phase is not Phase.TLS_WAIT:
            raise LocalProtocolError("tls_started() outside a STARTTLS handshake")
        self.phase = Phase.COMMAND
        self.tls_active = True
        # Exim forgets only these (tls_remember_esmtp unset); CHUNKING, DSN and the
        # STARTTLS offer itself stay "advertised" until the next EHLO.
        self.helo_seen = self.esmtp = self.authenticated = self._sync_relaxed = False
        self.advertised = Capabilities(
            chunking=self.advertised.chunking, starttls=self.advertised.starttls,
            dsn=self.advertised.dsn, smtputf8=self.advertised.smtputf8,
            eight_bit_mime=self.advertised.eight_bit_mime, prdr=self.advertised.prdr,
            size=self.advertised.size)
        self._free[Verb.EHLO] = self._free[Verb.AUTH] = True
        self._buf.clear()

    def tls_failed(self) -> None:
        """The TLS handshake failed: from now on only QUIT gets anything but 554."""
        if self.phase is not Phase.TLS_WAIT:
            raise LocalProtocolError("tls_failed() outside a STARTTLS handshake")
        self.phase = Phase.TLS_FAILED
        self._buf.clear()

    # ------------------------------------------------------------- state resets

    def _new_message(self) -> None:
        """Exim's start of ``smtp_setup_msg``: one RSET/HELO/EHLO/STARTTLS is free again."""
        for verb in (Verb.RSET, Verb.HELO, Verb.EHLO, Verb.STARTTLS):
            self._free[verb] = True
        self._dot = None
        self._chunk_mode = None
        self._last_was_rej_mail = self._last_was_rcpt = False
        self._was_rej_mail = self._was_rcpt = False
        self._reset_transaction()

    def _reset_transaction(self) -> None:
        """Exim's ``smtp_reset``: no sender, no recipients."""
        self._sender_given = False
        self._rcpt_ok = 0
        self._rcpt_first: str | None = None
        self._rcpt_same = True
        self._rcpt_in_progress = False

    def _record_rcpt_response(self, reply: Reply) -> None:
        echo = reply.echo_text()
        if self._rcpt_first is None:
            self._rcpt_first = echo
        elif self._rcpt_same and echo != self._rcpt_first:
            self._rcpt_same = False
        self._rcpt_in_progress = False

    # ---------------------------------------------------------------- producers

    def _produce_greeting(self) -> Event | Sentinel:
        return SessionStart()

    def _produce_paused(self) -> Event | Sentinel:
        return PAUSED

    def _read_command(self) -> CommandLine | Event | Sentinel:
        """The next command line, ConnectionClosed at end of input, or NEED_DATA."""
        line = self._buf.take_line(self.limits.max_command_line)
        if line is None:
            if self._eof:
                return ConnectionClosed(in_message=self.in_message)
            return NEED_DATA
        if isinstance(line, Overflow):
            return CommandLine(Tainted(decode_text(line.head)), Verb.UNKNOWN)
        cmd = parse_command(line)
        return CommandLine(Tainted(cmd.text), cmd.verb, Tainted(cmd.argument))

    def _produce_command(self) -> Event | Sentinel:
        cmd = self._read_command()
        if not isinstance(cmd, CommandLine):
            return cmd
        self._last_was_rej_mail, self._was_rej_mail = self._was_rej_mail, False
        self._last_was_rcpt, self._was_rcpt = self._was_rcpt, False
        if cmd.verb is Verb.BADCHAR:
            return self._nul_error(cmd)
        if cmd.verb is Verb.UNKNOWN:
            if self._sync_violation(True):
                return self._sync_failure(cmd)
            return self._unknown(cmd)
        info = VERBS[cmd.verb]
        if self._sync_violation(info.sync or (
                info.sync_unless_pipelining and not self._sync_relaxed)):
            return self._sync_failure(cmd)
        if self._count_nonmail(cmd.verb):
            return CommandError(
                command=cmd.text, reply=Reply.line(554, "Too many nonmail commands"),
                kind="nonmail", message="too many nonmail commands", drop=True,
                notquit_reason="bad-commands")
        if not info.has_arg and cmd.argument:
            return self._synprot(cmd.text, 501, "unexpected argument data", "syntax")
        return _COMMANDS[cmd.verb](self, cmd)

    def _produce_data(self) -> Event | Sentinel:
        dot = self._dot
        assert dot is not None
        chunk, used = dot.decode(self._buf.peek())
        self._buf.advance(used)
        if dot.ended:
            self.phase = Phase.COMMAND
            self._queue.append(EndOfMessage(lf_only=dot.lf_only))
        elif self._eof:
            self._queue.append(ConnectionClosed(in_message=True))
        if chunk:
            return MessageData(data=chunk)
        if self._queue:
            return self._queue.popleft()
        return NEED_DATA

    def _produce_chunk(self) -> Event | Sentinel:
        if self._chunk_left:
            chunk = self._buf.take(self._chunk_left)
            if chunk:
                self._chunk_left -= len(chunk)
                if self.phase is Phase.BDAT_DISCARD:
                    return self._produce()
                assert self._chunk_mode is not None
                self._chunk_mode.feed(chunk)
                return MessageData(data=chunk)
            if self._eof:
                return ConnectionClosed(in_message=self.phase is Phase.BDAT_CHUNK)
            return NEED_DATA
        if self.phase is Phase.BDAT_DISCARD:
            self.phase = Phase.COMMAND
            return self._produce()
        # Without PIPELINING the client must wait for the chunk's reply (Exim checks
        # this after every chunk, LAST included, and then wants RSET).
        if (not self.advertised.pipelining and self.settings.enforce_sync and self._buf):
            self.phase = Phase.BDAT_RSET_ONLY
            error = self._synprot(self._chunk_command, 554, "SMTP synchronization error", "sync")
            return CommandError(command=error.command, reply=error.reply, kind="sync",
                                message=decode_text(self._buf.peek(32)), drop=False,
                                aborts_message=True)
        if self._chunk_last:
            assert self._chunk_mode is not None
            self.phase = Phase.COMMAND
            return EndOfMessage(lf_only=self._chunk_mode.lf_only, bdat=True)
        return ChunkReceived(size=self._chunk_size)

    def _produce_bdat_next(self) -> Event | Sentinel:
        """Exim's command loop inside ``bdat_getc``: BDAT, NOOP, RSET or QUIT."""
        cmd = self._read_command()
        if not isinstance(cmd, CommandLine):
            return cmd
        usable = cmd.verb in (Verb.BDAT, Verb.NOOP, Verb.RSET, Verb.QUIT)
        if usable:
            info = VERBS[cmd.verb]
            if (self._sync_violation(info.sync) or self._count_nonmail(cmd.verb)
                    or (not info.has_arg and cmd.argument)):
                usable = False
        if not usable:
            self.phase = Phase.BDAT_RSET_ONLY
            return self._synprot(cmd.text, 503, "only BDAT permissible after non-LAST BDAT",
                                 "protocol", drop_allowed=False, aborts_message=True)
        if cmd.verb is Verb.BDAT:
            scanned = c_scan_uint(cmd.argument)
            if scanned is None:
                # The message is abandoned without a further reply (END_PROTOCOL).
                self.phase = Phase.COMMAND
                self._new_message()
                return self._synprot(cmd.text, 501, "missing size for BDAT command",
                                     "protocol", drop_allowed=False, aborts_message=True)
            size, rest = scanned
            last = rest.lower() == "last"
            if size == 0 and not last:
                self.phase = Phase.BDAT_RSET_ONLY
                return self._synprot(cmd.text, 504, "zero size for BDAT command", "protocol",
                                     drop_allowed=False, aborts_message=True)
            return self._start_chunk(cmd, size, last)
        return _COMMANDS[cmd.verb](self, cmd)

    def _produce_rset_only(self) -> Event | Sentinel:
        cmd = self._read_command()
        if not isinstance(cmd, CommandLine):
            return cmd
        if cmd.verb is Verb.QUIT and not cmd.argument:
            return Quit(command=cmd.text)
        if cmd.verb is Verb.RSET and not cmd.argument:
            return Rset(command=cmd.text)
        return self._synprot(cmd.text, 503, "only RSET accepted now", "protocol")

    def _produce_tls_failed(self) -> Event | Sentinel:
        cmd = self._read_command()
        if not isinstance(cmd, CommandLine):
            return cmd
        if cmd.verb is Verb.QUIT and not cmd.argument:
            return Quit(command=cmd.text)
        return CommandError(command=cmd.text, reply=texts.SECURITY_FAILURE, kind="tls",
                            message="command after failed TLS negotiation")

    def _produce_auth_line(self) -> Event | Sentinel:
        line = self._buf.take_line(AUTH_LINE_LIMIT)
        if line is None:
            if not self._eof:
                return NEED_DATA
            # Exim's auth_get_data stops at end of input and hands the driver what it
            # has; the end of input is then found by the next command read.
            line = self._buf.take(len(self._buf))
        self.phase = Phase.COMMAND
        if isinstance(line, Overflow):
            return AuthResponse(too_long=True)
        if line.endswith(b"\r"):
            line = line[:-1]
        text = Tainted(decode_text(line))
        return AuthResponse(data=text, cancelled=text == "*")

    # ------------------------------------------------------------ error helpers

    def _synprot(self, command: str, code: int, message: str, kind: str, *,
                 data: str | None = None, drop_allowed: bool = True,
                 aborts_message: bool = False) -> CommandError:
        """Exim's ``synprot_error``: count it, and past the limit say so and drop."""
        self.synprot_errors += 1
        drop = drop_allowed and self.synprot_errors > self.limits.max_synprot_errors
        lines = [f"{data}: {message}" if data is not None else message]
        if self.synprot_errors > self.limits.max_synprot_errors:
            lines.append("Too many syntax or protocol errors")
        return CommandError(command=command, reply=Reply(code, tuple(lines)), kind=kind,
                            message=message, drop=drop, aborts_message=aborts_message)

    def _nul_error(self, cmd: CommandLine) -> CommandError:
        self.synprot_errors += 1
        return CommandError(
            command=cmd.text, reply=Reply.line(501, "NUL characters are not allowed in SMTP commands"),
            kind="syntax", message="NUL character(s) present (shown as '?')",
            drop=self.synprot_errors > self.limits.max_synprot_errors)

    def _unknown(self, cmd: CommandLine) -> CommandError:
        self.unknown_commands += 1
        if self.unknown_commands > self.limits.max_unknown_commands:
            return CommandError(command=cmd.text,
                                reply=Reply.line(500, "Too many unrecognized commands"),
                                kind="unknown", message="unrecognized command", drop=True,
                                notquit_reason="bad-commands")
        return self._synprot(cmd.text, 500, "unrecognized command", "syntax")

    def _sync_violation(self, must_sync: bool) -> bool:
        """Input is already waiting after a command that must end a pipelining group."""
        return (must_sync and bool(self._buf) and self.settings.enforce_sync
                and not self._pipe_connect)

    def _sync_failure(self, cmd: CommandLine) -> CommandError:
        return CommandError(command=cmd.text, reply=texts.SYNC_ERROR, kind="sync",
                            message=decode_text(self._buf.peek(150)), drop=True,
                            notquit_reason="synchronization-error")

    def _count_nonmail(self, verb: Verb) -> bool:
        """Count a non-mail command; True when that passes smtp_accept_max_nonmail."""
        if verb in (Verb.MAIL, Verb.RCPT, Verb.DATA, Verb.BDAT, Verb.QUIT) or self._free.get(verb):
            return False
        self.nonmail_commands += 1
        limit = self.limits.max_nonmail
        return limit is not None and self.nonmail_commands > limit

    # ----------------------------------------------------------- command cases

    def _cmd_helo(self, cmd: CommandLine) -> Event:
        ehlo = cmd.verb is Verb.EHLO
        # Exim sets its ESMTP flag before checking the argument, so a refused EHLO
        # still makes MAIL parse ESMTP parameters: copied as it is.
        self.esmtp = ehlo
        self._free[Verb.HELO] = self._free[Verb.EHLO] = False
        if not check_helo(cmd.argument, accept_junk=self.settings.helo_accept_junk,
                          allow_chars=self.settings.helo_allow_chars):
            self.synprot_errors += 1
            return CommandError(
                command=cmd.text,
                reply=Reply.line(501, f"Syntactically invalid {cmd.verb.value} argument(s)"),
                kind="helo", message="syntactically invalid argument(s)",
                drop=self.synprot_errors > self.limits.max_synprot_errors)
        if ehlo:
            return Ehlo(command=cmd.text, name=cmd.argument)
        return Helo(command=cmd.text, name=cmd.argument)

    def _cmd_mail(self, cmd: CommandLine) -> Event:
        self.mail_commands += 1
        self._was_rej_mail = True
        if not self.helo_seen and self.settings.require_helo:
            return CommandError(command=cmd.text, reply=Reply.line(503, "HELO or EHLO required"),
                                kind="mail_without_helo", message="no HELO/EHLO given")
        if self._sender_given:
            return self._synprot(cmd.text, 503, "sender already given", "protocol")
        if not cmd.argument:
            return self._synprot(cmd.text, 501, "MAIL must have an address operand", "protocol")
        limit = self.limits.max_mail_commands
        if limit > 0 and self.mail_commands > limit:
            return CommandError(command=cmd.text,
                                reply=Reply.line(421, "too many messages in this connection"),
                                kind="too_many_mail", message="too many messages in one connection")
        self._reset_transaction()
        params: dict[str, object] = {}
        data = cmd.argument
        while self.esmtp:
            found = extract_option(data)
            if isinstance(found, str):
                data = found
                break
            name = found.name.upper()
            data = found.rest
            if name in ("SIZE", "BODY", "AUTH", "RET", "ENVID") and not found.value:
                break
            error = self._mail_parameter(name, found.value, params)
            if error == "unknown":
                data = found.before
                break
            if error == "stop":
                break
            if error:
                return self._synprot(cmd.text, 501, error, "syntax")
        return MailFrom(command=cmd.text, address=Tainted(data), **params)  # type: ignore[arg-type]

    def _mail_parameter(self, name: str, value: str, params: dict[str, object]) -> str | None:
        """Note one MAIL parameter; an error text, "stop", "unknown", or None to go on."""
        adv = self.advertised
        if name == "SIZE":
            size = c_strtoul(value)
            if size is None:
                return "stop"
            params["size"] = min(size, _INT_MAX)
        elif name == "BODY":
            if not adv.eight_bit_mime:
                return "stop"
            if value.upper() not in ("8BITMIME", "7BIT"):
                return "invalid data for BODY"
            params["body"] = value.upper()
        elif name == "RET":
            if adv.dsn:
                if "ret" in params:
                    return "RET can be specified once only"
                if value.upper() not in ("HDRS", "FULL"):
                    return "Value for RET is invalid"
                params["ret"] = value.upper()
        elif name == "ENVID":
            if adv.dsn:
                if "envid" in params:
                    return "ENVID can be specified once only"
                params["envid"] = Tainted(value)
        elif name == "AUTH":
            if value != "<>":
                decoded = xtext_decode(value)
                if decoded is None:
                    return "invalid data for AUTH"
                params["auth"] = Tainted(decoded)
        elif name == "PRDR":
            if adv.prdr:
                params["prdr"] = True
        elif name == "SMTPUTF8":
            if not adv.smtputf8:
                return "SMTPUTF8 used when not advertised"
            params["smtputf8"] = True
        else:
            return "unknown"
        return None

    def _cmd_rcpt(self, cmd: CommandLine) -> Event:
        self._was_rcpt = True
        self._rcpt_in_progress = True
        if not self._sender_given:
            if self.advertised.pipelining and self._last_was_rej_mail:
                self._was_rej_mail = True
                return CommandError(command=cmd.text, reply=Reply.line(503, "sender not yet given"),
                                    kind="protocol", message="sender not yet given")
            self._was_rcpt = False
            return self._synprot(cmd.text, 503, "sender not yet given", "protocol")
        if not cmd.argument:
            return self._synprot(cmd.text, 501, "RCPT must have an address operand", "syntax")
        data = cmd.argument
        orcpt: str | None = None
        notify: frozenset[str] | None = None
        while self.esmtp:
            found = extract_option(data)
            if isinstance(found, str):
                data = found
                break
            name = found.name.upper()
            if self.advertised.dsn and name == "ORCPT":
                if orcpt is not None:
                    return self._synprot(cmd.text, 501, "ORCPT can be specified once only",
                                         "syntax")
                orcpt = Tainted(found.value)
            elif self.advertised.dsn and name == "NOTIFY":
                if notify:
                    return self._synprot(cmd.text, 501, "NOTIFY can be specified once only",
                                         "syntax")
                notify = _parse_notify(found.value)
                if notify is None:
                    return self._synprot(cmd.text, 501, "Invalid value for NOTIFY parameter",
                                         "syntax")
            else:
                data = found.before
                break
            data = found.rest
        return RcptTo(command=cmd.text, address=Tainted(data), notify=notify or frozenset(),
                      orcpt=orcpt)

    def _data_checks(self, cmd: CommandLine, name: str) -> CommandError | None:
        """What DATA and BDAT share: a valid recipient must have been given."""
        self._pipe_connect = False
        if self._rcpt_ok > 0:
            return None
        lines: list[str] = []
        if self._rcpt_same and self._rcpt_first is not None:
            lines.append("All RCPT commands were rejected with this error:")
            lines.extend(Reply.from_message(503, self._rcpt_first).lines)
        if self.advertised.pipelining and self._last_was_rcpt:
            lines.append(f"Valid RCPT command must precede {name}")
            return CommandError(command=cmd.text, reply=Reply(503, tuple(lines)),
                                kind="protocol", message=f"valid RCPT command must precede {name}")
        error = self._synprot(cmd.text, 503, f"valid RCPT command must precede {name}", "protocol")
        return CommandError(command=cmd.text, reply=Reply(503, (*lines, *error.reply.lines)),
                            kind=error.kind, message=error.message, drop=error.drop)

    def _cmd_data(self, cmd: CommandLine) -> Event:
        return self._data_checks(cmd, "DATA") or Data(command=cmd.text)

    def _cmd_bdat(self, cmd: CommandLine) -> Event:
        if not self.advertised.chunking:
            return self._synprot(cmd.text, 503, "BDAT command used when CHUNKING not advertised",
                                 "protocol")
        scanned = c_scan_uint(cmd.argument)
        if scanned is None:
            return self._synprot(cmd.text, 501, "missing size for BDAT command", "protocol")
        size, rest = scanned
        error = self._data_checks(cmd, "BDAT")
        if error is not None:
            self._chunk_left = size       # swallow the refused chunk
            self.phase = Phase.BDAT_DISCARD
            return error
        self._chunk_mode = ChunkModeTracker()
        return self._start_chunk(cmd, size, rest.lower() == "last")

    def _start_chunk(self, cmd: CommandLine, size: int, last: bool) -> Event:
        self._chunk_left = self._chunk_size = size
        self._chunk_last = last
        self._chunk_command = cmd.text
        self.phase = Phase.BDAT_CHUNK
        return Bdat(command=cmd.text, size=size, last=last)

    def _cmd_auth(self, cmd: CommandLine) -> Event:
        self._free[Verb.AUTH] = False
        unadvertised_ok = self.settings.allow_auth_unadvertised
        if not self.advertised.auth and not unadvertised_ok:
            return self._synprot(cmd.text, 503, "AUTH command used when not advertised", "protocol")
        if self.authenticated:
            return self._synprot(cmd.text, 503, "already authenticated", "protocol")
        if self._sender_given:
            return self._synprot(cmd.text, 503, "not permitted in mail transaction", "protocol")
        arg = cmd.argument
        end = 0
        while end < len(arg) and arg[end] not in C_SPACE:
            if arg[end] not in _MECHANISM_CHARS:
                return self._synprot(cmd.text, 501,
                                     "invalid character in authentication mechanism name",
                                     "syntax")
            end += 1
        mechanism = arg[:end]
        rest = arg[end:].lstrip(C_SPACE)
        if mechanism.upper() not in self.advertised.auth and not unadvertised_ok:
            return self._synprot(cmd.text, 504,
                                 f"{mechanism} authentication mechanism not supported",
                                 "protocol")
        return Auth(command=cmd.text, mechanism=Tainted(mechanism.upper()),
                    initial_response=Tainted(rest) if rest else None)

    def _cmd_starttls(self, cmd: CommandLine) -> Event:
        if not self.advertised.starttls:
            return self._synprot(cmd.text, 503, "STARTTLS command used when not advertised",
                                 "protocol")
        return StartTls(command=cmd.text)

    def _cmd_etrn(self, cmd: CommandLine) -> Event:
        if self._sender_given:
            return self._synprot(cmd.text, 503, "ETRN is not permitted inside a transaction",
                                 "protocol")
        return Etrn(command=cmd.text, argument=cmd.argument)

    def _cmd_rset(self, cmd: CommandLine) -> Event:
        return Rset(command=cmd.text)

    def _cmd_quit(self, cmd: CommandLine) -> Event:
        return Quit(command=cmd.text)

    def _cmd_noop(self, cmd: CommandLine) -> Event:
        return Noop(command=cmd.text, argument=cmd.argument)

    def _cmd_vrfy(self, cmd: CommandLine) -> Event:
        return Vrfy(command=cmd.text, argument=cmd.argument)

    def _cmd_expn(self, cmd: CommandLine) -> Event:
        return Expn(command=cmd.text, argument=cmd.argument)

    def _cmd_help(self, cmd: CommandLine) -> Event:
        return Help(command=cmd.text, argument=cmd.argument)

    # --------------------------------------------------------- reply commits

    def _on_session_start(self, event: Event, reply: Reply) -> Reply | None:
        if reply.code != 220:
            self.phase = Phase.CLOSED
            return None
        if self._buf and self.settings.enforce_sync and not self._pipe_connect:
            self.early_input = self._buf.peek(128)
            self.phase = Phase.CLOSED
            return texts.SYNC_ERROR
        self.phase = Phase.COMMAND
        return None

    def _on_helo(self, event: Event, reply: Reply) -> Reply | None:
        if 200 <= reply.code < 300:
            self.helo_seen = True
            self.advertised = parse_ehlo(reply) if isinstance(event, Ehlo) else NONE
            self._sync_relaxed = self._sync_relaxed or self.advertised.pipelining
            self._reset_transaction()
        return None

    def _on_mail(self, event: Event, reply: Reply) -> Reply | None:
        if 200 <= reply.code < 300:
            self._sender_given = True
            self._was_rej_mail = False
        return None

    def _on_rcpt(self, event: Event, reply: Reply) -> Reply | None:
        if 200 <= reply.code < 300:
            self._rcpt_ok += 1
        return None

    def _on_data(self, event: Event, reply: Reply) -> Reply | None:
        if reply.code == 354:
            self._dot = DotDecoder()
            self.phase = Phase.DATA
        return None

    def _on_chunk(self, event: Event, reply: Reply) -> Reply | None:
        if reply.code >= 400:          # the policy refused the message: it is over
            self.phase = Phase.COMMAND
            self._new_message()
        else:
            self.phase = Phase.BDAT_NEXT
        return None

    def _on_end_of_message(self, event: Event, reply: Reply) -> Reply | None:
        self.phase = Phase.COMMAND
        self._new_message()
        return None

    def _on_rset(self, event: Event, reply: Reply) -> Reply | None:
        self._free[Verb.RSET] = False
        if self.phase in (Phase.BDAT_NEXT, Phase.BDAT_RSET_ONLY):
            self.phase = Phase.COMMAND
            self._new_message()
        self._reset_transaction()
        return None

    def _on_quit(self, event: Event, reply: Reply) -> Reply | None:
        self.phase = Phase.CLOSED
        return None

    def _on_starttls(self, event: Event, reply: Reply) -> Reply | None:
        if self.tls_active and reply.code != 220:
            # Exim answers a nested STARTTLS "554 Already in TLS" and then refuses
            # everything but QUIT, as after a failed handshake.
            self.phase = Phase.TLS_FAILED
        elif reply.code == 220:
            self._free[Verb.STARTTLS] = False
            self._reset_transaction()
            self._buf.clear()
            self.phase = Phase.TLS_WAIT
        return None

    def _on_auth(self, event: Event, reply: Reply) -> Reply | None:
        if reply.code == 334:
            self.phase = Phase.AUTH_LINE
        elif reply.code == 235:
            self.authenticated = True
        return None

    def _on_closed(self, event: Event, reply: Reply) -> Reply | None:
        self.phase = Phase.CLOSED
        return None


def _parse_notify(value: str) -> frozenset[str] | None:
    """NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY; None when invalid.

    An empty value is accepted and means nothing, as in Exim.
    """
    if value.upper() == "NEVER":
        return frozenset({"NEVER"})
    words = [w.upper() for w in value.split(",")] if value else []
    if any(w not in _NOTIFY for w in words):
        return None
    return frozenset(words)


_Producer = Callable[[ServerConnection], "Event | Sentinel"]
_PRODUCERS: dict[Phase, _Producer] = {
    Phase.GREETING: ServerConnection._produce_greeting,
    Phase.COMMAND: ServerConnection._produce_command,
    Phase.DATA: ServerConnection._produce_data,
    Phase.BDAT_CHUNK: ServerConnection._produce_chunk,
    Phase.BDAT_DISCARD: ServerConnection._produce_chunk,
    Phase.BDAT_NEXT: ServerConnection._produce_bdat_next,
    Phase.BDAT_RSET_ONLY: ServerConnection._produce_rset_only,
    Phase.AUTH_LINE: ServerConnection._produce_auth_line,
    Phase.TLS_WAIT: ServerConnection._produce_paused,
    Phase.TLS_FAILED: ServerConnection._produce_tls_failed,
}

#: What each command verb becomes, once the generic checks have passed.
_COMMANDS: dict[Verb, Callable[[ServerConnection, CommandLine], Event]] = {
    Verb.HELO: ServerConnection._cmd_helo,
    Verb.EHLO: ServerConnection._cmd_helo,
    Verb.MAIL: ServerConnection._cmd_mail,
    Verb.RCPT: ServerConnection._cmd_rcpt,
    Verb.DATA: ServerConnection._cmd_data,
    Verb.BDAT: ServerConnection._cmd_bdat,
    Verb.AUTH: ServerConnection._cmd_auth,
    Verb.STARTTLS: ServerConnection._cmd_starttls,
    Verb.ETRN: ServerConnection._cmd_etrn,
    Verb.RSET: ServerConnection._cmd_rset,
    Verb.QUIT: ServerConnection._cmd_quit,
    Verb.NOOP: ServerConnection._cmd_noop,
    Verb.VRFY: ServerConnection._cmd_vrfy,
    Verb.EXPN: ServerConnection._cmd_expn,
    Verb.HELP: ServerConnection._cmd_help,
}

#: The transition each answered event commits; may substitute the reply (sync error).
_OnReply = Callable[[ServerConnection, Event, Reply], "Reply | None"]
_ON_REPLY: dict[type[Event], _OnReply] = {
    SessionStart: ServerConnection._on_session_start,
    Helo: ServerConnection._on_helo,
    Ehlo: ServerConnection._on_helo,
    MailFrom: ServerConnection._on_mail,
    RcptTo: ServerConnection._on_rcpt,
    Data: ServerConnection._on_data,
    ChunkReceived: ServerConnection._on_chunk,
    EndOfMessage: ServerConnection._on_end_of_message,
    Rset: ServerConnection._on_rset,
    Quit: ServerConnection._on_quit,
    StartTls: ServerConnection._on_starttls,
    Auth: ServerConnection._on_auth,
    AuthResponse: ServerConnection._on_auth,
    ConnectionClosed: ServerConnection._on_closed,
}
