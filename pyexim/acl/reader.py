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

from pyexim.config.acl_line import read_acl_line
from pyexim.config.model import Acl, AclCondition, AclStatement
from pyexim.config.source import read_name
from pyexim.errors import SourceLoc
from pyexim.strings import C_SPACE, span


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
            pos = span(text, C_SPACE, pos)
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
            stripped = line.rstrip(C_SPACE)
            if not stripped.endswith("\\"):
                break
            pos += 1
            while True:
                pos = span(text, " \t", pos)
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
        line = line.lstrip(C_SPACE)
        word, pos = read_name(line, 1 if line.startswith("!") else 0)
        rest = line[pos:]
        if rest.startswith(":") or (word[:1].isupper() and rest.startswith("=")):
            break
        try:
            new_verb, condition = read_acl_line(line, loc, verb)
        except ValueError as exc:   # NameTooLong included
            raise AclSyntaxError(str(exc)) from None
        if new_verb is not None:
            if verb is not None:
                statements.append(AclStatement(verb, tuple(conditions), verb_loc))
            verb, verb_loc, conditions = new_verb, loc, []
        if condition is not None:
            conditions.append(condition)
    if verb is not None:
        statements.append(AclStatement(verb, tuple(conditions), verb_loc))
    return Acl(name, tuple(statements), loc)


__all__ = ["AclSyntaxError", "logical_lines", "read_acl"]
