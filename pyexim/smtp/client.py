"""The SMTP client as a sans-IO state machine, for the smtp/lmtp transports and callouts
(Exim: transports/smtp.c, smtp_out.c; RFC 5321, 2920 PIPELINING, 3030 CHUNKING).

Rules of this file:

* ``send(command)`` gives the bytes of one command and remembers that its reply is
  outstanding; replies are matched to commands strictly in order, so ``next_event``
  returns ``Response(command, reply)`` pairs (``Greeting`` first).
* Pipelining is checked, not assumed: a command may be sent while replies are
  outstanding only when the server's EHLO reply offered PIPELINING and every
  outstanding command may be followed by another (RFC 2920 section 3.1: EHLO, DATA,
  VRFY, EXPN, NOOP, QUIT, STARTTLS and AUTH end a group). Breaking that raises
  ``LocalProtocolError``.
* Message data goes out with CRLF line ends only: CR LF, a bare LF and a bare CR each
  become CR LF, and a CR at the end of one piece waits to see whether the next piece
  starts with LF. DATA also doubles a dot at every line start, across piece
  boundaries, and ends the message with CR LF . CR LF.
* STARTTLS and AUTH are steps for the caller: a 220 to STARTTLS waits for
  ``tls_started`` (which forgets the capabilities: send EHLO again); a 334 to AUTH
  is an ``AuthChallenge`` with the decoded challenge, answered with ``AuthLine``.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections import deque

from pyexim.record import field, record
from pyexim.smtp.capabilities import NONE, Capabilities, parse_ehlo
from pyexim.smtp.errors import LocalProtocolError
from pyexim.smtp.events import NEED_DATA, Sentinel
from pyexim.smtp.replies import Reply, ReplyParser

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


@record(frozen=True, slots=True)
class ClientCommand:
    """Base of the commands a client sends. ``ends_group``: no command may follow it
    before its reply (RFC 2920)."""

    ends_group: ClassVar[bool] = True

    def line(self, lmtp: bool = False) -> str:
        """The command line without CRLF."""
        raise LocalProtocolError(f"{type(self).__name__} has no command line")


@record(frozen=True, slots=True)
class Ehlo(ClientCommand):
    """EHLO (LHLO for LMTP)."""

    name: str

    def line(self, lmtp: bool = False) -> str:
        return f"{'LHLO' if lmtp else 'EHLO'} {self.name}"


@record(frozen=True, slots=True)
class Helo(ClientCommand):
    """HELO, for servers that refuse EHLO."""

    name: str

    def line(self, lmtp: bool = False) -> str:
        return f"HELO {self.name}"


@record(frozen=True, slots=True)
class StartTls(ClientCommand):
    """STARTTLS."""

    def line(self, lmtp: bool = False) -> str:
        return "STARTTLS"


@record(frozen=True, slots=True)
class Auth(ClientCommand):
    """AUTH with an optional initial response (already base64, or ``=`` for empty)."""

    mechanism: str
    initial_response: str | None = None

    def line(self, lmtp: bool = False) -> str:
        if self.initial_response is None:
            return f"AUTH {self.mechanism}"
        return f"AUTH {self.mechanism} {self.initial_response}"


@record(frozen=True, slots=True)
class AuthLine(ClientCommand):
    """A response to a 334 challenge (base64 text, or ``*`` to cancel)."""

    data: str

    def line(self, lmtp: bool = False) -> str:
        return self.data


@record(frozen=True, slots=True)
class MailFrom(ClientCommand):
    """MAIL FROM:<address> with ESMTP parameters such as ``SIZE=1024``."""

    ends_group: ClassVar[bool] = False
    address: str
    params: tuple[str, ...] = ()

    def line(self, lmtp: bool = False) -> str:
        return " ".join((f"MAIL FROM:<{self.address}>", *self.params))


@record(frozen=True, slots=True)
class RcptTo(ClientCommand):
    """RCPT TO:<address> with DSN parameters such as ``NOTIFY=NEVER``."""

    ends_group: ClassVar[bool] = False
    address: str
    params: tuple[str, ...] = ()

    def line(self, lmtp: bool = False) -> str:
        return " ".join((f"RCPT TO:<{self.address}>", *self.params))


@record(frozen=True, slots=True)
class Data(ClientCommand):
    """DATA: a 354 reply opens the message for ``send_message``."""

    def line(self, lmtp: bool = False) -> str:
        return "DATA"


@record(frozen=True, slots=True)
class Bdat(ClientCommand):
    """One BDAT chunk (sent with ``send_bdat``, which builds it)."""

    ends_group: ClassVar[bool] = False
    size: int
    last: bool

    def line(self, lmtp: bool = False) -> str:
        return f"BDAT {self.size}{' LAST' if self.last else ''}"


@record(frozen=True, slots=True)
class EndOfData(ClientCommand):
    """The terminating dot of a DATA message; its reply is the verdict on the message
    (for LMTP one per accepted recipient, ``recipient`` saying whose)."""

    recipient: RcptTo | None = None


@record(frozen=True, slots=True)
class Rset(ClientCommand):
    """RSET."""

    ends_group: ClassVar[bool] = False

    def line(self, lmtp: bool = False) -> str:
        return "RSET"


@record(frozen=True, slots=True)
class Noop(ClientCommand):
    """NOOP."""

    def line(self, lmtp: bool = False) -> str:
        return "NOOP"


@record(frozen=True, slots=True)
class Quit(ClientCommand):
    """QUIT."""

    def line(self, lmtp: bool = False) -> str:
        return "QUIT"


@record(frozen=True, slots=True)
class Vrfy(ClientCommand):
    """VRFY with its argument."""

    argument: str

    def line(self, lmtp: bool = False) -> str:
        return f"VRFY {self.argument}"


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


@record(frozen=True, slots=True)
class ClientEvent:
    """Base of client events."""


@record(frozen=True, slots=True)
class Greeting(ClientEvent):
    """The server's banner."""

    reply: Reply


