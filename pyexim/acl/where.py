"""Where an ACL runs, and what an ACL returns (Exim: macros.h ACL_WHERE_*, globals.c
acl_wherenames/acl_wherecodes; spec: "Access control lists").

The order of ``Where`` is Exim's: the message ACLs come first, so "is this a message
ACL" is a comparison, and the bit of each place is ``1 << where`` as in Exim's
``forbids`` tables (pyexim.acl.table).
"""

from __future__ import annotations

import enum


class Where(enum.IntEnum):
    """The places an ACL can be run from, in Exim's order."""

    RCPT = 0
    MAIL = 1
    PREDATA = 2
    MIME = 3
    DKIM = 4
    DATA = 5
    PRDR = 6
    NOTSMTP = 7
    AUTH = 8
    CONNECT = 9
    ETRN = 10
    EXPN = 11
    HELO = 12
    MAILAUTH = 13
    NOTSMTP_START = 14
    NOTQUIT = 15
    QUIT = 16
    STARTTLS = 17
    VRFY = 18
    DELIVERY = 19
    UNKNOWN = 20

    @property
    def bit(self) -> int:
        return 1 << int(self)

    @property
    def exim_name(self) -> str:
        """The name Exim uses in messages ("RCPT", "connection", "EHLO or HELO", ...)."""
        return WHERE_NAMES[self]

    @property
    def default_code(self) -> int:
        """The SMTP code a refusal from this ACL gets unless its message gives one."""
        return WHERE_CODES[self]


WHERE_NAMES: dict[Where, str] = {
    Where.RCPT: "RCPT", Where.MAIL: "MAIL", Where.PREDATA: "PREDATA", Where.MIME: "MIME",
    Where.DKIM: "DKIM", Where.DATA: "DATA", Where.PRDR: "PRDR", Where.NOTSMTP: "non-SMTP",
    Where.AUTH: "AUTH", Where.CONNECT: "connection", Where.ETRN: "ETRN", Where.EXPN: "EXPN",
    Where.HELO: "EHLO or HELO", Where.MAILAUTH: "MAILAUTH",
    Where.NOTSMTP_START: "non-SMTP-start", Where.NOTQUIT: "NOTQUIT", Where.QUIT: "QUIT",
    Where.STARTTLS: "STARTTLS", Where.VRFY: "VRFY", Where.DELIVERY: "delivery",
    Where.UNKNOWN: "unknown",
}

WHERE_CODES: dict[Where, int] = {
    Where.RCPT: 550, Where.MAIL: 550, Where.PREDATA: 550, Where.MIME: 550, Where.DKIM: 550,
    Where.DATA: 550, Where.PRDR: 550, Where.NOTSMTP: 0, Where.AUTH: 503,
    Where.CONNECT: 550, Where.ETRN: 458, Where.EXPN: 550, Where.HELO: 550,
    Where.MAILAUTH: 0, Where.NOTSMTP_START: 0, Where.NOTQUIT: 0, Where.QUIT: 0,
    Where.STARTTLS: 550, Where.VRFY: 252, Where.DELIVERY: 0, Where.UNKNOWN: 0,
}


def bits(*places: Where) -> int:
    """The bitmap of *places*."""
    out = 0
    for place in places:
        out |= place.bit
    return out


ALL = (1 << len(Where)) - 1

#: Exim's ACL_BITS_HAVEDATA: the places where the message's headers exist.
HAVE_DATA = bits(Where.MIME, Where.DKIM, Where.DATA, Where.PRDR, Where.NOTSMTP, Where.QUIT,
                 Where.NOTQUIT)


class Rc(enum.Enum):
    """What one condition, one statement or a whole ACL yields (Exim's OK, FAIL, ...)."""

    OK = "OK"
    FAIL = "FAIL"
    DEFER = "DEFER"
    ERROR = "ERROR"
    DISCARD = "DISCARD"
    FAIL_DROP = "FAIL_DROP"

    @property
    def bit(self) -> int:
        return 1 << _RC_ORDER.index(self)


_RC_ORDER = (Rc.OK, Rc.FAIL, Rc.DEFER, Rc.ERROR, Rc.DISCARD, Rc.FAIL_DROP)


__all__ = ["ALL", "HAVE_DATA", "Rc", "WHERE_CODES", "WHERE_NAMES", "Where", "bits"]
