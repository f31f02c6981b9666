"""A trivial accept-all policy that drives the server machine, for the table and oracle tests.

It answers every event the way Exim 4.96 does with a configuration whose ACLs accept
everything (host name ``oracle.test``, client ``192.0.2.1``), so what the tests compare
is the protocol layer alone. Address text is checked only for what the protocol layer
must know: an empty RCPT path ``<>`` and a sender without a domain are refused with
Exim's words, everything else is accepted.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.data import spool_body
from pyexim.smtp.replies import Reply
from pyexim.smtp.server import Limits, ServerConnection, Settings

HOST = "oracle.test"
CLIENT_IP = "192.0.2.1"
SIZE_LIMIT = 10485760


@dataclass
class Outcome:
    """What one session produced: the bytes sent, the messages received, the events seen."""

    output: bytes = b""
    messages: list[bytes] = field(default_factory=list)
    events: list[object] = field(default_factory=list)
    closed: bool = False

    @property
    def replies(self) -> list[str]:
        """The reply lines, without CRLF."""
        return self.output.decode("utf-8", "surrogateescape").split("\r\n")[:-1]


@dataclass
class AcceptAll:
    """The accept-all policy. ``ehlo`` holds the EHLO reply options (see texts.ehlo_reply)."""

    ehlo: dict[str, object] = field(default_factory=lambda: {
        "size": SIZE_LIMIT, "eight_bit": True, "dsn": True, "etrn": True, "expn": True, "pipelining": True,
        "auth": ("PLAIN",), "chunking": True, "smtputf8": True})
    banner: str = f"{HOST} ESMTP Exim 4.96"
    message_id: str = "<ID>"
    _current: bytearray = field(default_factory=bytearray)
    _chunk: int = 0

    def answer(self, conn: ServerConnection, event: object, out: Outcome) -> bytes:
        """The reply bytes for one event that needs a reply."""
        if isinstance(event, ev.SessionStart):
            return conn.send(texts.banner(self.banner))
        if isinstance(event, ev.Ehlo):
            first = texts.hello_line(HOST, event.name, CLIENT_IP)
            return conn.send(texts.ehlo_reply(first, **self.ehlo))  # type: ignore[arg-type]
        if isinstance(event, ev.Helo):
            return conn.send(Reply.line(250, texts.hello_line(HOST, event.name, CLIENT_IP)))
        if isinstance(event, ev.MailFrom):
            if event.size is not None and event.size > SIZE_LIMIT:
                return conn.send(texts.SIZE_EXCEEDED)
            return conn.send(texts.OK)
        if isinstance(event, ev.RcptTo):
            if event.address.strip() == "<>":
                return conn.syntax_error("empty address", data=event.address)
            return conn.send(texts.ACCEPTED)
        if isinstance(event, ev.Data):
            self._current.clear()
            return conn.send(texts.START_DATA)
        if isinstance(event, ev.ChunkReceived):
            return conn.send(texts.chunk_received(event.size))
        if isinstance(event, ev.EndOfMessage):
            message = bytes(self._current)
            out.messages.append(message)
            self._current.clear()
            if event.bdat:
                # Exim's total is the spooled size plus its line count; a final line
                # end it had to add inside the header section is counted twice.
                spooled = spool_body(message, lf_only=False, bdat=True)
                total = len(spooled) + spooled.count(b"\n")
                if not message.endswith(b"\n") and b"\n\n" not in spooled:
                    total += 1
                return conn.send(texts.bdat_queued(self._chunk, total, self.message_id))
            return conn.send(texts.queued(self.message_id))
        if isinstance(event, ev.Rset):
            self._current.clear()
            return conn.send(texts.RESET_OK)
        if isinstance(event, ev.Quit):
            return conn.send(texts.quit_reply(HOST))
        if isinstance(event, ev.Help):
            return conn.send(texts.help_reply(starttls=bool(self.ehlo.get("starttls")),
                                              etrn=True, expn=True))
        if isinstance(event, ev.StartTls):
            return conn.send(texts.TLS_GO_AHEAD)
        if isinstance(event, ev.Auth):
            if event.initial_response is None:
                return conn.send(Reply.line(334, ""))
            return conn.send(_plaintext(event.initial_response))
        if isinstance(event, ev.AuthResponse):
            if event.too_long:
                return conn.send(texts.AUTH_BAD_BASE64)
            if event.cancelled:
                return conn.send(texts.AUTH_CANCELLED)
            return conn.send(_plaintext(event.data))
        if isinstance(event, ev.Vrfy):
            return conn.send(Reply.line(252, "Administrative prohibition"))
        if isinstance(event, ev.Etrn) and not event.argument.startswith("#"):
            return conn.syntax_error("argument must begin with #")
        if isinstance(event, ev.CommandError):
            if event.aborts_message:
                self._current.clear()
            return conn.send(event.reply)
        if isinstance(event, ev.ConnectionClosed):
            if event.in_message:
                return conn.send(texts.LOST_IN_MESSAGE)
            return conn.send(texts.lost_connection(HOST))
        return conn.send(texts.OK)    # NOOP, EXPN, ETRN

    def note(self, event: object) -> None:
        """Keep message data."""
        if isinstance(event, ev.MessageData):
            self._current += event.data
        elif isinstance(event, ev.Bdat):
            self._chunk = event.size


def _plaintext(response: str) -> Reply:
    """What Exim's plaintext authenticator with ``server_condition = false`` answers."""
    try:
        base64.b64decode(response, validate=True)
    except (binascii.Error, ValueError):
        return texts.AUTH_BAD_BASE64
    return texts.AUTH_INCORRECT


def drive(conn: ServerConnection, policy: AcceptAll, out: Outcome) -> None:
    """Take events until the machine needs data, answering each that needs a reply."""
    while True:
        event = conn.next_event()
        if event is ev.NEED_DATA or event is ev.PAUSED:
            return
        if not isinstance(event, ev.Event):      # CLOSED
            out.closed = True
            return
        out.events.append(event)
        policy.note(event)
        if event.needs_reply:
            out.output += policy.answer(conn, event, out)
        if isinstance(event, ev.StartTls) and conn.phase.name == "TLS_WAIT":
            conn.tls_started()


#: The defaults of run_session: Exim's limits, and no synchronisation checks (as -bh).
DEFAULT_LIMITS = Limits()
NO_SYNC = Settings(enforce_sync=False)


def run_session(packets: list[bytes], *, bytewise: bool = False, eof: bool = True,
                policy: AcceptAll | None = None, limits: Limits = DEFAULT_LIMITS,
                settings: Settings = NO_SYNC) -> Outcome:
    """Feed *packets* (the client's writes) to a new server machine under *policy*.

    Events are taken after each packet, as a network adapter would after each read;
    the first packet arrives before the banner is sent (an empty one: after it). With
    *bytewise*, every octet is fed on its own and events are taken after each.
    """
    policy = policy or AcceptAll()
    conn = ServerConnection(limits, settings)
    out = Outcome()
    for packet in packets or [b""]:
        pieces = [packet[i:i + 1] for i in range(len(packet))] if bytewise else [packet]
        for piece in pieces or [b""]:
            if conn.closed:
                break
            if piece:
                conn.receive_data(piece)
            drive(conn, policy, out)
    if eof and not conn.closed:
        conn.receive_data(b"")
        drive(conn, policy, out)
    out.closed = conn.closed
    return out
