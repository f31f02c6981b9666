"""One line of an ACL, read as Exim's acl_read() reads it (spec: "ACL statements").

A line starts a statement (a verb, optionally with its first condition or modifier
on the same line) or continues one (a condition or modifier). This is shared by
the configuration reader (``begin acl``) and by whatever reads ACL text at run
time (an ``acl_smtp_*`` value that is itself ACL text, or an ACL file), so both
refuse the same lines with the same words. No Lark, no configuration: a pure
function over one logical line.
"""

from __future__ import annotations

from pyexim.config.model import AclCondition
from pyexim.config.source import NAME_MAX, read_name
from pyexim.errors import SourceLoc
from pyexim.strings import C_SPACE, span

ACL_VERBS = frozenset({"accept", "defer", "deny", "discard", "drop", "require", "warn"})

# acl.c's conditions table for Debian's build (content scanning, DKIM and SPF in;
# DMARC, DCC and Brightmail out): name -> True for a modifier, False for a condition.
ACL_CONDITIONS = {
    "acl": False, "add_header": True, "authenticated": False, "condition": False,
    "continue": True, "control": True, "decode": False, "delay": True,
    "dkim_signers": False, "dkim_status": False, "dnslists": False, "domains": False,
    "encrypted": False, "endpass": True, "hosts": False, "local_parts": False,
    "log_message": True, "log_reject_target": True, "logwrite": True, "malware": False,
    "message": True, "mime_regex": False, "queue": True, "ratelimit": False,
    "recipients": False, "regex": False, "remove_header": True, "seen": False,
    "sender_domains": False, "senders": False, "set": True, "spam": False, "spf": False,
    "spf_guess": False, "udpsend": True, "verify": False,
}


class NameTooLong(ValueError):
    """A name longer than Exim's name buffer (readconf_readname(): verbs, conditions,
    ACL, driver and option names). Reported without acl_read()'s "error in ACL:"."""

    def __init__(self, name: str) -> None:
        super().__init__(f'exim item name too long (>{NAME_MAX + 1}), unable to use '
                         f'"{name[:NAME_MAX]}" (truncated)')
        self.name = name


def _name(text: str, pos: int) -> tuple[str, int]:
    name, pos = read_name(text, pos)
    if len(name) > NAME_MAX:
        raise NameTooLong(name)
    return name, pos


def read_acl_line(text: str, loc: SourceLoc,
                  verb: str | None) -> tuple[str | None, AclCondition | None]:
    """Read one logical ACL line; *verb* is the open statement's verb (None: none open).

    Returns (the verb the line starts, or None when it continues the statement; the
    condition or modifier on the line, or None for a bare verb). Raises ValueError
    with acl_read()'s message (the reader adds "error in ACL: "), or NameTooLong.
    """
    pos = 0
    negated = text.startswith("!")
    if negated:
        pos = 1
    name, pos = _name(text, pos)
    new_verb = None
    if name in ACL_VERBS:
        if negated:
            raise ValueError(f'malformed ACL line "{text}"')
        new_verb = name
        if pos >= len(text):
            return new_verb, None
        if text[pos] == "!":
            negated = True
            pos += 1
        name, pos = _name(text, pos)
    elif verb is None:
        raise ValueError(f'unknown ACL verb "{name}" in "{text}"')
    is_modifier = ACL_CONDITIONS.get(name)
    if is_modifier is None:
        raise ValueError(f'unknown ACL condition/modifier in "{text}"')
    if negated and is_modifier:
        raise ValueError(f'ACL error: negation is not allowed with "{name}"')
    current = new_verb or verb
    if name == "endpass" and current not in ("accept", "discard"):
        raise ValueError(f'ACL error: "endpass" is not allowed with "{current}"')
    variable = None
    if name == "set":
        variable, pos = _set_variable(text, pos)
    value = ""
    if name != "endpass":
        if text[pos:pos + 1] != "=":
            kind = "modifier" if is_modifier else "condition"
            raise ValueError(f'"=" missing after ACL "{name}" {kind}')
        value = text[pos + 1:].lstrip(C_SPACE)
    return new_verb, AclCondition(name, value, negated, loc, variable)


def _set_variable(text: str, pos: int) -> tuple[str, int]:
    """The variable name after ``set`` (acl_c*/acl_m*, or the two DKIM ones) and where
    its ``=`` should be."""
    rest = text[pos:]
    if rest.startswith(("dkim_verify_status", "dkim_verify_reason")):
        after = rest[18:19]
        if after and after.isascii() and after.isalnum():
            raise ValueError('invalid variable name after "set" in ACL modifier '
                             f'"set {rest}" (only "dkim_verify_status" or '
                             '"dkim_verify_reason" permitted)')
        end = pos + 18
    else:
        if not rest.startswith(("acl_c", "acl_m")):
            raise ValueError('invalid variable name after "set" in ACL modifier '
                             f'"set {rest}" (must start "acl_c" or "acl_m")')
        end = pos + 5
        if not (text[end:end + 1].isdigit() or text[end:end + 1] == "_"):
            raise ValueError('invalid variable name after "set" in ACL modifier '
                             f'"set {rest}" (digit or underscore must follow acl_c or '
                             'acl_m)')
        while end < len(text) and text[end] != "=" and text[end] not in C_SPACE:
            char = text[end]
            if not (char.isascii() and (char.isalnum() or char == "_")):
                raise ValueError(f'invalid character "{char}" in variable name in ACL '
                                 f'modifier "set {rest}"')
            end += 1
    variable = text[pos:end]
    end = span(text, C_SPACE, end)
    return variable, end
