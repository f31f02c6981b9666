"""Exim's regular expressions (PCRE2, no UTF mode) run on Python's ``re``.

Exim compiles every regex with PCRE2 and default options; Python's ``re`` reads most of the
same syntax, and this module translates the rest before compiling: ``\\Z`` (end or before a
final newline), ``\\z``, ``\\Q...\\E``, POSIX classes ``[[:alpha:]]``, ``(?<name>...)``,
``\\k<name>``, ``\\g{n}``, ``\\x{hh}``, ``\\e``, ``\\h``/``\\H``, ``\\cX``, ``\\o{...}``.
Character classes and case folding are ASCII-only (``re.ASCII``), as PCRE2's default C
tables are. Subjects are pyexim's byte-strings (one character per byte, latin-1).

``compile_pcre`` caches compiled patterns; ``RegexError`` carries a message in PCRE2's
style (``... at offset N``) for callers that report compile errors as Exim does.
"""

from __future__ import annotations

from functools import lru_cache

# re (with the enum module under it) costs 3 ms to import: it is imported when the first
# pattern is compiled, so a command that meets no regular expression never pays for it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
    "lower": "a-z", "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "punct":
    "!-/:-@\\[-`{-~", "print": " -~", "graph": "!-~", "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f", "word": "a-zA-Z0-9_", "ascii": "\\x00-\\x7f",
}


class RegexError(ValueError):
    """A pattern PCRE2 or Python cannot compile; ``offset`` is where, when known."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


@lru_cache(maxsize=1)
def _inline_flags() -> re.Pattern[str]:
    import re
    return re.compile(r"\(\?([imsx]*(?:-[imsx]*)?)\)")


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    # PCRE's "(?-i)" changes options up to the end of the enclosing group; Python only
    # has scoped "(?-i:...)". Per group level: the option groups opened for that.
    pending: list[list[str]] = [[]]
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2:] if end < 0 else pattern[i + 2:end]
                out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in literal))
                i = n if end < 0 else end + 2
                continue
            if nxt == "E":
                i += 2
                continue
            if not in_class and nxt == "Z":
                out.append("(?=\\n?\\Z)")
                i += 2
                continue
            if not in_class and nxt == "z":
                out.append("\\Z")
                i += 2
                continue
            if nxt == "N" and not in_class and pattern[i + 2:i + 3] != "{":
                out.append("[^\\n]")
                i += 2
                continue
            if nxt == "e":
                out.append("\\x1b")
                i += 2
                continue
            if nxt == "h" or (nxt == "H" and not in_class):
                body = " \\t\\xa0"
                if in_class:
                    out.append(body)
                else:
                    out.append(f"[{body}]" if nxt == "h" else f"[^{body}]")
                i += 2
                continue
            if nxt == "c" and i + 2 < n:
                out.append("\\x%02x" % (ord(pattern[i + 2].upper()) ^ 0x40))
                i += 3
                continue
            if nxt in "xo" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                if end > 0:
                    value = int(pattern[i + 3:end] or "0", 16 if nxt == "x" else 8)
                    out.append("\\x%02x" % value if value < 256 else "\\u%04x" % value)
                    i = end + 1
                    continue
            if nxt == "g" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                if end > 0:
                    ref = pattern[i + 3:end]
                    out.append(f"(?P={ref})" if not ref.isdigit() else f"(?:\\{ref})")
                    i = end + 1
                    continue
            if nxt == "k" and i + 2 < n and pattern[i + 2] in "<{'":
                close = {"<": ">", "{": "}", "'": "'"}[pattern[i + 2]]
                end = pattern.find(close, i + 3)
                if end > 0:
                    out.append(f"(?P={pattern[i + 3:end]})")
                    i = end + 1
                    continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end > 0:
                    name = pattern[i + 2:end]
                    negate = name.startswith("^")
                    chars = _POSIX.get(name.lstrip("^"))
                    if chars is not None and not negate:
                        out.append(chars)
                        i = end + 2
                        continue
            if c == "]":
                in_class = False
            elif c == "[":
                out.append("\\[")
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            # A "]" right after "[" or "[^" is a literal in PCRE.
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if c == "(":
            flags = _inline_flags().match(pattern, i)
            if flags is not None and flags.group(1):
                out.append(f"(?{flags.group(1)}:")
                pending[-1].append(flags.group(1))
                i = flags.end()
                continue
            pending.append([])
        elif c == ")" and len(pending) > 1:
            out.append(")" * len(pending.pop()))
        elif c == "|" and pending[-1]:
            # an alternative starts afresh inside the option groups: close and reopen them
            out.append(")" * len(pending[-1]) + "|" + "".join(f"(?{f}:" for f in pending[-1]))
            i += 1
            continue
        if c == "(" and pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        if c == "(" and pattern.startswith("(?'", i):
            end = pattern.find("'", i + 3)
            if end > 0:
                out.append(f"(?P<{pattern[i + 3:end]}>")
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out) + ")" * len(pending[0])


@lru_cache(maxsize=512)
def compile_pcre(pattern: str, caseless: bool = False) -> re.Pattern[str]:
    """Compile an Exim (PCRE2) regular expression; raise RegexError when it is invalid."""
    import re
    flags = re.ASCII | (re.IGNORECASE if caseless else 0)
    try:
        return re.compile(_translate(pattern), flags)
    except re.error as exc:
        message, offset = _pcre_wording(str(exc.msg), exc.pos or 0, pattern)
        raise RegexError(message, offset) from exc


# Python's words for common errors -> PCRE2's words and where PCRE2 reports them.
_PCRE_WORDING = {
    "missing ), unterminated subpattern": ("missing closing parenthesis", "end"),
    "unbalanced parenthesis": ("unmatched closing parenthesis", "pos"),
    "nothing to repeat": ("quantifier does not follow a repeatable item", "pos"),
    "multiple repeat": ("quantifier does not follow a repeatable item", "pos"),
    "unterminated character set": ("missing terminating ] for character class", "end"),
}


def _pcre_wording(message: str, pos: int, pattern: str) -> tuple[str, int]:
    found = _PCRE_WORDING.get(message)
    if found is None:
        return message, pos
    words, where = found
    return words, len(pattern) if where == "end" else pos


def groups_of(match: re.Match[str]) -> list[str]:
    """The captured groups of *match* as Exim's ``$1``.. sees them (unset groups are empty)."""
    return [g if g is not None else "" for g in match.groups()]
