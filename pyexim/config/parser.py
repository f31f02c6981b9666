"""The one place the exim.conf Lark parser is built (grammar: grammar/exim_conf.lark).

The preprocessor's logical lines are joined into one text, a line each, with the
section starts and macro definitions marked as the grammar expects. Line N of that
text is ``lines[N - 1]``, so every token leads back to its SourceLoc. The parser is
LALR with the contextual lexer, built once per process; Lark's own cache of the
built tables lives in pyexim's cache directory (never in the package).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from importlib import resources

from pyexim.config.source import LogicalLine
from pyexim.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import lark

# Marks the grammar knows (see the header of exim_conf.lark).
BEGIN_MARK = "\x00B"
MACRO_MARK = "\x00M"


@functools.cache
def exim_conf_parser() -> lark.Lark:
    """The exim.conf parser, built on first use and kept for the life of the process."""
    import lark

    from pyexim.config.cache import cache_dir

    grammar = resources.files("pyexim.grammar").joinpath("exim_conf.lark").read_text()
    directory = cache_dir(configurations=False)
    cache: bool | str = False
    if directory is not None:
        cache = os.path.join(directory, "exim_conf.lark.tables")
    return lark.Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=False,
                     maybe_placeholders=False, cache=cache)


def lark_text(lines: Sequence[LogicalLine]) -> str:
    """The text the grammar reads: one line per logical line, marks added."""
    out = []
    for line in lines:
        # Only the last logical line of a file can hold a newline (see source.py);
        # the lexer must see one text line per logical line.
        text = line.text.replace("\n", " ")
        if line.kind == "begin":
            out.append(BEGIN_MARK + line.section)
        elif line.kind == "macro":
            out.append(MACRO_MARK + text)
        else:
            out.append(text)
    out.append("")
    return "\n".join(out)


def parse_lines(lines: Sequence[LogicalLine]) -> lark.Tree[lark.Token]:
    """Parse the logical lines into a Lark tree.

    The grammar accepts any sequence of lines, so this fails only on a bug; the
    failure is still reported as a ConfigError at the offending line.
    """
    import lark

    try:
        return exim_conf_parser().parse(lark_text(lines))
    except lark.exceptions.UnexpectedInput as error:
        line = lines[min(max(error.line, 1), len(lines)) - 1] if lines else None
        raise ConfigError(f"unexpected line: {line.text if line else ''}",
                          line.loc if line else None) from None
