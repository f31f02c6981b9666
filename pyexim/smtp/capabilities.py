"""What an EHLO reply advertises (RFC 5321 section 4.1.1.1), read from the reply itself.

The server machine reads the reply the policy sends to EHLO, and the client machine
the reply it receives, with the same function: "advertised" means what was on the
wire, so the two can never disagree about it.
"""

from __future__ import annotations

from pyexim.record import field, record
from pyexim.smtp.replies import Reply


@record(frozen=True, slots=True)
class Capabilities:
    """The service extensions of one EHLO reply.

    ``size`` is the SIZE limit (0 for a bare ``SIZE``, None when SIZE is absent),
    ``auth`` the upper-cased SASL mechanism names, ``keywords`` every keyword line
    (upper-cased keyword -> its parameters), including the ones with their own field.
    """

    pipelining: bool = False
    chunking: bool = False
    starttls: bool = False
    dsn: bool = False
    smtputf8: bool = False
    eight_bit_mime: bool = False
    prdr: bool = False
    pipe_connect: bool = False
    size: int | None = None
    auth: frozenset[str] = frozenset()
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)


#: Nothing advertised: after HELO, or before any greeting.
NONE = Capabilities()


def parse_ehlo(reply: Reply) -> Capabilities:
    """The capabilities listed in a 250 EHLO reply (lines after the first).

    Keywords are matched case-insensitively; a SIZE parameter that is not a number
    counts as a bare SIZE.
    """
    if reply.code != 250:
        return NONE
    keywords: dict[str, tuple[str, ...]] = {}
    for line in reply.lines[1:]:
        words = line.split()
        if words:
            keywords[words[0].upper()] = tuple(words[1:])
    size: int | None = None
    if "SIZE" in keywords:
        params = keywords["SIZE"]
        size = int(params[0]) if params and params[0].isdigit() else 0
    return Capabilities(
        pipelining="PIPELINING" in keywords,
        chunking="CHUNKING" in keywords,
        starttls="STARTTLS" in keywords,
        dsn="DSN" in keywords,
        smtputf8="SMTPUTF8" in keywords,
        eight_bit_mime="8BITMIME" in keywords,
        prdr="PRDR" in keywords,
        pipe_connect="PIPECONNECT" in keywords or "X_PIPE_CONNECT" in keywords,
        size=size,
        auth=frozenset(m.upper() for m in keywords.get("AUTH", ())),
        keywords=keywords,
    )