@record(frozen=True, slots=True)
class Response(ClientEvent):
    """The reply to *command* (None for a reply nothing was waiting for, such as an
    unsolicited 421)."""

    command: ClientCommand | None
    reply: Reply


@record(frozen=True, slots=True)
class EhloResponse(Response):
    """The reply to EHLO/LHLO with what it advertises."""

    capabilities: Capabilities = NONE


@record(frozen=True, slots=True)
class AuthChallenge(Response):
    """A 334 reply during AUTH: answer it with ``AuthLine``. ``challenge`` is the decoded
    text (None when it was not valid base64)."""

    challenge: bytes | None = None


@record(frozen=True, slots=True)
class ServerClosed(ClientEvent):
    """The server closed the connection; ``outstanding`` commands got no reply."""

    outstanding: tuple[ClientCommand, ...] = ()


@record
class Transaction:
    """What happened to one message: the MAIL reply, each RCPT's reply, the data verdicts."""

    mail: MailFrom
    mail_reply: Reply | None = None
    recipients: list[tuple[RcptTo, Reply | None]] = field(default_factory=list)
    data_replies: list[tuple[RcptTo | None, Reply]] = field(default_factory=list)

    def accepted(self) -> list[RcptTo]:
        """The recipients whose RCPT got a 2xx reply."""
        return [rcpt for rcpt, reply in self.recipients if reply is not None and reply.code < 300]

    def results(self) -> dict[str, Reply | None]:
        """Per recipient address, the reply that decides it: its RCPT reply when that was
        not 2xx, else the verdict after the data (the recipient's own one for LMTP)."""
        final: dict[str, Reply | None] = {}
        whole = next((reply for rcpt, reply in self.data_replies if rcpt is None), None)
        own = {rcpt.address: reply for rcpt, reply in self.data_replies if rcpt is not None}
        for rcpt, reply in self.recipients:
            if reply is None or reply.code >= 300:
                final[rcpt.address] = reply
            else:
                final[rcpt.address] = own.get(rcpt.address, whole)
        return final


