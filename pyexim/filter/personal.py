"""The "personal" test shared by Exim filters and Sieve's vacation (Exim: filter.c filter_personal,
header.c header_match).

A message is personal when no mailing-list or auto-submitted header is present, the
recipient (or an alias) is in To: (and, for Sieve, Cc:/Bcc:), the sender does not look
like a daemon or a list (From: patterns), Precedence: is not bulk/list/junk, and the
envelope sender is not empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pyexim.address import AddressError, extract_address, find_address_end
from pyexim.filter.env import Envelope
from pyexim.filter.matching import strstric
from pyexim.regex import compile_pcre
from pyexim.strings import lower, strcmpic

# RFC 2369 / RFC 2919 list headers that make a message impersonal (checked since Exim 4.54).
_LIST_HEADERS = ("id:", "help:", "subscribe:", "unsubscribe:", "post:", "owner:", "archive:")

# From: patterns of senders that are not people (filter.c filter_personal).
_NOT_PERSONAL_FROM = ("^server@", "^daemon@", "^root@", "^listserv@", "^majordomo@",
                      "^.*?-request@", "^owner-[^@]+@")


def _header_matches(headers: Sequence[str], name: str, has_addresses: bool,
                    patterns: Sequence[str]) -> bool:
    """True when a header called *name* (with its colon) matches one of *patterns*.

    A pattern starting with ``^`` is a caseless regular expression; otherwise, in an
    address header it must equal an address caselessly, elsewhere it need only occur
    in the header line (Exim's header_match, with its one_pattern_match helper).
    """
    wanted = [h for h in headers if lower(h[:len(name)]) == lower(name)]
    for pattern in patterns:
        regex = compile_pcre(pattern, caseless=True) if pattern.startswith("^") else None
        for header in wanted:
            if _one_header_matches(header, len(name), has_addresses, pattern, regex):
                return True
    return False


def _one_header_matches(header: str, name_length: int, has_addresses: bool, pattern: str,
                        regex: re.Pattern[str] | None) -> bool:
    if not has_addresses:
        return bool(regex.search(header)) if regex else strstric(header, pattern) >= 0
    pos = name_length
    while pos < len(header):
        end = find_address_end(header, pos)
        try:
            address = extract_address(header[pos:end]).address
        except AddressError:
            return False      # a syntax error: Exim gives up on this header line
        pos = end + 1 if end < len(header) and header[end] == "," else end
        if regex.search(address) if regex else strcmpic(address, pattern) == 0:
            return True
    return False


def is_personal(headers: Sequence[str], envelope: Envelope, aliases: Sequence[str],
                scan_cc: bool) -> bool:
    """Exim's personal test over the message's (live) *headers*; Sieve also scans Cc: and Bcc:.

    Address rewriting rules are not applied to the recipient's own address here
    (Exim passes it through the From/To rewriting rules first).
    """
    for header in headers:
        folded = lower(header)
        if folded.startswith("list-") and folded[5:].startswith(_LIST_HEADERS):
            return False
        if folded.startswith("auto-submitted:"):
            value = folded[15:].strip(" \t\n\v\f\r")
            if not value.startswith("no") or value[2:].lstrip(" \t\n\v\f\r"):
                return False
    own = f"{envelope.local_part}@{envelope.domain}"
    selves = [own, own]     # Exim's own address, then its To:/From: rewritten forms
    if envelope.prefix or envelope.suffix:
        prefixed = (f"{envelope.prefix or ''}{envelope.local_part}{envelope.suffix or ''}"
                    f"@{envelope.domain}")
        selves += [prefixed, prefixed]
    to_patterns = [*aliases, *selves]
    addressed = _header_matches(headers, "to:", True, to_patterns) or (
        scan_cc and (_header_matches(headers, "cc:", True, to_patterns)
                     or _header_matches(headers, "bcc:", True, to_patterns)))
    return (addressed
            and not _header_matches(headers, "from:", True,
                                    [*aliases, *_NOT_PERSONAL_FROM, *selves])
            and not _header_matches(headers, "precedence:", False, ("bulk", "list", "junk"))
            and envelope.sender_address != "")
