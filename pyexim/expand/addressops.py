"""Operators on addresses: ``${address:}``, ``${addresses:}``, ``${domain:}``,
``${local_part:}`` (mail addresses, through pyexim.address) and ``${mask:}``,
``${ipv6norm:}``, ``${ipv6denorm:}``, ``${reverse_ip:}`` (IP addresses, through
pyexim.hostaddr). Exim: expand.c EOP_ADDRESS..., EOP_MASK..., verify.c invert_address.
"""

from __future__ import annotations

from pyexim import hostaddr
from pyexim.address import (
    AddressError,
    AddressOptions,
    GroupState,
    extract_address,
    find_address_end,
)
from pyexim.expand.evaluator import ExpansionError
from pyexim.strings import SPACE, span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.address import ExtractedAddress
    from pyexim.expand.evaluator import Evaluator


def _address_options(ev: Evaluator) -> AddressOptions:
    o = ev.ctx.options
    return AddressOptions(o.allow_domain_literals, o.allow_utf8_domains,
                          o.strip_excess_angle_brackets, o.strip_trailing_dot)


def op_mask(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    kind = hostaddr.is_ip_address(text, allow_mask=True)
    if kind == 0:
        raise ExpansionError(f'"{text}" is not an IP address')
    offset = hostaddr.ip_mask_offset(text)
    if offset == 0:
        raise ExpansionError(f'missing mask value in "{text}"')
    mask_text = text[offset + 1:]
    mask = int(mask_text) if mask_text.isdigit() else -1
    if mask < 0 or mask > (32 if kind == 4 else 128):
        raise ExpansionError(f'mask value too big in "{text}"')
    words = hostaddr.host_mask(hostaddr.host_aton(text[:offset]), mask)
    if kind == 4 or not (arg and arg.startswith("n")):
        return hostaddr.host_nmtoa(words, mask, ".")
    return f"{ipv6_nmtoa(words).rstrip(chr(0))}/{mask}"


def ipv6_nmtoa(words: list[int]) -> str:
    """Exim's ipv6_nmtoa: compressed IPv6 text (the longest run of zero groups, even a
    single one, becomes "::"; the first of equal runs wins)."""
    groups: list[int] = []
    for w in words[:4]:
        groups.extend(((w >> 16) & 0xFFFF, w & 0xFFFF))
    best_start, best_len = -1, 0
    i = 0
    while i < 8:
        if groups[i] == 0:
            j = i
            while j + 1 < 8 and groups[j + 1] == 0:
                j += 1
            if j - i + 1 > best_len:
                best_start, best_len = i, j - i + 1
            i = j + 1
        else:
            i += 1
    text = [format(g, "x") for g in groups]
    if best_start < 0:
        return ":".join(text)
    # Exim's compressed form carries a NUL (its length counts the terminator), which
    # ends the text wherever it is inserted; and the all-zero address loses a colon.
    # Both copied on purpose.
    if best_len == 8:
        return ":\0"
    head = ":".join(text[:best_start])
    tail = ":".join(text[best_start + best_len:])
    return f"{head}::{tail}\0"


def _ipv6_words(ev: Evaluator, text: str) -> list[int]:
    kind = hostaddr.is_ip_address(text)
    if kind == 6:
        return hostaddr.host_aton(text)
    if kind == 4:
        return [0, 0, 0x0000FFFF] + hostaddr.host_aton(text)
    raise ExpansionError(f'"{text}" is not an IP address')


def op_ipv6norm(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return ipv6_nmtoa(_ipv6_words(ev, text))


def op_ipv6denorm(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return hostaddr.host_nmtoa(_ipv6_words(ev, text), -1, ":")


def _extracted(ev: Evaluator, text: str) -> ExtractedAddress | None:
    try:
        return extract_address(text, options=_address_options(ev))
    except AddressError:
        return None


def op_address(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    found = _extracted(ev, text)
    return found.address if found else ""


def op_local_part(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    found = _extracted(ev, text)
    return found.local_part if found else ""


def op_domain(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    found = _extracted(ev, text)
    return found.domain_part if found else ""


def op_addresses(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    sub = text
    pos = span(sub, SPACE)
    outsep = ":"
    if pos < len(sub) and sub[pos] == ">":
        if pos + 1 >= len(sub):
            raise ExpansionError(f"output separator missing in expanding ${{addresses:{sub[pos:]}}}")
        outsep = sub[pos + 1]
        pos += 2
    group = GroupState(allow=True)
    options = _address_options(ev)
    out: list[str] = []
    while True:
        end = find_address_end(sub, pos)
        try:
            address = extract_address(sub[pos:end], options=options, group=group).address
        except AddressError:
            address = None
        if address is not None:
            if out and address.startswith(outsep):
                out.append(" ")
            out.append(address.replace(outsep, outsep + outsep))
            out.append(outsep)
        if end >= len(sub):
            break
        pos = end + 1
    if out:
        out.pop()
    return "".join(out)


def op_reverse_ip(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    if hostaddr.is_ip_address(text, allow_mask=True) == 0:
        raise ExpansionError(f"reverse_ip() not given an IP address [{text}]")
    address = text.removeprefix("::ffff:")
    words = hostaddr.host_aton(address)
    if len(words) == 1:
        w = words[0]
        return ".".join(str((w >> s) & 255) for s in (0, 8, 16, 24))
    nibbles = []
    for w in reversed(words[:4]):
        for shift in range(0, 32, 4):
            nibbles.append(format((w >> shift) & 15, "x"))
    return ".".join(nibbles)
