"""RFC 2822 / RFC 5321 addresses as Exim reads them (Exim: parse.c; spec: "Address lists").

``extract_address`` is Exim's parse_extract_address: it takes a mailbox as written in
a header or on the command line (``Exim Person <local-part@dom.ain> (comment)``,
route-addrs, quoted local parts, domain literals) and returns the operative address,
the offsets of that address in the input, and where its domain starts. Comments are
removed, a phrase before ``<...>`` is dropped, source routes are recognised and
ignored. ``find_address_end`` finds where one address of a comma-separated list
ends; ``GroupState`` carries RFC 2822 group syntax (``name: a, b;``) from one call to
the next, as Exim's parse_allow_group/parse_found_group flags do.

Text is engine text (one character per byte). Messages are Exim's.
"""

from __future__ import annotations

from pyexim.record import record
from pyexim.strings import C_SPACE, XDIGITS, span

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SPECIALS = frozenset(' ()<>@,;:\\".[]\x7f')

# Exim refuses longer addresses (EXIM_EMAILADDR_MAX in 4.96's macros.h).
EMAILADDR_MAX = 256


def _cntrl_or_special(c: str) -> bool:
    """Exim's mac_iscntrl_or_special; the end of the text counts as special."""
    return not c or ord(c) < 32 or c in _SPECIALS


@record
class AddressOptions:
    """Main-configuration options that change address parsing."""

    allow_domain_literals: bool = False
    allow_utf8_domains: bool = False
    strip_excess_angle_brackets: bool = False
    strip_trailing_dot: bool = False


@record
class GroupState:
    """RFC 2822 group state across calls (Exim: f.parse_allow_group, f.parse_found_group).

    Set ``allow`` before scanning a header's address list; ``found`` is set while
    inside a group and cleared at its closing ``;``.
    """

    allow: bool = False
    found: bool = False


@record(frozen=True)
class ExtractedAddress:
    """The result of extract_address.

    ``address``: the operative address (quoted local part kept as written);
    ``start``/``end``: its offsets in the input (for rewriting); ``domain``: offset of the
    domain in ``address`` (0 when there is no ``@``).
    """

    address: str
    start: int
    end: int
    domain: int

    @property
    def local_part(self) -> str:
        return self.address[:self.domain - 1] if self.domain > 0 else self.address

    @property
    def domain_part(self) -> str:
        return self.address[self.domain:] if self.domain > 0 else ""


class AddressError(ValueError):
    """A mailbox that does not parse; the message is Exim's."""


