"""Reading an ACL that is not in the configuration: inline text or a file (Exim: acl.c
``acl_getline``, ``acl_read``; spec: "Specifying ACLs", "ACL statements").

An ACL option such as ``acl_smtp_rcpt = accept`` or ``${if ...{deny}}`` names no ACL
of the configuration: its expanded text is itself an ACL, one statement per line
(``\\n`` in the option), and a value starting with ``/`` names a file to read one from.
The lines are treated as configuration lines are: leading white space dropped, ``#``
comment lines skipped, a trailing backslash continues the line. A line that looks like
the start of a new ACL (``name:``) or a macro definition ends the reading. Problems are
Exim's words, returned as ``AclSyntaxError``.
"""

from __future__ import annotations

from pyexim.acl.table import CONDITIONS
from pyexim.config.model import Acl, AclCondition, AclStatement
from pyexim.config.source import read_name
from pyexim.errors import SourceLoc

VERBS = ("accept", "defer", "deny", "discard", "drop", "require", "warn")
_SPACE = " \t\n\v\f\r"


class AclSyntaxError(Exception):
    """An ACL text that does not parse; ``message`` is Exim's."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def logical_lines(text: str) -> list[str]:
    """The logical lines of an inline or file ACL (Exim's acl_getline)."""
    lines: list[str] = []
    pos, n = 0, len(text)
    while True:
        # Leading white space (including blank lines) and comment lines.
        while True:
            while pos < n and text[pos] in _SPACE:
                pos += 1
            if pos >= n:
                return lines
            start = pos
            end = text.find("\n", pos)
            if end < 0:
                if text[start] != "#":
                    lines.append(text[start:])
                return lines
            pos = end
            if text[start] != "#":
                break
        line = text[start:pos]
        # Continuations: a backslash before the newline (trailing white space allowed).
        while True:
            stripped = line.rstrip(_SPACE)
            if not stripped.endswith("\\"):
                break
            pos += 1
            while True:
                while pos < n and text[pos] in " \t":
                    pos += 1
                if pos < n and text[pos] == "#":
                    nl = text.find("\n", pos)
                    pos = n if nl < 0 else nl + 1
                    continue
                break
            end = text.find("\n", pos)
            piece = text[pos:] if end < 0 else text[pos:end]
            line = stripped[:-1] + piece
            if end < 0:
                lines.append(line)
                return lines
            pos = end
        lines.append(line)
        pos += 1


def read_acl(text: str, name: str, loc: SourceLoc) -> Acl:
    """Parse ACL *text* into statements (Exim's acl_read). Raises AclSyntaxError."""
    statements: list[AclStatement] = []
    verb: str | None = None
    verb_loc = loc
    conditions: list[AclCondition] = []
    for line in logical_lines(text):
        pos = 0
        while pos < len(line) and line[pos] in _SPACE:
            pos += 1
        negated = line[pos:pos + 1] == "!"
        if negated:
            pos += 1
        word, pos = read_name(line, pos)
        rest = line[pos:]
        if rest.startswith(":") or (word[:1].isupper() and rest.startswith("=")):
            break
        if word in VERBS:
            if negated:
                raise AclSyntaxError(f'malformed ACL line "{line}"')
            if verb is not None:
                statements.append(AclStatement(verb, tuple(conditions), verb_loc))
            verb, verb_loc, conditions = word, loc, []
            if pos >= len(line):
                continue
            if line[pos] == "!":
                negated = True
                pos += 1
            word, pos = read_name(line, pos)
        elif verb is None:
            raise AclSyntaxError(f'unknown ACL verb "{word}" in "{line}"')
        conditions.append(_condition(verb, word, negated, line, pos, loc))
    if verb is not None:
        statements.append(AclStatement(verb, tuple(conditions), verb_loc))
    return Acl(name, tuple(statements), loc)


def _condition(verb: str, word: str, negated: bool, line: str, pos: int,
               loc: SourceLoc) -> AclCondition:
    """One condition or modifier of a statement, checked as acl_read checks it."""
    cdef = CONDITIONS.get(word)
    if cdef is None:
        raise AclSyntaxError(f'unknown ACL condition/modifier in "{line}"')
    if negated and cdef.is_modifier:
        raise AclSyntaxError(f'ACL error: negation is not allowed with "{word}"')
    if word == "endpass" and verb not in ("accept", "discard"):
        raise AclSyntaxError(f'ACL error: "endpass" is not allowed with "{verb}"')
    variable = None
    if word == "set":
        variable, pos = _set_variable(line, pos)
    value = ""
    if word != "endpass":
        if line[pos:pos + 1] != "=":
            kind = "modifier" if cdef.is_modifier else "condition"
            raise AclSyntaxError(f'"=" missing after ACL "{word}" {kind}')
        pos += 1
        while pos < len(line) and line[pos] in _SPACE:
            pos += 1
        value = line[pos:]
    return AclCondition(word, value, negated, loc, variable)


def _set_variable(line: str, pos: int) -> tuple[str, int]:
    """The variable named after ``set`` and where its ``=`` should be."""
    rest = line[pos:]
    if rest.startswith(("dkim_verify_status", "dkim_verify_reason")):
        after = rest[18:19]
        if after.isascii() and after.isalnum():
            raise AclSyntaxError('invalid variable name after "set" in ACL modifier '
                                 f'"set {rest}" (only "dkim_verify_status" or '
                                 '"dkim_verify_reason" permitted)')
        end = pos + 18
    else:
        if not rest.startswith(("acl_c", "acl_m")):
            raise AclSyntaxError('invalid variable name after "set" in ACL modifier '
                                 f'"set {rest}" (must start "acl_c" or "acl_m")')
        end = pos + 5
        if not (line[end:end + 1].isdigit() or line[end:end + 1] == "_"):
            raise AclSyntaxError('invalid variable name after "set" in ACL modifier '
                                 f'"set {rest}" (digit or underscore must follow acl_c '
                                 'or acl_m)')
        while end < len(line) and line[end] != "=" and line[end] not in _SPACE:
            char = line[end]
            if not (char.isascii() and (char.isalnum() or char == "_")):
                raise AclSyntaxError(f'invalid character "{char}" in variable name in ACL '
                                     f'modifier "set {rest}"')
            end += 1
    variable = line[pos:end]
    while end < len(line) and line[end] in _SPACE:
        end += 1
    return variable, end


__all__ = ["AclSyntaxError", "VERBS", "logical_lines", "read_acl"]
