"""Reading one SMTP command line as Exim 4.96 reads it (Exim: smtp_in.c ``smtp_read_command``,
``extract_option``; auths/xtextdecode.c).

Rules of this file, each copied from Exim on purpose:

* A command line ends at LF; a CR before it is not required. Trailing white space
  (C ``isspace``: space, tab, CR, VT, FF) is removed, so ``NOOP\\r\\r\\n`` is ``NOOP``.
* A line holding a NUL is refused whatever it says ("501 NUL characters are not
  allowed in SMTP commands").
* A verb is recognised case-insensitively when the line starts with its name and the
  name is followed by the end of the line or a *space* (a tab does not count:
  ``NOOP\\tx`` is unrecognized). ``MAIL FROM:`` and ``RCPT TO:`` include their colon,
  so ``MAIL FROM:<a@b>`` and ``MAIL FROM: <a@b>`` both match, ``MAIL FROM :<a@b>``
  does not. The argument starts after any white space that follows the name.
* A verb that takes no argument (DATA, QUIT, RSET, STARTTLS) given one is answered
  "501 unexpected argument data".
* ESMTP parameters of MAIL and RCPT are taken off the *end* of the argument, one at a
  time (``extract_option``); what is left is the address text.
"""

from __future__ import annotations

import enum

from pyexim.record import record
from pyexim.strings import C_SPACE, XDIGITS

#: C ``isspace`` in the C locale.
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


class Verb(enum.Enum):
    """The commands Exim knows, plus the pseudo-commands its reader returns."""

    HELO = "HELO"
    EHLO = "EHLO"
    DATA = "DATA"
    VRFY = "VRFY"
    EXPN = "EXPN"
    NOOP = "NOOP"
    ETRN = "ETRN"
    STARTTLS = "STARTTLS"
    MAIL = "MAIL"
    RCPT = "RCPT"
    RSET = "RSET"
    BDAT = "BDAT"
    AUTH = "AUTH"
    QUIT = "QUIT"
    HELP = "HELP"
    UNKNOWN = "UNKNOWN"    # no verb matched, or the line was too long
    BADCHAR = "BADCHAR"    # the line held a NUL


@record(frozen=True, slots=True)
class VerbInfo:
    """One row of Exim's command table.

    ``prefix`` is what the line must start with (lower case); ``has_arg`` whether an
    argument is allowed; ``sync`` whether the command must end a pipelining group
    (it is a synchronisation error if more input is waiting when it is read), and
    ``sync_unless_pipelining`` whether it must do so only when PIPELINING has not been
    advertised.
    """

    prefix: str
    has_arg: bool
    sync: bool = False
    sync_unless_pipelining: bool = False


#: Exim's ``cmd_list``, in its order. The sync columns come from the order of Exim's
#: command enum: HELO..STARTTLS always synchronise, MAIL/RCPT/RSET only without
#: PIPELINING, and BDAT, AUTH, QUIT and HELP never (BDAT is checked after its chunk).
VERBS: dict[Verb, VerbInfo] = {
    Verb.RSET: VerbInfo("rset", False, sync_unless_pipelining=True),
    Verb.HELO: VerbInfo("helo", True, sync=True),
    Verb.EHLO: VerbInfo("ehlo", True, sync=True),
    Verb.AUTH: VerbInfo("auth", True),
    Verb.STARTTLS: VerbInfo("starttls", False, sync=True),
    Verb.MAIL: VerbInfo("mail from:", True, sync_unless_pipelining=True),
    Verb.RCPT: VerbInfo("rcpt to:", True, sync_unless_pipelining=True),
    Verb.DATA: VerbInfo("data", False, sync=True),
    Verb.BDAT: VerbInfo("bdat", True),
    Verb.QUIT: VerbInfo("quit", False),
    Verb.NOOP: VerbInfo("noop", True, sync=True),
    Verb.ETRN: VerbInfo("etrn", True, sync=True),
    Verb.VRFY: VerbInfo("vrfy", True, sync=True),
    Verb.EXPN: VerbInfo("expn", True, sync=True),
    Verb.HELP: VerbInfo("help", True),
}


@record(frozen=True, slots=True)
class CommandLine:
    """A command line split as Exim splits it.

    ``text`` is the whole line with trailing white space removed (Exim's
    ``$smtp_command``; a NUL shows as ``?``), ``verb`` the command recognised and
    ``argument`` the rest after the verb and its following white space
    (``$smtp_command_argument``).
    """

    text: str
    verb: Verb
    argument: str = ""

    @property
    def info(self) -> VerbInfo | None:
        """The command table row of the verb (None for UNKNOWN and BADCHAR)."""
        return VERBS.get(self.verb)