class _Reader:
    """Walks one mailbox, as parse.c's static functions do with a char pointer."""

    __slots__ = ("last_comment", "n", "opts", "s")

    def __init__(self, text: str, opts: AddressOptions):
        self.s = text
        self.n = len(text)
        self.last_comment = 0
        self.opts = opts

    def ch(self, pos: int) -> str:
        return self.s[pos] if pos < self.n else ""

    def skip_comment(self, pos: int) -> int:
        """Skip white space and (nested) comments; remember where they began."""
        self.last_comment = pos
        s, n = self.s, self.n
        while pos < n:
            pos = span(s, C_SPACE, pos, n)
            if pos >= n or s[pos] != "(":
                break
            level = 1
            pos += 1
            while pos < n:
                c = s[pos]
                if c == "(":
                    level += 1
                elif c == ")":
                    level -= 1
                    if level <= 0:
                        pos += 1
                        break
                elif c == "\\" and pos + 1 < n:
                    pos += 1
                pos += 1
        return pos

    def read_domain(self, pos: int, msg_id_literals: bool = False) -> tuple[str, int, str | None]:
        """A domain (or domain literal): (domain, new position, error or None)."""
        s = self.s
        pos = self.skip_comment(pos)
        out: list[str] = []
        if self.ch(pos) == "[":
            out.append("[")
            pos += 1
            if s[pos:pos + 5].lower() in ("ipv6:", "ipv4:"):
                out.append(s[pos:pos + 5])
                pos += 5
            if msg_id_literals:
                while pos < self.n and (33 <= ord(s[pos]) <= 90 or 94 <= ord(s[pos]) <= 126):
                    out.append(s[pos])
                    pos += 1
            else:
                while pos < self.n and (s[pos] in ".:" or s[pos] in XDIGITS):
                    out.append(s[pos])
                    pos += 1
            error = None
            if self.ch(pos) == "]":
                out.append("]")
                pos += 1
            else:
                error = "malformed domain literal"
            if not self.opts.allow_domain_literals and not msg_id_literals:
                error = "domain literals not allowed"
            if error:
                return "", self.skip_comment(pos), error
            return "".join(out), self.skip_comment(pos), None

        while True:
            component_start = len(out)
            if self.ch(pos) != "-":
                if not self.opts.allow_utf8_domains:
                    while pos < self.n and (s[pos] in _ALNUM or s[pos] == "-"):
                        out.append(s[pos])
                        pos += 1
                else:
                    while pos < self.n:
                        c = s[pos]
                        if c in _ALNUM or c == "-":
                            out.append(c)
                            pos += 1
                            continue
                        o = ord(c)
                        if o & 0xC0 != 0xC0:
                            break
                        d = (o << 2) & 0xFF
                        extra = 1
                        while extra < 6 and d & 0x80:
                            d = (d << 1) & 0xFF
                            extra += 1
                        if extra == 6:
                            return "", pos, "invalid UTF-8 byte sequence"
                        out.append(c)
                        pos += 1
                        for _ in range(extra):
                            if pos >= self.n or ord(s[pos]) & 0xC0 != 0x80:
                                return "", pos, "invalid UTF-8 byte sequence"
                            out.append(s[pos])
                            pos += 1
            pos = self.skip_comment(pos)
            if len(out) == component_start:
                if self.opts.strip_trailing_dot and out and self.ch(pos) != ".":
                    out.pop()
                    return "".join(out), pos, None
                return "", pos, "domain missing or malformed"
            if self.ch(pos) != ".":
                break
            out.append(".")
            pos = self.skip_comment(pos + 1)
        return "".join(out), pos, None

    def read_local_part(self, pos: int, allow_null: bool) -> tuple[str, int, str | None]:
        """Dot-separated words, quoted strings kept with their quotes."""
        s = self.s
        out: list[str] = []
        while True:
            word_start = len(out)
            pos = self.skip_comment(pos)
            if self.ch(pos) == '"':
                out.append('"')
                pos += 1
                while pos < self.n and s[pos] != '"':
                    c = s[pos]
                    out.append(c)
                    if c == "\\" and pos + 1 < self.n:
                        pos += 1
                        out.append(s[pos])
                    pos += 1
                if pos < self.n:
                    out.append('"')
                    pos += 1
                else:
                    return "".join(out), pos, "unmatched doublequote in local part"
            else:
                while not _cntrl_or_special(self.ch(pos)) or self.ch(pos) == "\\":
                    c = s[pos]
                    out.append(c)
                    pos += 1
                    if c == "\\" and pos < self.n:
                        out.append(s[pos])
                        pos += 1
            pos = self.skip_comment(pos)
            if len(out) == word_start and self.ch(pos) != ".":
                if word_start == 0 and not allow_null:
                    return "".join(out), pos, "missing or malformed local part"
                return "".join(out), pos, None
            if self.ch(pos) != ".":
                return "".join(out), pos, None
            while self.ch(pos) == ".":
                out.append(".")
                pos += 1

    def read_route(self, pos: int) -> tuple[int, str | None]:
        """A source route ``@a,@b:``; the route itself is ignored."""
        commas = False
        while self.ch(pos) == "@":
            domain, pos, error = self.read_domain(pos + 1)
            if not domain:
                return pos, error
            if self.ch(pos) != ",":
                break
            pos = self.skip_comment(pos + 1)
            commas = True
        if self.ch(pos) == ":":
            return self.skip_comment(pos + 1), None
        return self.skip_comment(pos), ("colon expected after route list" if commas
                                        else "no local part")

    def read_addr_spec(self, pos: int, term: str) -> tuple[str, int, int, str | None]:
        """local-part[@domain] up to *term*: (address, pos, domain offset, error)."""
        local, pos, error = self.read_local_part(pos, False)
        if error:
            return local, pos, 0, error
        if self.ch(pos) == term:
            return local, pos, 0, None
        if self.ch(pos) != "@":
            return local, pos, 0, f'"@" or "." expected after "{local}"'
        domain, pos, error = self.read_domain(pos + 1)
        return local + "@" + domain, pos, len(local) + 1, error


