"""SMTP replies as values: build, serialize and parse them (RFC 5321 section 4.2; Exim: smtp_in.c).

A ``Reply`` is a code and one or more text lines. The server machine turns it into
bytes with ``to_bytes``; the client machine builds one from the wire with
``ReplyParser``. Exim-specific ways of making replies live here too:
``Reply.from_message`` splits a message at newlines as Exim's ``smtp_respond`` does,
and ``Reply.from_user_message`` lets a message override the code the way an ACL
``message =`` starting with ``550 5.7.1 ...`` does (Exim: ``smtp_message_code``).
"""

from __future__ import annotations

import re

from pyexim.record import field, record
from pyexim.smtp.errors import RemoteProtocolError

#: Exim's pattern for a reply code (and optional enhanced status code) at the start of
#: a configured message; the trailing white space character belongs to the match.
_USER_CODE = re.compile(r"^\d\d\d\s(?:\d\.\d\d?\d?\.\d\d?\d?\s)?")


def _encode(text: str) -> bytes:
    """Reply text as bytes: UTF-8, with peer bytes that were not UTF-8 given back as they came."""
    return text.encode("utf-8", "surrogateescape")


@record(frozen=True, slots=True)
class Reply:
    """One SMTP reply: a three-digit ``code`` and its text ``lines`` (at least one).

    ``enhanced`` is an RFC 3463 status such as ``"5.7.1"``, written after the code on
    every line. ``echo`` is how Exim repeats this reply in the
    ``503-All RCPT commands were rejected with this error:`` group: a reply to RCPT
    made from an ACL message repeats just that message, any other reply its whole
    first line with the code (``503-503 sender not yet given``) -- a quirk of Exim
    (smtp_respond records the message, smtp_printf the formatted line), copied on
    purpose. ``None`` means the whole first line.
    """

    code: int
    lines: tuple[str, ...] = ("",)
    enhanced: str | None = None
    echo: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not 100 <= self.code <= 599:
            raise ValueError(f"SMTP reply code out of range: {self.code}")
        if not self.lines:
            raise ValueError("an SMTP reply needs at least one line")
        for line in self.lines:
            if "\n" in line:
                raise ValueError(f"SMTP reply line contains LF: {line!r}")

    @classmethod
    def line(cls, code: int, text: str, *, enhanced: str | None = None) -> Reply:
        """A one-line reply, e.g. ``Reply.line(250, "OK")``."""
        return cls(code, (text,), enhanced)

    @classmethod
    def from_message(cls, code: int, message: str, *, enhanced: str | None = None,
                     acl: bool = False) -> Reply:
        """A reply from a message that may contain newlines, split as Exim splits it.

        Each newline starts a new line; white space after a newline is dropped, and a
        single trailing newline adds no empty line (Exim: ``smtp_respond``). With
        *acl*, the reply is marked as coming from an ACL message (see ``echo``).
        """
        lines: list[str] = []
        rest = message
        while True:
            nl = rest.find("\n")
            if nl < 0:
                lines.append(rest)
                break
            lines.append(rest[:nl])
            rest = rest[nl + 1:]
            if not rest:
                break
            rest = rest.lstrip(" \t\n\v\f\r")
        return cls(code, tuple(lines), enhanced, echo=message if acl else None)

    @classmethod
    def from_user_message(cls, default_code: int, message: str, *,
                          check_valid: bool = True) -> Reply:
        """A reply for an ACL-supplied *message*, which may start with its own code.

        ``"550 5.7.1 go away"`` replaces *default_code* and adds the enhanced status;
        with *check_valid*, a code whose first digit differs from *default_code*'s is
        ignored (Exim logs it to the paniclog and keeps the default code) -- the
        message text loses the code either way (Exim: ``smtp_message_code``).
        """
        code, enhanced, text = default_code, None, message
        match = _USER_CODE.match(message)
        if match:
            text = message[match.end():]
            if not check_valid or message[0] == str(default_code)[0]:
                code = int(message[:3])
                parts = match.group(0)[4:].split()
                enhanced = parts[0] if parts else None
        return cls.from_message(code, text, enhanced=enhanced, acl=True)

    @property
    def text(self) -> str:
        """The lines joined by newlines (without code or enhanced status)."""
        return "\n".join(self.lines)

    @property
    def first_line(self) -> str:
        """The first line as it goes on the wire, without CRLF: ``"550 relay not permitted"``."""
        return f"{self.code} {self._prefix()}{self.lines[0]}"

    @property
    def positive(self) -> bool:
        """True for 2xx and 3xx replies: the command was accepted (or may go on)."""
        return self.code < 400

    def echo_text(self) -> str:
        """The text Exim repeats for this reply in the all-RCPT-rejected group."""
        return self.echo if self.echo is not None else self.first_line

    def _prefix(self) -> str:
        return f"{self.enhanced} " if self.enhanced else ""

    def to_bytes(self) -> bytes:
        """The reply on the wire: ``250-first`` ... ``250 last``, each ending in CRLF."""
        prefix = self._prefix()
        last = len(self.lines) - 1
        out = [f"{self.code}{' ' if i == last else '-'}{prefix}{text}\r\n"
               for i, text in enumerate(self.lines)]
        return _encode("".join(out))

    def __str__(self) -> str:
        return self.to_bytes().decode("utf-8", "surrogateescape").rstrip("\r\n")


