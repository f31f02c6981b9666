"""The message: envelope, header lines with Exim's type flags, and the body (spec: "Message
processing", "Format of spool files").

This is the in-memory message that the spool reads and writes, that ``-bem`` and
``-bm`` build from bytes, and that the expansion engine, filters and delivery read.

Text and bytes. Exim handles messages as byte strings. pyexim holds envelope values
and header lines as ``str`` decoded with :func:`decode` (UTF-8 with
``surrogateescape``), so any byte sequence survives: ``encode(decode(b)) == b`` for
every ``b``. Lengths written to the spool (header counts, ACL variable lengths) are
byte lengths of :func:`encode`. The body stays ``bytes``.

Taint. Values that came from the message or the peer are :class:`~pyexim.taint.Tainted`
when they are read back from the spool, as in Exim; :func:`parse_message` marks header
lines tainted too.
"""

from __future__ import annotations

import re

from pyexim.record import field, record
from pyexim.strings import span
from pyexim.taint import Tainted

__all__ = [
    "DSN_DELAY",
    "DSN_FAILURE",
    "DSN_LASTHOP",
    "DSN_NEVER",
    "DSN_NOTIFY_MASK",
    "DSN_RET_FULL",
    "DSN_RET_HDRS",
    "DSN_SUCCESS",
    "HTYPE_BCC",
    "HTYPE_CC",
    "HTYPE_FROM",
    "HTYPE_ID",
    "HTYPE_OLD",
    "HTYPE_OTHER",
    "HTYPE_RECEIVED",
    "HTYPE_REPLY_TO",
    "HTYPE_SENDER",
    "HTYPE_TO",
    "Envelope",
    "HeaderLine",
    "HeaderScan",
    "HeaderTyping",
    "Message",
    "ParsedMessage",
    "Recipient",
    "decode",
    "encode",
    "header_kind",
    "parse_message",
    "read_filter_test_body",
    "scan_header_section",
    "type_received_headers",
]


def decode(raw: bytes) -> str:
    """Bytes from a message, a spool file or the wire as message text: UTF-8 with
    surrogateescape, lossless (see the pyexim package docstring; the expansion engine
    takes byte text, pyexim.strings.to_engine)."""
    return raw.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """Message text back to the exact bytes it came from."""
    return text.encode("utf-8", "surrogateescape")


# Header type flags as Exim stores them in the -H file (macros.h htype_*). Only these
# are written; Exim's internal kinds for Date:, Subject: ... are stored as HTYPE_OTHER.
HTYPE_OTHER = " "
HTYPE_FROM = "F"
HTYPE_TO = "T"
HTYPE_CC = "C"
HTYPE_BCC = "B"
HTYPE_ID = "I"          # Message-Id:
HTYPE_REPLY_TO = "R"
HTYPE_RECEIVED = "P"    # P for Postmark
HTYPE_SENDER = "S"
HTYPE_OLD = "*"         # deleted or replaced: kept in the spool, never transmitted

# Exim's internal kinds for headers it recognises but does not flag in the spool.
_KIND_DATE = "d"
_KIND_RETURN_PATH = "p"
_KIND_DELIVERY_DATE = "x"
_KIND_ENVELOPE_TO = "e"
_KIND_SUBJECT = "s"

# Header names Exim recognises (globals.c header_names): lower-case name -> (kind, whether
# "Resent-" may precede it).
_HEADER_NAMES: dict[str, tuple[str, bool]] = {
    "bcc": (HTYPE_BCC, True),
    "cc": (HTYPE_CC, True),
    "date": (_KIND_DATE, True),
    "delivery-date": (_KIND_DELIVERY_DATE, False),
    "envelope-to": (_KIND_ENVELOPE_TO, False),
    "from": (HTYPE_FROM, True),
    "message-id": (HTYPE_ID, True),
    "received": (HTYPE_RECEIVED, False),
    "reply-to": (HTYPE_REPLY_TO, False),
    "return-path": (_KIND_RETURN_PATH, False),
    "sender": (HTYPE_SENDER, True),
    "subject": (_KIND_SUBJECT, False),
    "to": (HTYPE_TO, True),
}

