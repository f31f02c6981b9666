"""Regular expressions in expansions: compile with PCRE2's error wording, set ``$0``..``$n``.

Compilation is pyexim.regex's (PCRE2 syntax on Python's ``re``); this module turns
Python's compile errors into the messages PCRE2 gives, because Exim quotes them
(``regular expression error in "(abc": missing closing parenthesis at offset 4``).
"""

from __future__ import annotations

from pyexim.expand.evaluator import ExpansionError
from pyexim.regex import RegexError, compile_pcre
from pyexim.taint import Tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    from pyexim.expand.context import ExpansionContext

# Python's message (prefix) -> PCRE2's message, and where PCRE2 reports it:
# "end" (the pattern's length), "at" (Python's position), "after" (position + 1).
_PCRE2_WORDING = (
    ("missing ), unterminated subpattern", "missing closing parenthesis", "end"),
    ("unbalanced parenthesis", "unmatched closing parenthesis", "at"),
    ("nothing to repeat", "quantifier does not follow a repeatable item", "at"),
    ("multiple repeat", "quantifier does not follow a repeatable item", "at"),
    ("unterminated character set", "missing terminating ] for character class", "end"),
    ("bad character range", "range out of order in character class", "range"),
    ("bad escape (end of pattern)", "\\ at end of pattern", "end"),
    ("min repeat greater than max repeat", "numbers out of order in {} quantifier", "brace"),
    ("unknown group name", "reference to non-existent subpattern", "before"),
    ("invalid group reference", "reference to non-existent subpattern", "at"),
    ("bad character in group name", "subpattern name must start with a non-digit", "at"),
)


def pcre2_error(pattern: str, error: RegexError) -> tuple[str, int]:
    """(PCRE2 message, offset) for a pattern Python refused."""
    message, offset = error.message, error.offset
    for python_text, pcre_text, where in _PCRE2_WORDING:
        if message.startswith(python_text):
            if where == "end":
                return pcre_text, len(pattern)
            if where == "range":
                return pcre_text, offset + 2
            if where == "brace":
                close = pattern.find("}", offset)
                return pcre_text, close if close >= 0 else len(pattern)
            if where == "before":
                close = pattern.find(">", offset)
                return pcre_text, close if close >= 0 else offset
            return pcre_text, offset
    return message, offset


def compile_or_fail(pattern: str, caseless: bool = False) -> re.Pattern[str]:
    """The compiled pattern, or ExpansionError worded as Exim reports compile errors."""
    try:
        return compile_pcre(str(pattern), caseless)
    except RegexError as error:
        message, offset = pcre2_error(pattern, error)
        raise ExpansionError(f'regular expression error in "{pattern}": {message} at offset '
                             f"{offset}") from None


def set_match_strings(ctx: ExpansionContext, found: re.Match[str], subject: str) -> None:
    """Set $0, $1... from a match, as Exim's regex_match_and_setup does."""
    groups = [found.group(0)] + [g if g is not None else "" for g in found.groups()]
    last = len(groups)
    while last > 1 and found.group(last - 1) is None:
        last -= 1
    tainted = isinstance(subject, Tainted)
    ctx.match_strings = [mark(g, tainted) for g in groups[:last]]