def extract_address(mailbox: str, *, allow_null: bool = False,
                    options: AddressOptions | None = None,
                    group: GroupState | None = None) -> ExtractedAddress:
    """The operative address of an RFC 2822 mailbox (Exim's parse_extract_address).

    Raises AddressError with Exim's message when there is none. With *allow_null*,
    ``<>`` gives the empty address. *group* carries group syntax between calls.
    """
    opts = options or AddressOptions()
    grp = group or GroupState()
    r = _Reader(mailbox, opts)
    s = mailbox
    address = ""
    domain = 0

    def failed(message: str, pos: int) -> AddressError:
        if grp.found and r.ch(pos) == ";":
            grp.found = False
            grp.allow = True
        return AddressError(message)

    pos = 0
    while True:  # RESTART after a group name
        pos = r.skip_comment(pos)
        start = pos
        local, pos, error = r.read_local_part(pos, True)
        if error:
            raise failed(error, pos)
        if r.ch(pos) not in ("@", "<") or not r.ch(pos):
            if not r.ch(pos) or r.ch(pos) == ";":
                if not local:
                    raise failed("empty address", pos)
                address = local
                end = r.last_comment
                return _succeeded(r, grp, address, start, end, domain, pos)
            while r.ch(pos) != "<" and (not grp.allow or r.ch(pos) != ":"):
                local, pos, error = r.read_local_part(pos, False)
                if error:
                    raise failed(f'{error} (expected word or "<")', pos)
            if r.ch(pos) == ":":
                grp.found = True
                grp.allow = False
                pos += 1
                continue
        break

    if r.ch(pos) == "<":
        source_routed = False
        brackets = 1
        pos += 1
        if opts.strip_excess_angle_brackets:
            while r.ch(pos) == "<":
                if brackets > 5:
                    raise failed("angle-brackets nested too deep", pos)
                brackets += 1
                pos += 1
        start = pos
        pos = r.skip_comment(pos)
        if r.ch(pos) == "@":
            pos, error = r.read_route(pos)
            if error:
                raise failed(error, pos)
            source_routed = True
        if allow_null and not source_routed and r.ch(pos) == ">":
            address = ""
        else:
            address, pos, domain, error = r.read_addr_spec(pos, ">")
            if error:
                raise failed(error, pos)
            if source_routed and domain == 0:
                raise failed("domain missing in source-routed address", pos)
        end = pos
        for _ in range(brackets):
            if r.ch(pos) != ">":
                if not r.ch(pos):
                    raise failed("'>' missing at end of address", pos)
                raise failed(f"malformed address: {s[pos:pos + 32]} may not follow "
                             f"{s[:pos]}", pos + 1)
            pos += 1
        pos = r.skip_comment(pos)
    elif not local:
        # "@route:local@domain" without angle brackets.
        pos, error = r.read_route(pos)
        if error:
            raise failed(error, pos)
        address, pos, domain, error = r.read_addr_spec(pos, "")
        if error:
            raise failed(error, pos)
        end = r.last_comment
        if domain == 0:
            raise failed("domain missing in source-routed address", pos)
    else:
        domain_text, pos, error = r.read_domain(pos + 1, True)
        domain = len(local) + 1
        address = local + "@" + domain_text
        if not domain_text:
            raise failed(error or "domain missing or malformed", pos)
        end = r.last_comment
    return _succeeded(r, grp, address, start, end, domain, pos)


def _succeeded(r: _Reader, grp: GroupState, address: str, start: int, end: int, domain: int,
               pos: int) -> ExtractedAddress:
    if pos < r.n:
        if grp.found and r.ch(pos) == ";":
            grp.found = False
            grp.allow = True
        else:
            raise AddressError(f"malformed address: {r.s[pos:pos + 32]} may not follow "
                               f"{r.s[:pos]}")
    while end > 0 and r.s[end - 1] in C_SPACE:
        end -= 1
    if end - start > EMAILADDR_MAX:
        raise AddressError(f"address is ridiculously long: {address[:64]}...")
    return ExtractedAddress(address, start, end, domain)


def find_address_end(text: str, start: int = 0, nl_ends: bool = False) -> int:
    """Where the address beginning at *start* ends: at a comma (or newline) outside
    quotes, comments and angle brackets, or at the end (Exim's parse_find_address_end)."""
    s, n = text, len(text)
    pos = start
    source_routing = pos < n and s[pos] == "@"
    no_term = 1 if source_routing else 0
    while pos < n and (s[pos] != "," or no_term > 0) and (s[pos] != "\n" or not nl_ends):
        c = s[pos]
        if c == "\\" and pos + 1 < n:
            pos += 2
        elif c == '"':
            pos += 1
            while pos < n and (s[pos] != "\n" or not nl_ends):
                if s[pos] == "\\" and pos + 1 < n:
                    pos += 1
                elif s[pos] == '"':
                    pos += 1
                    break
                pos += 1
        elif c == "(":
            level = 1
            pos += 1
            while pos < n and (s[pos] != "\n" or not nl_ends):
                if s[pos] == "\\" and pos + 1 < n:
                    pos += 1
                elif s[pos] == "(":
                    level += 1
                elif s[pos] == ")":
                    level -= 1
                    if level <= 0:
                        pos += 1
                        break
                pos += 1
        else:
            if c == "<":
                source_routing = pos + 1 < n and s[pos + 1] == "@"
                no_term = 2 if source_routing else 1
            elif c == ">" or source_routing and c == ":":
                no_term -= 1
            pos += 1
    return pos


def find_at(address: str) -> int:
    """Index of the last unescaped ``@`` outside quotes, or -1 (Exim's parse_find_at)."""
    t = len(address) - 1
    while t >= 0:
        c = address[t]
        if c == "@":
            backslashes = 0
            tt = t - 1
            while tt > 0 and address[tt] == "\\":
                backslashes += 1
                tt -= 1
            if backslashes % 2 == 0:
                return t
        elif c == '"':
            return -1
        t -= 1
    return -1


def quote_local_part(local_part: str) -> str:
    """A local part quoted as RFC 2822 requires (Exim's ${quote_local_part:})."""
    needs = not local_part
    for i, c in enumerate(local_part):
        if c not in _ALNUM and c not in "!#$%&'*+-/=?^_`{|}~" and (
                c != "." or i == 0 or i == len(local_part) - 1):
            needs = True
            break
    return quoted_string(local_part) if needs else local_part


def quoted_string(text: str) -> str:
    """*text* in double quotes, with backslashes before ``\\`` and ``"`` and newlines and
    carriage returns written as ``\\n`` and ``\\r`` (Exim's ${quote:} form)."""
    out = ['"']
    for c in text:
        if c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        else:
            if c in '\\"':
                out.append("\\")
            out.append(c)
    out.append('"')
    return "".join(out)