# RFC 3461 DSN data per recipient (macros.h rf_dsn*/rf_notify_*), and RET= (dsn_ret_*).
DSN_LASTHOP = 0x01      # do not propagate DSN any further
DSN_NEVER = 0x02
DSN_SUCCESS = 0x04
DSN_FAILURE = 0x08
DSN_DELAY = 0x10
DSN_NOTIFY_MASK = DSN_NEVER | DSN_SUCCESS | DSN_FAILURE | DSN_DELAY
DSN_RET_FULL = 1
DSN_RET_HDRS = 2


@record(slots=True)
class HeaderLine:
    """One header line as Exim keeps it: the whole text, and its type flag.

    ``text`` is the complete header as received, name and colon included, folded
    continuation lines kept with their newlines, ending in ``"\\n"`` (spool form: LF,
    not CRLF). ``type`` is one of the HTYPE_* flags; HTYPE_OLD marks a header that is
    deleted (kept in the spool for the record, never transmitted, not visible to $h_).
    """

    text: str
    type: str = HTYPE_OTHER

    @property
    def name(self) -> str:
        """The field name as written (case kept), without the colon or the blanks before it.

        For a header without a colon (not possible from parse_message) the whole text.
        """
        colon = self.text.find(":")
        if colon < 0:
            return self.text.rstrip("\n")
        return self.text[:colon].rstrip(" \t")

    @property
    def raw_value(self) -> str:
        """Everything after the colon, exactly as stored (leading blank and final newline kept).

        This is the material for ``$rh_``; decoding for ``$h_``/``$bh_`` is the
        expansion engine's.
        """
        colon = self.text.find(":")
        return self.text[colon + 1:] if colon >= 0 else ""

    @property
    def slen(self) -> int:
        """Length in bytes, as the -H file counts it."""
        return len(encode(self.text))

    @property
    def deleted(self) -> bool:
        """True for a header marked old (``*``): not transmitted, invisible to $h_."""
        return self.type == HTYPE_OLD

    def is_named(self, name: str) -> bool:
        """Exim's header_testname: the text starts with *name* (any case), then blanks, then ':'."""
        if self.text[:len(name)].lower() != name.lower():
            return False
        rest = self.text[len(name):].lstrip(" \t")
        return rest.startswith(":")


@record(slots=True)
class Recipient:
    """One envelope recipient with its DSN data (spool: the recipients list).

    ``orcpt`` is the RFC 3461 ORCPT value as given (``rfc822;user@example``), ``dsn_flags``
    the DSN_* bits, ``errors_to`` a router's errors_to address for it, ``pno`` the number
    of the parent for a "one_time" alias (-1 when there is none).
    """

    address: str
    orcpt: str | None = None
    dsn_flags: int = 0
    errors_to: str | None = None
    pno: int = -1


@record(slots=True)
class Envelope:
    """Sender and recipients of a message, and the message-wide DSN options."""

    sender: str                         # without the <>; "" is the null sender
    recipients: list[Recipient] = field(default_factory=list)
    dsn_envid: str | None = None        # ENVID=
    dsn_ret: int = 0                    # RET=: 0 unset, DSN_RET_FULL or DSN_RET_HDRS


@record(slots=True)
class Message:
    """A message: its id, envelope, header lines and body.

    ``body`` is the body as the -D file holds it after the id line: LF line endings,
    dot-stuffing removed (or, with ``wireformat``, CRLF as on the wire). ``id`` is ""
    for a message that has not been given one (``-bem``).
    """

    id: str
    envelope: Envelope
    headers: list[HeaderLine] = field(default_factory=list)
    body: bytes = b""
    body_linecount: int = 0
    body_zerocount: int = 0
    max_received_linelength: int = 0

    def find_headers(self, name: str) -> list[HeaderLine]:
        """All live header lines named *name* (case-insensitive), in message order."""
        return [h for h in self.headers if h.type != HTYPE_OLD and h.is_named(name)]

    @property
    def header_size(self) -> int:
        """Bytes of the live headers (deleted ones excluded), as Exim counts them."""
        return sum(h.slen for h in self.headers if h.type != HTYPE_OLD)

    @property
    def size(self) -> int:
        """$message_size and the S= of the log: live headers, the blank line, the body."""
        return self.header_size + 1 + len(self.body)

    @property
    def linecount(self) -> int:
        """$message_linecount: lines in live headers plus body lines."""
        return sum(h.text.count("\n") for h in self.headers
                   if h.type != HTYPE_OLD) + self.body_linecount


