"""Linear-search lookups: lsearch, wildlsearch, nwildlsearch, iplsearch (Exim: lookups/lsearch.c).

File format (spec: "Single-key lookup types"): one ``key: data`` entry per line, the colon
optional; the key ends at a colon or white space, or is ``"quoted"`` with backslash escapes;
lines starting with ``#`` and empty lines are ignored; a line starting with white space
continues the previous entry's data (its leading white space becomes one space), and a
comment or empty line ends the continuation. Keys are compared caselessly and the first
matching line wins.

- ``lsearch``: literal keys;
- ``wildlsearch``: each key is a one-item domain-style pattern (``*.x``, ``^regex``, even a
  lookup), expanded first; ``nwildlsearch`` does not expand it;
- ``iplsearch``: keys are IP addresses or CIDR networks; the lookup key must be an address.

The option ``ret=full`` returns the whole line (key included) instead of the data.
"""

from __future__ import annotations

from pyexim.hostaddr import host_is_in_net, ip_mask_offset, is_ip_address
from pyexim.lookups.base import (
    ABSFILE,
    Expander,
    Found,
    LookupDefer,
    LookupType,
    open_and_read,
)
from pyexim.record import field, record
from pyexim.strings import C_SPACE, dequote, lower, span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

PLAIN, WILD, NWILD, IP = "plain", "wild", "nwild", "ip"

# First characters that make a wildlsearch key more than a literal or "*tail" pattern
# (white space: a quoted key keeps it, and list splitting would trim it).
_SPECIAL_FIRST = frozenset("^!+/@ \t\n\r\v\f")


@record
class _Line:
    """A physical line: its text (trailing white space removed when it ended in a newline)."""

    text: str
    ends: bool


@record
class LsearchFile:
    """An lsearch file read into memory, with an index of literal keys built on first use."""

    lines: list[_Line]
    index: dict[str, int] | None = None
    keys: list[tuple[int, str, str]] = field(default_factory=list)


def parse_key(text: str, ret_full: bool) -> tuple[str, str, int]:
    """Split a line into (key, line-as-Exim-sees-it, index after the key).

    A quoted key is de-escaped; with ``ret=full`` Exim then slides the rest of the line up
    behind the de-escaped key, and that joined text is what ``ret=full`` returns.
    """
    if text.startswith('"'):
        key, i = dequote(text, 0)
        return key, key + text[i:], i
    i = 0
    while i < len(text) and text[i] != ":" and text[i] not in C_SPACE:
        i += 1
    return text[:i], text, i


def _read(filename: str) -> LsearchFile:
    content = open_and_read(filename, "linear search", "lsearch")
    lines = []
    for raw in content.splitlines(keepends=True):
        if raw.endswith("\n"):
            lines.append(_Line(raw.rstrip(C_SPACE), True))
        else:
            lines.append(_Line(raw, False))
    return LsearchFile(lines)


def _entries(f: LsearchFile, ret_full: bool) -> list[tuple[int, str, str]]:
    """(line number, key, line text) for every line that starts an entry."""
    if ret_full or not f.keys:
        keys = []
        for n, line in enumerate(f.lines):
            t = line.text
            if not t or t[0] == "#" or t[0] in C_SPACE:
                continue
            key, full, _ = parse_key(t, ret_full)
            keys.append((n, key, full))
        if ret_full:
            return keys
        f.keys = keys
    return f.keys


def _data(f: LsearchFile, n: int, ret_full: bool) -> str:
    """The data of the entry on line *n*, with its continuation lines joined."""
    text = f.lines[n].text
    key, full, end = parse_key(text, ret_full)
    if ret_full:
        parts = [full]
    else:
        i = end
        i = span(text, C_SPACE, i)
        if i < len(text) and text[i] == ":":
            i += 1
            i = span(text, C_SPACE, i)
        parts = [text[i:]]
    for line in f.lines[n + 1:]:
        t = line.text
        if not t or t[0] == "#" or t[0] not in C_SPACE:
            break
        parts.append(" " + t.lstrip(C_SPACE))
    return "".join(parts)


class Lsearch(LookupType):
    """One of the four linear-search types; ``kind`` selects how keys are compared."""

    style = ABSFILE

    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind

    def open(self, filename: str | None, ctx: Any) -> LsearchFile:
        assert filename is not None
        return _read(filename)

    def find(self, handle: LsearchFile, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        ret_full = bool(opts) and "ret=full" in [o.strip() for o in (opts or "").split(",")]
        if self.kind == IP and not (key == "*" or is_ip_address(key)):
            raise LookupDefer(
                f'"{key}" is not a valid iplsearch key (an IP address, with optional CIDR '
                "mask, is wanted): in a host list, use net-iplsearch as the search type")
        if self.kind == PLAIN and not ret_full:
            n = self._indexed(handle, key)
            return None if n is None else Found(_data(handle, n, False))
        match = self._matcher(key, ctx, expand)
        for n, linekey, _full in _entries(handle, ret_full):
            if match(linekey):
                return Found(_data(handle, n, ret_full))
        return None

    @staticmethod
    def _indexed(f: LsearchFile, key: str) -> int | None:
        if f.index is None:
            f.index = {}
            for n, linekey, _ in _entries(f, False):
                f.index.setdefault(lower(linekey), n)
        return f.index.get(lower(key))

    def _matcher(self, key: str, ctx: Any, expand: Expander | None) -> Callable[[str], bool]:
        if self.kind == PLAIN:
            lkey = lower(key)
            return lambda linekey: lower(linekey) == lkey
        if self.kind == IP:
            def ip_match(linekey: str) -> bool:
                if linekey == "*":
                    return key == "*"
                if key == "*":
                    return False
                maskoff = ip_mask_offset(linekey)
                return (is_ip_address(linekey, allow_mask=True) != 0
                        and host_is_in_net(key, linekey, maskoff))
            return ip_match
        from pyexim.lists import match_wild_key
        expander = expand if self.kind == WILD else None
        lkey = lower(key)

        def wild_match(linekey: str) -> bool:
            # Literal and "*tail" keys are the common case: compare them directly (as the
            # one-item list they are would); anything else goes through list matching.
            if linekey and linekey[0] not in _SPECIAL_FIRST and ";" not in linekey and \
                    "$" not in linekey and "\\" not in linekey and \
                    linekey[-1] not in C_SPACE:
                if linekey[0] != "*":
                    return lower(linekey) == lkey
                tail = lower(linekey[1:])
                return len(tail) <= len(lkey) and lkey.endswith(tail)
            return match_wild_key(key, linekey, ctx, expand=expander,
                                  expand_key=self.kind == WILD)
        return wild_match


LSEARCH = Lsearch("lsearch", PLAIN)
WILDLSEARCH = Lsearch("wildlsearch", WILD)
NWILDLSEARCH = Lsearch("nwildlsearch", NWILD)
IPLSEARCH = Lsearch("iplsearch", IP)

