"""Textual IP addresses as Exim reads them: recognition, masks, networks, reverse names.

Exim's own rules, not Python's ``ipaddress``: Exim accepts a scope suffix (``fe80::1%eth0``)
and odd masks (``1.2.3.4/`` is ``/0``), compares ``::ffff:a.b.c.d`` with IPv4 networks, and prints masked networks in its own forms (``net-`` lookup keys). These
helpers copy those rules (Exim: string.c ``string_is_ip_address``, host.c ``host_aton``,
``host_mask``, ``host_nmtoa``, ``host_is_in_net``; dns.c ``dns_build_reverse``).

Used by host lists (pyexim.lists), ``iplsearch`` and ``dnsdb`` (pyexim.lookups), and the
expansion conditions ``isip``, ``match_ip`` and operators like ``mask`` and ``reverse_ip``.
"""

from __future__ import annotations

# _socket, not socket: the C functions without socket.py's enum set-up at import.
from _socket import AF_INET, AF_INET6, inet_pton
from functools import lru_cache

from pyexim.strings import PUNCT, XDIGITS, span, strtol


def extract_port(text: str) -> tuple[str, int]:
    """Exim's host_address_extract_port: split ``[addr]:port``, ``a.b.c.d.port`` or
    ``v6::addr.port`` into (address, port). A text without a valid port comes back whole,
    with port 0; so does a malformed one, which the caller then refuses as an address."""
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            return text, 0
        rest = text[close + 1:]
        if rest.startswith(":"):
            port = _whole_strtol10(rest[1:])
            return (text, 0) if port is None else (text[1:close], port)
        return (text, 0) if rest else (text[1:close], 0)
    skip = -3                        # IPv4: the port follows the fourth dot
    for index, char in enumerate(text):
        if char == ":":
            skip = 0                 # IPv6: the port follows the first dot
        elif char == ".":
            if skip >= 0:
                port = _whole_strtol10(text[index + 1:])
                return (text, 0) if port is None else (text[:index], port)
            skip += 1
    return text, 0


def _whole_strtol10(text: str) -> int | None:
    """C ``strtol`` that must use all of *text* (an empty text is 0); None otherwise."""
    if not text:
        return 0
    value, end, _overflow = strtol(text)
    return value if end == len(text) else None


def ip_mask_offset(s: str) -> int:
    """The offset of the ``/`` that starts a mask in *s*, or 0 when there is none."""
    slash = s.find("/")
    return slash if slash > 0 else 0


@lru_cache(maxsize=4096)
def is_ip_address(s: str, *, allow_mask: bool = False) -> int:
    """4 or 6 when *s* is a textual IPv4 or IPv6 address, else 0 (Exim's
    ``string_is_ip_address``).

    Debian's Exim 4.96 carries the stricter check of later Exim: the address must satisfy
    the C library's ``inet_pton`` (so ``01.2.3.4`` and ``12345::1`` are not addresses).
    With *allow_mask*, ``/bits`` may follow (any number, even none: ``1.2.3.4/`` is a
    zero-bit mask); an IPv6 address may carry a ``%scope`` instead.
    """
    end = len(s)
    slash = s.find("/")
    if slash >= 0:
        if not allow_mask:
            return 0
        value, used, _overflow = strtol(s, 10, slash + 1)
        if used != len(s) or value < 0:
            return 0
        end = slash
    percent = s.find("%")
    if percent >= 0:
        if slash >= 0:
            return 0
        if not all((c.isascii() and c.isalnum()) or c in PUNCT for c in s[percent + 1:]):
            return 0
        end = percent
    addr = s[:end]
    family = AF_INET6 if ":" in addr else AF_INET
    try:
        inet_pton(family, addr)
    except (OSError, ValueError, UnicodeError):
        return 0
    if family == AF_INET6:
        return 6
    return 0 if percent >= 0 else 4


def _c_strtol16(s: str) -> int:
    """C ``strtol(s, NULL, 16)``: leading hex digits, 0 when there are none."""
    j = span(s, XDIGITS)
    return int(s[:j], 16) if j else 0


def _ipv4_words(address: str) -> int:
    """The 32-bit value of a dotted quad, scanned like ``sscanf("%d.%d.%d.%d")``."""
    parts = [0, 0, 0, 0]
    i = 0
    for k in range(4):
        if k:
            if i >= len(address) or address[i] != ".":
                break
            i += 1
        value, end, _overflow = strtol(address, 10, i)
        if end == i:
            break
        parts[k] = value
        i = end
    return ((parts[0] << 24) + (parts[1] << 16) + (parts[2] << 8) + parts[3]) & 0xFFFFFFFF