def decode_text(data: bytes) -> str:
    """Peer bytes as text: UTF-8, with other bytes kept losslessly as surrogate escapes."""
    return data.decode("utf-8", "surrogateescape")


def parse_command(line: bytes) -> CommandLine:
    """Split one command line (without its LF) into verb and argument."""
    if b"\x00" in line:
        return CommandLine(decode_text(line.replace(b"\x00", b"?")).rstrip(C_SPACE),
                           Verb.BADCHAR)
    text = decode_text(line).rstrip(C_SPACE)
    lowered = text[:10].lower()
    for verb, info in VERBS.items():
        size = len(info.prefix)
        if lowered.startswith(info.prefix) and (
                info.prefix[-1] == ":" or len(text) == size or text[size] == " "):
            return CommandLine(text, verb, text[size:].lstrip(C_SPACE))
    return CommandLine(text, Verb.UNKNOWN)


# ---------------------------------------------------------------------------
# ESMTP parameters on MAIL and RCPT
# ---------------------------------------------------------------------------

@record(frozen=True, slots=True)
class Extracted:
    """One parameter taken off the end of an argument by ``extract_option``.

    ``before`` is the argument with trailing white space removed, as it stood before
    the parameter was taken (what Exim puts back for a parameter it does not know);
    ``rest`` what precedes the parameter. For a parameter without ``=``, ``value`` is
    the same as ``name`` (Exim points both at the same string).
    """

    before: str
    rest: str
    name: str
    value: str


def extract_option(data: str) -> Extracted | str:
    """Take the last ``NAME=VALUE`` or ``KEYWORD`` off *data* (Exim: ``extract_option``).

    Returns the parameter, or -- when there is none -- *data* with its trailing white
    space removed. A name is the run of ASCII letters before ``=`` and must follow
    white space; a double-quoted stretch is stepped over so a quoted local part with
    spaces is not split.
    """
    end = len(data) - 1
    while end > 0 and data[end] in C_SPACE:
        end -= 1
    data = data[:end + 1]
    v = end
    while v > 0 and data[v] != "=" and data[v] not in C_SPACE:
        if data[v] == '"':
            v -= 1
            while v > 0 and data[v] != '"':
                v -= 1
            if v <= 0:
                return data
        v -= 1
    if v <= 0:
        return data
    if data[v] == "=":
        n = v
        while n > 0 and data[n - 1] in _ALPHA:
            n -= 1
        if n <= 0 or data[n - 1] not in C_SPACE:
            return data
        return Extracted(data, data[:n - 1], data[n:v], data[v + 1:])
    word = data[v + 1:]
    return Extracted(data, data[:v], word, word)


def xtext_decode(code: str) -> str | None:
    """Decode RFC 3461 xtext (``+2B`` for ``+``); None when malformed (Exim: auth_xtextdecode).

    Characters below 33, above 127, ``=`` and a ``+`` not followed by two hex digits
    make it malformed.
    """
    out: list[str] = []
    i = 0
    while i < len(code):
        c = code[i]
        if not 33 <= ord(c) <= 127 or c == "=":
            return None
        if c == "+":
            pair = code[i + 1:i + 3]
            if len(pair) != 2 or not set(pair) <= XDIGITS:
                return None
            out.append(chr(int(pair, 16)))
            i += 3
        else:
            out.append(c)
            i += 1
    return "".join(out)


def c_strtoul(value: str) -> int | None:
    """C ``strtoul(value, &end, 10)`` when it consumes all of *value*, else None.

    Leading white space and a sign are accepted as C accepts them; a negative number
    wraps to a huge one, as ``unsigned long`` does.
    """
    s = value.lstrip(C_SPACE)
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s or not s.isdigit() or not s.isascii():
        return None
    number = int(s)
    return number if sign > 0 else (-number) % (1 << 64)


def c_scan_uint(text: str) -> tuple[int, str] | None:
    """C ``sscanf(text, "%u %n")``: an unsigned number, then the text after it and its white space.

    None when no number can be read. Out-of-range values wrap at 2**32 as ``%u`` does.
    """
    s = text.lstrip(C_SPACE)
    i = 0
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        i = 1
    j = i
    while j < len(s) and "0" <= s[j] <= "9":
        j += 1
    if j == i:
        return None
    number = (int(s[i:j]) * sign) % (1 << 32)
    return number, s[j:].lstrip(C_SPACE)
