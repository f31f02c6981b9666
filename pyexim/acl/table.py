"""The ACL conditions and modifiers: what each is, and where it may be used (Exim: acl.c
``conditions[]``; spec: "ACL conditions", "ACL modifiers").

Each entry says whether the argument is expanded before the handler sees it (the
others expand their lists themselves, while matching), whether it is a modifier (never
negated, always "true"), and the bitmap of places where it is forbidden: using it there
is an error, "cannot test X condition in Y ACL". The set is Debian's 4.96 build:
content scanning, DKIM and SPF in; DMARC, DCC, Brightmail and ARC out.
"""

from __future__ import annotations

from pyexim.acl.where import ALL, Where, bits
from pyexim.record import record

W = Where


@record(frozen=True)
class CondDef:
    """One row of the table."""

    name: str
    expand_at_top: bool
    is_modifier: bool
    forbids: int = 0

    def forbidden(self, where: Where) -> bool:
        return bool(self.forbids & where.bit)


def _only(*allowed: Where) -> int:
    """The forbids bitmap of something allowed only in *allowed*."""
    return ALL & ~bits(*allowed)


_MESSAGE_HEADERS = _only(W.MAIL, W.RCPT, W.PREDATA, W.DATA, W.PRDR, W.MIME, W.NOTSMTP,
                         W.DKIM, W.NOTSMTP_START)
_NO_SENDER = bits(W.AUTH, W.CONNECT, W.HELO, W.MAILAUTH, W.QUIT, W.ETRN, W.EXPN,
                  W.STARTTLS, W.VRFY)
_SPF = bits(W.AUTH, W.CONNECT, W.HELO, W.MAILAUTH, W.ETRN, W.EXPN, W.STARTTLS, W.VRFY,
            W.NOTSMTP, W.NOTSMTP_START)

CONDITIONS: dict[str, CondDef] = {c.name: c for c in (
    CondDef("acl", False, False),
    CondDef("add_header", True, True, _MESSAGE_HEADERS),
    CondDef("authenticated", False, False,
            bits(W.NOTSMTP, W.NOTSMTP_START, W.CONNECT, W.HELO)),
    CondDef("condition", True, False),
    CondDef("continue", True, True),
    CondDef("control", True, True),
    CondDef("decode", True, False, _only(W.MIME)),
    CondDef("delay", True, True, bits(W.NOTQUIT)),
    CondDef("dkim_signers", True, False, _only(W.DKIM)),
    CondDef("dkim_status", True, False, _only(W.DKIM)),
    CondDef("dnslists", True, False),
    CondDef("domains", False, False, _only(W.RCPT, W.VRFY, W.PRDR)),
    CondDef("encrypted", False, False, bits(W.NOTSMTP, W.NOTSMTP_START, W.HELO)),
    CondDef("endpass", True, True),
    CondDef("hosts", False, False, bits(W.NOTSMTP, W.NOTSMTP_START)),
    CondDef("local_parts", False, False, _only(W.RCPT, W.VRFY, W.PRDR)),
    CondDef("log_message", True, True),
    CondDef("log_reject_target", True, True),
    CondDef("logwrite", True, True),
    CondDef("malware", True, False, _only(W.DATA, W.PRDR, W.NOTSMTP)),
    CondDef("message", True, True),
    CondDef("mime_regex", True, False, _only(W.MIME)),
    CondDef("queue", True, True, bits(W.NOTSMTP, W.PRDR, W.DATA)),
    CondDef("ratelimit", True, False),
    CondDef("recipients", False, False, _only(W.RCPT)),
    CondDef("regex", True, False, _only(W.DATA, W.PRDR, W.NOTSMTP, W.MIME)),
    CondDef("remove_header", True, True,
            _only(W.MAIL, W.RCPT, W.PREDATA, W.DATA, W.PRDR, W.MIME, W.NOTSMTP,
                  W.NOTSMTP_START)),
    CondDef("seen", True, False),
    CondDef("sender_domains", False, False, _NO_SENDER),
    CondDef("senders", False, False, _NO_SENDER),
    CondDef("set", True, True),
    CondDef("spam", True, False, _only(W.DATA, W.PRDR, W.NOTSMTP)),
    CondDef("spf", True, False, _SPF),
    CondDef("spf_guess", True, False, _SPF),
    CondDef("udpsend", True, True),
    CondDef("verify", True, False),
)}


__all__ = ["CONDITIONS", "CondDef"]