class ClientPhase(enum.Enum):
    """Where the client is."""

    GREETING = "greeting"
    COMMAND = "command"
    MESSAGE = "message"        # after 354: send_message / end_message
    TLS_WAIT = "tls wait"      # after 220 to STARTTLS
    CLOSED = "closed"


class ClientConnection:
    """One SMTP (or LMTP) session, client side."""

    def __init__(self, *, lmtp: bool = False, max_reply: int = 65536) -> None:
        self.lmtp = lmtp
        self.phase = ClientPhase.GREETING
        self.capabilities: Capabilities = NONE
        self.transaction: Transaction | None = None
        self._parser = ReplyParser(max_reply=max_reply)
        self._outstanding: deque[ClientCommand] = deque()
        self._eof = False
        # message data state, kept across pieces
        self._line_start = True
        self._held_cr = False

    @property
    def outstanding(self) -> tuple[ClientCommand, ...]:
        """Commands sent whose replies have not arrived, oldest first."""
        return tuple(self._outstanding)

    # ------------------------------------------------------------------ input

    def receive_data(self, data: bytes) -> None:
        """Add bytes from the server; ``b""`` means it closed the connection."""
        if data:
            self._parser.feed(data)
        else:
            self._eof = True

    def next_event(self) -> ClientEvent | Sentinel:
        """The next reply event, ``ServerClosed``, or ``NEED_DATA``.

        Raises ``RemoteProtocolError`` for a malformed or oversized reply.
        """
        if self.phase is ClientPhase.CLOSED:
            return NEED_DATA
        reply = self._parser.next_reply()
        if reply is None:
            if self._eof:
                self.phase = ClientPhase.CLOSED
                return ServerClosed(tuple(self._outstanding))
            return NEED_DATA
        if self.phase is ClientPhase.GREETING:
            self.phase = ClientPhase.COMMAND
            return Greeting(reply)
        command = self._outstanding.popleft() if self._outstanding else None
        return self._on_reply(command, reply)

    def _on_reply(self, command: ClientCommand | None, reply: Reply) -> ClientEvent:
        tx = self.transaction
        if isinstance(command, Ehlo):
            self.capabilities = parse_ehlo(reply)
            return EhloResponse(command, reply, self.capabilities)
        if isinstance(command, Helo):
            self.capabilities = NONE
        elif isinstance(command, StartTls) and reply.code == 220:
            self.phase = ClientPhase.TLS_WAIT
        elif isinstance(command, Auth | AuthLine) and reply.code == 334:
            return AuthChallenge(command, reply, _b64(reply.lines[0]))
        elif isinstance(command, MailFrom) and tx is not None and tx.mail is command:
            tx.mail_reply = reply
        elif isinstance(command, RcptTo) and tx is not None:
            for i, (rcpt, old) in enumerate(tx.recipients):
                if rcpt is command and old is None:
                    tx.recipients[i] = (rcpt, reply)
                    break
        elif isinstance(command, Data) and reply.code == 354:
            self.phase = ClientPhase.MESSAGE
            self._line_start, self._held_cr = True, False
        elif isinstance(command, EndOfData | Bdat) and tx is not None:
            if isinstance(command, EndOfData) or command.last or reply.code >= 300:
                tx.data_replies.append((getattr(command, "recipient", None), reply))
        elif isinstance(command, Rset):
            self.transaction = None
        elif isinstance(command, Quit):
            self.phase = ClientPhase.CLOSED
        return Response(command, reply)

    # ----------------------------------------------------------------- output

    def send(self, command: ClientCommand) -> bytes:
        """The bytes of *command*; its reply becomes outstanding.

        Raises ``LocalProtocolError`` when the command may not be sent now: before the
        greeting, during a message or TLS handshake, or pipelined where the server did
        not offer PIPELINING or after a command that ends a group.
        """
        if isinstance(command, Bdat | EndOfData):
            raise LocalProtocolError(f"use send_bdat/end_message, not send({command!r})")
        self._check_can_send(command)
        if isinstance(command, MailFrom):
            self.transaction = Transaction(command)
        elif isinstance(command, RcptTo):
            if self.transaction is None:
                raise LocalProtocolError("RCPT before MAIL")
            self.transaction.recipients.append((command, None))
        self._outstanding.append(command)
        return _wire(command.line(self.lmtp))

    def _check_can_send(self, command: ClientCommand) -> None:
        if self.phase is not ClientPhase.COMMAND:
            raise LocalProtocolError(f"cannot send {type(command).__name__} in phase "
                                     f"{self.phase.value}")
        if self._outstanding and not (
                self.capabilities.pipelining
                and not any(c.ends_group for c in self._outstanding)):
            raise LocalProtocolError(
                f"cannot pipeline {type(command).__name__} after "
                f"{', '.join(type(c).__name__ for c in self._outstanding)}")

    def tls_started(self) -> None:
        """TLS is up after STARTTLS: capabilities are forgotten; send EHLO again."""
        if self.phase is not ClientPhase.TLS_WAIT:
            raise LocalProtocolError("tls_started() without a 220 to STARTTLS")
        self.phase = ClientPhase.COMMAND
        self.capabilities = NONE

    # ------------------------------------------------------------ message data

    def _normalise(self, data: bytes, final: bool) -> bytes:
        """CRLF line ends only, holding a trailing CR until the next piece shows its LF."""
        if self._held_cr:
            data = b"\r" + data
            self._held_cr = False
        if not final and data.endswith(b"\r"):
            data = data[:-1]
            self._held_cr = True
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")

    def send_message(self, data: bytes) -> bytes:
        """Bytes for one piece of the message after 354: CRLF line ends, dots doubled."""
        if self.phase is not ClientPhase.MESSAGE:
            raise LocalProtocolError("send_message() without a 354 reply to DATA")
        text = self._normalise(data, final=False)
        if not text:
            return b""
        text = text.replace(b"\n.", b"\n..")
        if self._line_start and text.startswith(b"."):
            text = b"." + text
        self._line_start = text.endswith(b"\n")
        return text

    def end_message(self) -> bytes:
        """Bytes that end the message (a missing final line end is added), and the
        outstanding verdict(s): one reply, or for LMTP one per accepted recipient."""
        if self.phase is not ClientPhase.MESSAGE:
            raise LocalProtocolError("end_message() without a 354 reply to DATA")
        tail = self._normalise(b"", final=True)
        if tail:
            self._line_start = True
        out = tail + (b"" if self._line_start else b"\r\n") + b".\r\n"
        self.phase = ClientPhase.COMMAND
        tx = self.transaction
        if self.lmtp and tx is not None:
            self._outstanding.extend(EndOfData(rcpt) for rcpt in tx.accepted())
        else:
            self._outstanding.append(EndOfData())
        return out

    def send_bdat(self, data: bytes, *, last: bool) -> bytes:
        """A BDAT command with its chunk (line ends made CRLF; no dot-stuffing)."""
        chunk = self._normalise(data, final=last)
        command = Bdat(len(chunk), last)
        self._check_can_send(command)
        self._outstanding.append(command)
        return _wire(command.line()) + chunk


def _wire(line: str) -> bytes:
    """A command line as sent: never a bare CR or LF inside it."""
    if "\r" in line or "\n" in line:
        raise LocalProtocolError(f"CR or LF inside a command: {line!r}")
    return line.encode("utf-8", "surrogateescape") + b"\r\n"


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