def header_kind(text: str) -> str:
    """Exim's header_checkname: which recognised header *text* is, or HTYPE_OTHER.

    The result is one of the HTYPE_* flags for flagged headers, or Exim's internal kind
    letter for Date:, Subject:, Return-Path:, Delivery-Date:, Envelope-To: ("d", "s",
    "p", "x", "e"), which :func:`type_received_headers` uses and which are stored as
    HTYPE_OTHER. ``Resent-`` is allowed only before the names that take it.
    """
    is_resent = text[:7].lower() == "resent-"
    rest = text[7:] if is_resent else text
    colon = rest.find(":")
    if colon < 0:
        return HTYPE_OTHER
    entry = _HEADER_NAMES.get(rest[:colon].rstrip(" \t\n\r\v\f").lower())
    if entry is None or (is_resent and not entry[1]):
        return HTYPE_OTHER
    return entry[0]


@record(frozen=True, slots=True)
class HeaderTyping:
    """The reception facts and options that decide how received headers are flagged."""

    smtp_input: bool = False
    sender_local: bool = False
    trusted_caller: bool = False
    suppress_local_fixups: bool = False
    submission_mode: bool = False
    active_local_sender_retain: bool = False
    delivery_date_remove: bool = True
    envelope_to_remove: bool = True
    return_path_remove: bool = True


def type_received_headers(headers: list[HeaderLine], typing: HeaderTyping = HeaderTyping()
                          ) -> None:
    """Flag the headers of a newly received message in place, as receive.c does.

    From/To/Cc/Bcc/Reply-To/Received get their flags; the first Message-Id (of the
    Resent- set when there is one) gets ``I``; Delivery-Date, Envelope-To and Return-Path
    become ``*`` when the corresponding ``*_remove`` option is set; Sender becomes ``*``
    for untrusted local submissions and submission mode (unless
    ``active_local_sender_retain``). The gecos rewrite of a bare-login From: is the
    receiver's job (it needs the caller's passwd entry).
    """
    resents_exist = any(h.text[:7].lower() == "resent-" for h in headers)
    msgid_seen = False
    for h in headers:
        is_resent = h.text[:7].lower() == "resent-"
        kind = header_kind(h.text)
        if kind in (HTYPE_BCC, HTYPE_CC, HTYPE_FROM, HTYPE_RECEIVED, HTYPE_REPLY_TO, HTYPE_TO):
            h.type = kind
        elif kind == HTYPE_ID:
            if not msgid_seen and (not resents_exist or is_resent):
                msgid_seen = True
                h.type = HTYPE_ID
        elif kind == _KIND_DELIVERY_DATE:
            if typing.delivery_date_remove:
                h.type = HTYPE_OLD
        elif kind == _KIND_ENVELOPE_TO:
            if typing.envelope_to_remove:
                h.type = HTYPE_OLD
        elif kind == _KIND_RETURN_PATH:
            if typing.return_path_remove:
                h.type = HTYPE_OLD
        elif kind == HTYPE_SENDER:
            local_fixup = (typing.sender_local and not typing.trusted_caller
                           and not typing.suppress_local_fixups)
            drop = (not typing.active_local_sender_retain
                    and (local_fixup or typing.submission_mode)
                    and (not resents_exist or is_resent))
            h.type = HTYPE_OLD if drop else HTYPE_SENDER