def host_aton(address: str) -> list[int]:
    """An address as 32-bit words: one for IPv4, four for IPv6 (Exim's ``host_aton``).

    The input must already be known to be an address (``is_ip_address``); a scope suffix
    and a mask are ignored.
    """
    return list(_aton(address))


@lru_cache(maxsize=4096)
def _aton(address: str) -> tuple[int, ...]:
    core = address.split("%", 1)[0].split("/", 1)[0]
    try:
        packed = inet_pton(AF_INET6 if ":" in core else AF_INET, core)
    except (OSError, ValueError, UnicodeError):
        return tuple(_scan_aton(address))
    return tuple(int.from_bytes(packed[i:i + 4], "big") for i in range(0, len(packed), 4))


def _scan_aton(address: str) -> list[int]:
    """host_aton's own scanner, for text inet_pton does not take (Exim never checks)."""
    if ":" in address:
        p = address[1:] if address.startswith(":") else address
        p = p.split("%", 1)[0]
        # Scan as host_aton does: a trailing "::" yields one empty component, not two.
        components: list[str] = []
        nulloffset = 0
        i = 0
        while i < len(p):
            j = p.find(":", i)
            j = len(p) if j < 0 else j
            if j == i:
                nulloffset = len(components)
            components.append(p[i:j])
            i = j + 1 if j < len(p) else j
        v6count = 8
        v4_tail: str | None = None
        if components and "." in components[-1]:
            v4_tail = components.pop()
            v6count = 6
        ci = len(components)
        comps = list(components) + [""] * max(0, v6count - ci)
        if ci < v6count:
            insert = v6count - ci
            i = v6count - 1
            while i > nulloffset + insert:
                comps[i] = comps[i - insert]
                i -= 1
            while i > nulloffset:
                comps[i] = ""
                i -= 1
        words = [((_c_strtol16(comps[i]) << 16) + _c_strtol16(comps[i + 1])) & 0xFFFFFFFF
                 for i in range(0, v6count, 2)]
        if v4_tail is None:
            return words
        return words + [_ipv4_words(v4_tail)]
    return [_ipv4_words(address)]


def host_mask(words: list[int], mask: int) -> list[int]:
    """*words* with all but the top *mask* bits cleared; a negative mask keeps everything."""
    if mask < 0:
        return list(words)
    out = []
    for w in words:
        if mask == 0:
            wordmask = 0
        elif mask < 32:
            wordmask = (0xFFFFFFFF << (32 - mask)) & 0xFFFFFFFF
            mask = 0
        else:
            wordmask = 0xFFFFFFFF
            mask -= 32
        out.append(w & wordmask)
    return out


def host_nmtoa(words: list[int], mask: int, sep: str = ":") -> str:
    """Exim's text form of a (masked) address: ``1.2.3.0/24`` or ``abcd:0000:...`` with *sep*.

    IPv6 is printed as eight zero-padded groups joined by *sep* (``.`` for ``net-`` lookup
    keys, so that the key contains no list separator); a negative *mask* prints no ``/n``.
    """
    if len(words) == 1:
        w = words[0]
        text = ".".join(str((w >> s) & 255) for s in (24, 16, 8, 0))
    else:
        text = sep.join(f"{(w >> 16) & 0xFFFF:04x}{sep}{w & 0xFFFF:04x}" for w in words)
    return text if mask < 0 else f"{text}/{mask}"


def host_is_in_net(host: str, net: str, maskoffset: int = 0) -> bool:
    """True when address *host* lies in *net* (an address, with a mask at *maskoffset* if > 0).

    ``::ffff:a.b.c.d`` hosts are compared as IPv4, as Exim does for IPv4 clients that
    reach an IPv6 socket.
    """
    address = host_aton(net)
    mlen = 99999 if maskoffset == 0 else _atoi(net[maskoffset + 1:])
    incoming = host_aton(host)
    if len(incoming) == 4 and incoming[0] == 0 and incoming[1] == 0 and incoming[2] == 0xFFFF:
        incoming = [incoming[3]]
    if len(incoming) != len(address):
        return False
    return host_mask(incoming, mlen) == host_mask(address, mlen)


def _atoi(s: str) -> int:
    return strtol(s)[0]


def reverse_name(address: str) -> str:
    """The PTR name for an address: ``4.3.2.1.in-addr.arpa`` or nibbles + ``ip6.arpa.``.

    The IPv6 form keeps Exim's trailing dot.
    """
    if ":" not in address:
        return ".".join(reversed(address.split(".")[-4:])) + ".in-addr.arpa"
    words = host_aton(address)
    nibbles = []
    for w in reversed(words[:4]):
        for shift in range(0, 32, 4):
            nibbles.append(f"{(w >> shift) & 15:x}")
    return ".".join(nibbles) + ".ip6.arpa."
