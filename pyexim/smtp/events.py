"""Events of the SMTP server machine: what the client did, as values (cf. h11's _events.py).

Every event a client command produces carries ``command``: the command line as
received (Exim's ``$smtp_command``), tainted. Text that came from the peer is a
``pyexim.taint.Tainted`` str; octets that were not UTF-8 are kept as surrogate
escapes, so ``text.encode("utf-8", "surrogateescape")`` gives back the peer's bytes.

Events whose ``needs_reply`` is True must be answered with ``ServerConnection.send``
before the machine parses anything further. ``Bdat`` and ``MessageData`` are
information only: the reply to a BDAT comes after its chunk, with ``ChunkReceived``
or ``EndOfMessage``.
"""

from __future__ import annotations

from pyexim.record import field, record
from pyexim.smtp.replies import Reply

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar


@record(frozen=True, slots=True)
class Event:
    """Base of all server events."""

    needs_reply: ClassVar[bool] = True


@record(frozen=True, slots=True)
class SessionStart(Event):
    """The connection is up: answer with the banner (220) or a refusal (which closes it).

    Exim runs the connect ACL here. If the client has sent anything before the banner
    goes out, ``send`` answers with Exim's synchronisation error instead (unless early
    pipelining, PIPECONNECT, is allowed for this client).
    """


@record(frozen=True, slots=True)
class Command(Event):
    """Base of events made from one command line."""

    command: str = ""


@record(frozen=True, slots=True)
class Helo(Command):
    """HELO with a syntactically acceptable name. A 2xx reply starts a new session state."""

    name: str = ""


@record(frozen=True, slots=True)
class Ehlo(Command):
    """EHLO with a syntactically acceptable name. The 250 reply's keyword lines are what the
    machine then treats as advertised (PIPELINING, CHUNKING, STARTTLS, AUTH ..., DSN,
    SMTPUTF8, 8BITMIME, PRDR); build it with ``pyexim.smtp.texts.ehlo_reply``."""

    name: str = ""


@record(frozen=True, slots=True)
class MailFrom(Command):
    """MAIL FROM with its ESMTP parameters parsed and checked.

    ``address`` is the text left after the parameters were taken off (what Exim hands
    to ``parse_extract_address``, "<>" included); the policy parses it with
    pyexim.address and answers syntax errors with ``ServerConnection.syntax_error``.
    ``size`` is SIZE= (capped at 2**31-1 as Exim caps it), ``body`` "7BIT" or
    "8BITMIME", ``ret`` "HDRS" or "FULL", ``envid`` the ENVID= text, ``auth`` the
    xtext-decoded AUTH= mailbox (None when absent or ``<>``), ``smtputf8`` and ``prdr``
    whether those keywords were given (and are advertised). A 2xx reply opens the
    transaction.
    """

    address: str = ""
    size: int | None = None
    body: str | None = None
    ret: str | None = None
    envid: str | None = None
    auth: str | None = None
    smtputf8: bool = False
    prdr: bool = False


@record(frozen=True, slots=True)
class RcptTo(Command):
    """RCPT TO with DSN parameters parsed. ``notify`` is a frozenset of "NEVER", "SUCCESS",
    "FAILURE", "DELAY" (empty when NOTIFY= was not given), ``orcpt`` the ORCPT= text.
    A 2xx reply counts as a valid recipient (Exim's accept and discard both give 250)."""

    address: str = ""
    notify: frozenset[str] = frozenset()
    orcpt: str | None = None


@record(frozen=True, slots=True)
class Data(Command):
    """DATA with at least one valid recipient: answer 354 to receive the message (the
    predata ACL's place), anything else to refuse it."""


@record(frozen=True, slots=True)
class Bdat(Command):
    """A BDAT command accepted; its ``size`` octets follow as MessageData. Information only."""

    needs_reply: ClassVar[bool] = False
    size: int = 0
    last: bool = False


@record(frozen=True, slots=True)
class MessageData(Event):
    """A piece of the message: dot-unstuffed (DATA) or as sent (BDAT), CR and LF as received."""

    needs_reply: ClassVar[bool] = False
    data: bytes = b""