# ---------------------------------------------------------------------------------------
# Reading a message from bytes (receive.c: the header loop, read_message_data)
# ---------------------------------------------------------------------------------------

# Exim's default uucp_from_pattern: a leading "From " line of local mail.
UUCP_FROM_PATTERN = re.compile(
    rb"^From\s+(\S+)\s+(?:[a-zA-Z]{3},?\s+)?"
    rb"(?:[a-zA-Z]{3}\s+\d?\d|\d?\d\s+[a-zA-Z]{3}\s+\d\d(?:\d\d)?)"
    rb"\s+\d\d?:\d\d?")

_C_SPACE = b" \t\n\v\f\r"
_EOF = -1


@record(slots=True)
class ParsedMessage:
    """What reading a message from bytes yields, before any envelope exists.

    ``headers`` are untyped (HTYPE_OTHER; see :func:`type_received_headers`).
    ``from_line`` is a leading ``From `` line that was consumed (non-SMTP input only),
    and ``from_line_sender`` its ``$1`` (the default ``uucp_from_sender``).
    ``ended_by_dot`` says whether a line with a single dot ended the input.
    """

    headers: list[HeaderLine]
    body: bytes
    body_linecount: int
    body_zerocount: int
    max_received_linelength: int
    first_line_ended_crlf: bool | None
    ended_by_dot: bool = False
    from_line: str | None = None
    from_line_sender: str | None = None

    def message(self, message_id: str, envelope: Envelope) -> Message:
        """A Message with these headers and body."""
        return Message(id=message_id, envelope=envelope, headers=self.headers, body=self.body,
                       body_linecount=self.body_linecount, body_zerocount=self.body_zerocount,
                       max_received_linelength=self.max_received_linelength)


class _Reader:
    """getc/ungetc over bytes, as receive.c reads its input."""

    __slots__ = ("data", "pos", "pushed")

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.pushed: list[int] = []

    def getc(self) -> int:
        if self.pushed:
            return self.pushed.pop()
        if self.pos >= len(self.data):
            return _EOF
        ch = self.data[self.pos]
        self.pos += 1
        return ch

    def ungetc(self, ch: int) -> None:
        self.pushed.append(ch)

    def rest(self) -> bytes:
        """Everything not yet read, pushed-back characters first."""
        return bytes(reversed(self.pushed)) + self.data[self.pos:]


_LF, _CR, _SP, _TAB, _DOT = 0x0A, 0x0D, 0x20, 0x09, 0x2E


@record(slots=True)
class HeaderScan:
    """Where the header loop stopped."""

    headers: list[HeaderLine] = field(default_factory=list)
    first_crlf: bool | None = None
    max_len: int = 0
    ended_by_dot: bool = False
    at_eof: bool = False
    first_body_line: bytes | None = None
    body_zerocount: int = 0
    from_line: bytes | None = None
    from_sender: bytes | None = None


