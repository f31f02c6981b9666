"""Exim 4.96's standard SMTP replies, for the machine's own errors and for the policy.

Wording is Exim's, checked against the oracle (tests/smtp/goldens/). Functions take
what varies (host name, sizes) as arguments; nothing here reads configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pyexim.smtp.replies import Reply

OK = Reply.line(250, "OK")
RESET_OK = Reply.line(250, "Reset OK")
ACCEPTED = Reply.line(250, "Accepted")
START_DATA = Reply.line(354, 'Enter message, ending with "." on a line by itself')
TLS_GO_AHEAD = Reply.line(220, "TLS go ahead")
TLS_UNAVAILABLE = Reply.line(454, "TLS currently unavailable")
SECURITY_FAILURE = Reply.line(554, "Security failure")
AUTH_SUCCEEDED = Reply.line(235, "Authentication succeeded")
AUTH_CANCELLED = Reply.line(501, "Authentication cancelled")
AUTH_BAD_BASE64 = Reply.line(501, "Invalid base64 data")
AUTH_INCORRECT = Reply.line(535, "Incorrect authentication data")
SYNC_ERROR = Reply.line(554, "SMTP synchronization error")
SIZE_EXCEEDED = Reply.line(552, "Message size exceeds maximum permitted")
LOST_IN_MESSAGE = Reply.line(421, "Lost incoming connection")
ADMIN_PROHIBITION = "Administrative prohibition"
TEMP_PROBLEM = "Temporary local problem - please try later"


def banner(text: str) -> Reply:
    """The 220 greeting from the expanded ``smtp_banner`` (newlines make more lines)."""
    return Reply.from_message(220, text)


def quit_reply(hostname: str) -> Reply:
    """``221 <host> closing connection``."""
    return Reply.line(221, f"{hostname} closing connection")


def lost_connection(hostname: str) -> Reply:
    """``421 <host> lost input connection`` (client closed between commands)."""
    return Reply.line(421, f"{hostname} lost input connection")


def chunk_received(size: int) -> Reply:
    """``250 <n> byte chunk received`` for a non-LAST BDAT chunk."""
    return Reply.line(250, f"{size} byte chunk received")


def queued(message_id: str) -> Reply:
    """``250 OK id=<id>`` after a message is safely on the spool."""
    return Reply.line(250, f"OK id={message_id}")


def bdat_queued(chunk_size: int, total: int, message_id: str) -> Reply:
    """Exim's reply after a LAST BDAT chunk: ``250- <chunk> byte chunk, total <n>`` then
    ``250 OK id=<id>``; *total* is the message as spooled plus one per line (its size
    with CRLF line ends)."""
    return Reply(250, (f" {chunk_size} byte chunk, total {total}", f"OK id={message_id}"))


def hello_line(hostname: str, helo_name: str, host_address: str | None,
               ident: str | None = None, host_name: str | None = None) -> str:
    """The first line of Exim's HELO/EHLO reply: ``<host> Hello <name> [<ip>]``.

    The name is the looked-up host name if there is one, else the HELO argument;
    an ident (RFC 1413) answer is shown as ``<ident> at <name>``.
    """
    text = f"{hostname} Hello {ident + ' at ' if ident else ''}{host_name or helo_name}"
    return f"{text} [{host_address}]" if host_address else text


def ehlo_reply(first_line: str, *, size: int | None = None, eight_bit: bool = False,
               dsn: bool = False, etrn: bool = False, vrfy: bool = False,
               expn: bool = False, pipelining: bool = False, pipe_connect: bool = False,
               auth: Sequence[str] = (), chunking: bool = False, starttls: bool = False,
               prdr: bool = False, smtputf8: bool = False) -> Reply:
    """The EHLO reply with the keywords in Exim's order (smtp_in.c).

    ``size`` None or 0 gives a bare ``SIZE``; ``auth`` lists the advertised mechanism
    names (upper-cased here, as Exim prints them). SMTPUTF8 is offered only together
    with 8BITMIME, as in Exim.
    """
    lines = [first_line, f"SIZE {size}" if size else "SIZE"]
    flags = [(eight_bit, "8BITMIME"), (dsn, "DSN"), (etrn, "ETRN"), (vrfy, "VRFY"),
             (expn, "EXPN"), (pipelining, "PIPELINING"),
             (pipelining and pipe_connect, "PIPECONNECT")]
    lines.extend(word for on, word in flags if on)
    if auth:
        lines.append("AUTH " + " ".join(name.upper() for name in auth))
    flags = [(chunking, "CHUNKING"), (starttls, "STARTTLS"), (prdr, "PRDR"),
             (eight_bit and smtputf8, "SMTPUTF8")]
    lines.extend(word for on, word in flags if on)
    lines.append("HELP")
    return Reply(250, tuple(lines))


def help_reply(*, starttls: bool, etrn: bool = False, expn: bool = False,
               vrfy: bool = False) -> Reply:
    """Exim's two-line HELP reply listing the commands it accepts."""
    words: list[str] = ["AUTH"]
    if starttls:
        words.append("STARTTLS")
    words += ["HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "NOOP", "QUIT", "RSET", "HELP"]
    optional: Iterable[tuple[bool, str]] = ((etrn, "ETRN"), (expn, "EXPN"), (vrfy, "VRFY"))
    words += [word for on, word in optional if on]
    return Reply(214, ("Commands supported:", " ".join(words)))


def acl_reject(code: int, message: str | None, *, temporary_details: bool = True) -> Reply:
    """The reply for an ACL that failed or deferred (Exim: ``smtp_handle_acl_fail``).

    *message* is the ACL's ``message =`` text (it may start with its own code); without
    one a 5xx says "Administrative prohibition" and a 4xx "Temporary local problem -
    please try later". Exim hides a 4xx message unless it is allowed to show details
    (``temporary_details``: a callout defer, a ``defer`` verb, ...).
    """
    if code >= 500:
        return Reply.from_user_message(code, message or ADMIN_PROHIBITION)
    if message and temporary_details:
        return Reply.from_user_message(code, message)
    return Reply.from_message(code, TEMP_PROBLEM, acl=True)


def syntax_error(message: str, code: int = 501, data: str | None = None) -> Reply:
    """A syntax or protocol error as Exim words it: ``501 <data>: <message>`` (Exim:
    ``synprot_error``). Prefer ``ServerConnection.syntax_error``, which also counts it."""
    text = f"{data}: {message}" if data is not None else message
    return Reply.line(code, text)