def join_replies(*replies: Reply) -> Reply:
    """Several replies sent as one multi-line reply with the code of the last (Exim's
    preliminary lines, e.g. the all-RCPT-rejected group before the final 503)."""
    lines: list[str] = []
    for reply in replies:
        lines.extend(f"{reply._prefix()}{text}" for text in reply.lines)
    return Reply(replies[-1].code, tuple(lines))


# ---------------------------------------------------------------------------
# Parsing replies (the client side)
# ---------------------------------------------------------------------------

@record
class ReplyParser:
    """Incremental parser of server replies: feed bytes, take complete ``Reply`` values.

    Lines end at LF (a CR before it is dropped). Each line must start with three
    digits followed by ``-``, space or the end of the line; continuation lines must
    carry the same code. A reply longer than *max_reply* octets, or with more than
    *max_lines* lines, is a ``RemoteProtocolError`` rather than unbounded memory.
    Enhanced status codes are not split off: a client cannot know whether the
    server uses them, so they stay at the start of each line's text.
    """

    max_reply: int = 65536
    max_lines: int = 1000
    _buffer: bytearray = field(default_factory=bytearray)
    _lines: list[str] = field(default_factory=list)
    _code: int | None = None
    _size: int = 0

    def feed(self, data: bytes) -> None:
        """Add bytes received from the server."""
        self._buffer += data

    @property
    def pending(self) -> bool:
        """True when bytes of an incomplete reply are buffered."""
        return bool(self._buffer) or bool(self._lines)

    def next_reply(self) -> Reply | None:
        """The next complete reply, or None when more bytes are needed.

        Raises ``RemoteProtocolError`` for a malformed or oversized reply.
        """
        while True:
            nl = self._buffer.find(b"\n")
            if nl < 0:
                if self._size + len(self._buffer) > self.max_reply:
                    raise RemoteProtocolError("SMTP reply too long")
                return None
            raw = bytes(self._buffer[:nl])
            del self._buffer[:nl + 1]
            self._size += nl + 1
            if self._size > self.max_reply:
                raise RemoteProtocolError("SMTP reply too long")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            line = raw.decode("utf-8", "surrogateescape")
            if len(line) < 3 or not line[:3].isdigit() or not line[:3].isascii() or (
                    len(line) > 3 and line[3] not in "- "):
                raise RemoteProtocolError(f"malformed SMTP reply line: {line[:80]!r}")
            code = int(line[:3])
            if not 100 <= code <= 599 or (self._code is not None and code != self._code):
                raise RemoteProtocolError(f"malformed SMTP reply line: {line[:80]!r}")
            self._code = code
            self._lines.append(line[4:])
            if len(self._lines) > self.max_lines:
                raise RemoteProtocolError("SMTP reply has too many lines")
            if len(line) == 3 or line[3] == " ":
                reply = Reply(code, tuple(self._lines))
                self._lines, self._code, self._size = [], None, 0
                return reply