def parse_message(data: bytes, *, dot_ends: bool = True, smtp: bool = False,
                  from_line_allowed: bool | None = None) -> ParsedMessage:
    """Split a message into header lines and body exactly as Exim's receive_msg() does.

    *data* is the message as a local program hands it to ``exim -bm``/``-t``/``-bem``
    (``smtp=False``; *dot_ends* False is ``-i``/``-oi``), or the content of an SMTP DATA
    or BDAT transaction after the SMTP layer has removed the dot-stuffing and the final
    ``.`` line (``smtp=True``; *dot_ends* is then ignored). A leading ``From `` line is
    recognised for non-SMTP input, or for SMTP when *from_line_allowed* says the host is
    in ``ignore_fromline_hosts``.

    Rules kept from Exim: LF, CRLF and a bare CR all end a line (a bare CR inside a header
    becomes a newline plus a space; once the first line has ended in CRLF, a bare LF in the
    headers starts a continuation); a line holding only ``.`` ends the input when
    *dot_ends*; a line that is not ``name:`` ends the headers and is the first body line;
    trailing blank continuation lines are removed from a header; NULs in a header become
    ``?``; a non-SMTP body always ends with a newline. The counts are Exim's
    ($body_linecount, $body_zerocount, $max_received_linelength).
    """
    if smtp:
        dot_ends = False
    if from_line_allowed is None:
        from_line_allowed = not smtp
    reader = _Reader(data)
    scan = _scan_headers(reader, dot_ends=dot_ends, smtp=smtp, from_line_allowed=from_line_allowed)

    body_parts: list[bytes] = []
    linecount = 0
    zerocount = scan.body_zerocount
    max_len = scan.max_len
    ended_by_dot = scan.ended_by_dot
    if scan.first_body_line is not None:
        body_parts.append(scan.first_body_line)
        linecount = 1                            # Exim counts it as one line, folded or not
    if not ended_by_dot and not scan.at_eof:
        body, lines, zeros, longest, ended_by_dot = _read_body(reader.rest(), dot_ends=dot_ends,
                                                               smtp=smtp)
        body_parts.append(body)
        linecount += lines
        zerocount += zeros
        max_len = max(max_len, longest)
    from_line = decode(scan.from_line) if scan.from_line is not None else None
    from_sender = decode(scan.from_sender) if scan.from_sender is not None else None
    return ParsedMessage(headers=scan.headers, body=b"".join(body_parts),
                         body_linecount=linecount, body_zerocount=zerocount,
                         max_received_linelength=max_len, first_line_ended_crlf=scan.first_crlf,
                         ended_by_dot=ended_by_dot, from_line=from_line,
                         from_line_sender=from_sender)


def scan_header_section(data: bytes, *, dot_ends: bool, smtp: bool = False,
                        from_line_allowed: bool = True) -> tuple[HeaderScan, bytes]:
    """receive.c's header loop over *data*: what it found, and the bytes after it.

    For readers that take the body by other rules than parse_message's (the filter
    test's read_filter_test_body, for one).
    """
    reader = _Reader(data)
    scan = _scan_headers(reader, dot_ends=dot_ends, smtp=smtp,
                         from_line_allowed=from_line_allowed)
    return scan, reader.rest()


def read_filter_test_body(data: bytes, dot_ends: bool) -> tuple[bytes, int, int]:
    """The body as Exim's filter-test reader takes it: (body, $body_linecount,
    $body_zerocount). With *dot_ends* a line of "." ends it and blank lines are not
    counted (filtertest.c's read_message_body)."""
    if not data:
        return b"", 0, 0
    zeros = data.count(0)
    if not dot_ends:
        lines = data.count(b"\n")
        body = data
    else:
        out = bytearray()
        lines = 0
        state = 1  # 0: in a line; 1: after a newline; 2: after newline and dot
        for ch in data:
            if state == 0:
                if ch == 10:
                    lines += 1
                    state = 1
            elif state == 1:
                if ch == 46:
                    state = 2
                    continue
                if ch != 10:
                    state = 0
            else:
                if ch == 10:
                    break
                out.append(46)
                state = 0
            out.append(ch)
        body = bytes(out)
    if not body or body[-1:] != b"\n":
        lines += 1
    return body, lines, zeros


