"""Walking a list of addresses as the filter code in Exim does (Exim: parse.c).

Used by ``foranyaddress``, the log text of ``mail``, and Sieve's ``address`` test.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyexim.address import (
    AddressError,
    ExtractedAddress,
    GroupState,
    extract_address,
    find_address_end,
)


def address_list(text: str, *, groups: bool = False) -> Iterator[ExtractedAddress | None]:
    """Each comma-separated address of *text*: its operative address, or None if it
    does not parse. With *groups*, RFC 2822 group syntax (``name: a, b;``) is allowed,
    as Exim allows it while scanning header lines."""
    state = GroupState(allow=groups)
    pos = 0
    while pos < len(text):
        end = find_address_end(text, pos)
        try:
            yield extract_address(text[pos:end], group=state)
        except AddressError:
            yield None
        if end >= len(text):
            return
        pos = end + 1