@record(frozen=True, slots=True)
class ChunkReceived(Event):
    """A non-LAST BDAT chunk is complete: answer ``texts.chunk_received(size)``, or with a
    4xx/5xx (e.g. the size limit was passed) to end the message there."""

    size: int = 0


@record(frozen=True, slots=True)
class EndOfMessage(Event):
    """The message is complete (DATA's terminating dot, or the LAST BDAT chunk).

    ``lf_only`` is the line mode (see pyexim.smtp.data); ``bdat`` tells how it came.
    The reply ends the transaction whatever it says.
    """

    lf_only: bool = False
    bdat: bool = False


@record(frozen=True, slots=True)
class Rset(Command):
    """RSET: the transaction is reset when the reply is sent."""


@record(frozen=True, slots=True)
class Noop(Command):
    """NOOP (an argument is allowed and ignored)."""

    argument: str = ""


@record(frozen=True, slots=True)
class Quit(Command):
    """QUIT: the connection closes after the reply."""


@record(frozen=True, slots=True)
class Vrfy(Command):
    """VRFY with its argument as given."""

    argument: str = ""


@record(frozen=True, slots=True)
class Expn(Command):
    """EXPN with its argument as given."""

    argument: str = ""


@record(frozen=True, slots=True)
class Etrn(Command):
    """ETRN outside a transaction, with its argument as given."""

    argument: str = ""


@record(frozen=True, slots=True)
class Help(Command):
    """HELP (Exim ignores any argument)."""

    argument: str = ""


@record(frozen=True, slots=True)
class StartTls(Command):
    """STARTTLS where it was advertised. A 220 reply makes the machine drop anything the
    client pipelined after the command and wait for ``tls_started``/``tls_failed``."""


@record(frozen=True, slots=True)
class Auth(Command):
    """AUTH for an advertised mechanism (upper-cased), outside a transaction, not yet
    authenticated. ``initial_response`` is the rest of the line, or None. A 334 reply
    makes the next line an ``AuthResponse``; 235 marks the session authenticated."""

    mechanism: str = ""
    initial_response: str | None = None


@record(frozen=True, slots=True)
class AuthResponse(Event):
    """A line sent in answer to a 334 challenge (trailing CR removed).

    ``cancelled`` is True for ``*``; ``too_long`` when the line did not fit in Exim's
    16384-octet buffer (Exim's drivers then answer "501 Invalid base64 data", and the
    rest of the line is read as commands).
    """

    data: str = ""
    cancelled: bool = False
    too_long: bool = False


@record(frozen=True, slots=True)
class CommandError(Command):
    """A command the machine refuses itself, with Exim's reply for it.

    ``kind`` is "syntax" or "protocol" (Exim's ``L_smtp_syntax_error`` /
    ``L_smtp_protocol_error``, for the log), or one of "sync", "unknown", "nonmail",
    "helo", "badchar", "mail_without_helo", "too_many_mail" for the errors Exim reports
    in their own words. ``message`` is Exim's text for the log line
    ``SMTP <kind> error in "<command>" H=...: <message>``. When ``drop`` is True the
    connection closes after the reply; ``notquit_reason`` is then what Exim's not-QUIT
    ACL sees as ``$smtp_notquit_reason`` (it may supply its own reply text).
    ``reply`` is what Exim sends; the policy normally sends exactly that.
    ``aborts_message`` is True when the error ends a message in progress (a BDAT
    sequence broken off): the data received so far is to be thrown away.
    For ``kind == "sync"`` the ``message`` is the input that came too early.
    """

    reply: Reply = field(default_factory=lambda: Reply(500))
    kind: str = "protocol"
    message: str = ""
    drop: bool = False
    notquit_reason: str | None = None
    aborts_message: bool = False


@record(frozen=True, slots=True)
class ConnectionClosed(Event):
    """The client closed its side (``receive_data(b"")``). Exim still writes a reply:
    ``421 <host> lost input connection`` between commands, ``421 Lost incoming
    connection`` inside a message (``in_message``). After it the machine is closed."""

    in_message: bool = False


class Sentinel:
    """``NEED_DATA`` and ``PAUSED``: what ``next_event`` returns when it has no event."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: More bytes are needed before another event can be produced.
NEED_DATA = Sentinel("NEED_DATA")
#: The last event still needs its reply; nothing is parsed until it is sent.
PAUSED = Sentinel("PAUSED")