def _scan_headers(reader: _Reader, *, dot_ends: bool, smtp: bool,
                  from_line_allowed: bool) -> HeaderScan:
    """receive.c's header loop, one character at a time (headers are small)."""
    scan = HeaderScan()
    text = bytearray()
    had_zero = 0
    prevlines_length = 0
    while True:
        ch = reader.getc()
        if ch == 0:
            had_zero += 1
        if ch == _LF:
            if scan.first_crlf is None:
                scan.first_crlf = False
            elif scan.first_crlf:
                reader.ungetc(_SP)               # a bare LF after CRLF lines folds
        elif ch >= 0:
            if dot_ends and not text and ch == _DOT:
                ch = reader.getc()
                if ch == _CR:
                    ch = reader.getc()
                    if ch != _LF:
                        if ch >= 0:
                            reader.ungetc(ch)
                        ch = _CR
                if ch == _LF:
                    scan.ended_by_dot = True
                    return scan
                if not smtp:
                    text.append(_DOT)
            if ch == _CR:
                ch = reader.getc()
                if ch == _LF:
                    if scan.first_crlf is None:
                        scan.first_crlf = True
                else:
                    if ch >= 0:
                        reader.ungetc(ch)
                    text.append(_LF)             # a bare CR becomes newline + space
                    ch = _SP
            if ch != _LF:
                # ch is EOF (-1) only after "." then end of input at the start of a line:
                # Exim stores that value as a 0xFF byte. Copied on purpose.
                text.append(ch & 0xFF)
                continue

        # End of a physical line (LF, CRLF or end of input).
        scan.max_len = max(scan.max_len, len(text) - prevlines_length)
        prevlines_length = len(text) + 1
        text.append(_LF)
        if len(text) == 1:                       # a blank line ends the headers
            return scan
        if ch >= 0:
            nextch = reader.getc()
            if nextch in (_SP, _TAB):            # continuation of the same header
                text.append(nextch)
                continue
            if nextch >= 0:
                reader.ungetc(nextch)
            else:
                ch = nextch

        raw = bytes(text)
        from_match = (UUCP_FROM_PATTERN.match(raw)
                      if from_line_allowed and not scan.headers and scan.from_line is None
                      else None)
        if from_match is not None:
            scan.from_line = raw
            scan.from_sender = from_match.group(1)
        else:
            verdict = _header_syntax(raw)
            if verdict != "header":
                if verdict == "no-colon":
                    scan.body_zerocount = had_zero
                scan.first_body_line = raw
                return scan
            if had_zero:
                raw = raw.replace(b"\0", b"?")
            scan.headers.append(HeaderLine(Tainted(decode(_trim_blank_continuations(raw)))))
        if ch < 0:
            scan.at_eof = True
            return scan
        text = bytearray()
        had_zero = 0
        prevlines_length = 0


def _header_syntax(line: bytes) -> str:
    """receive.c's test of a header line: "header", "space" (starts with a blank) or "no-colon".

    A name is any run of characters above space (8-bit ones included) other than ':',
    then optional blanks, then the colon.
    """
    if line[0] in _C_SPACE:
        return "space"
    i = 0
    while i < len(line) and line[i] > 32 and line[i] != 127 and line[i] != 0x3A:
        i += 1
    i = span(line, _C_SPACE, i)
    return "header" if i < len(line) and line[i] == 0x3A else "no-colon"


def _trim_blank_continuations(raw: bytes) -> bytes:
    """Drop trailing continuation lines that hold only blanks (receive.c does, for humans)."""
    end = len(raw) - 1                           # index of the final newline
    while True:
        p = end - 1
        while p >= 0 and raw[p] in (_SP, _TAB):
            p -= 1
        if p < 0 or raw[p] != _LF:
            return raw[:end + 1]
        end = p


_LINE_END = re.compile(rb"\r\n?")
_DOT_LINE = re.compile(rb"(?:\A|(?<=\n))\.\r?\n")


def _read_body(data: bytes, *, dot_ends: bool, smtp: bool
               ) -> tuple[bytes, int, int, int, bool]:
    """The body after the headers: (spool bytes, lines, NULs, longest line, ended by dot).

    The same result as receive.c's character state machines (read_message_data), done
    with whole-buffer operations: the first ``.`` line that follows a real LF (or starts
    the body) ends the input when *dot_ends*; CRLF and bare CR become LF; a non-SMTP
    body that does not end in a newline gets one.
    """
    ended_by_dot = False
    if dot_ends:
        match = _DOT_LINE.search(data)
        if match is not None:
            ended_by_dot = True
            data = data[:match.start()]
    zeros = data.count(b"\0")
    body = _LINE_END.sub(b"\n", data)
    if body and not body.endswith(b"\n") and not smtp:
        body += b"\n"
    lines = body.count(b"\n")
    longest = max(len(line) for line in body.split(b"\n"))
    return body, lines, zeros, longest, ended_by_dot
