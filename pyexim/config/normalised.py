"""``-bP config``: the configuration as Exim re-prints it (readconf.c: print_config).

Exim keeps every logical line it reads (after macro substitution, .include and
continuations; comments and blank lines are gone) together with ``# N "file"``
position markers, and prints them with its own layout: runs of white space
collapsed, section starts at the left margin, item names (``name:``) indented by 2
and everything after them by 4, and, for a caller who is not an administrator,
macro definitions and ``hide`` options shown as ``<value not displayable>``.
"""

from __future__ import annotations

import os

from pyexim import EXIM_COMPAT_VERSION
from pyexim.strings import C_SPACE, span

# Kept off the quick path of a repeated -bP config (see pyexim/config/cache.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

HIDDEN = "<value not displayable>"


def _collapse(line: str) -> str:
    """Collapse runs of white space to one space, as print_config() does.

    Exim stops collapsing at a run followed by a quote or "$" (careful formatting may
    follow). It tests the character at the old end of the run *after* moving the rest
    of the line down, so for runs longer than one character it looks at the wrong
    character; that accident is reproduced here on purpose.
    """
    chars = list(line)
    p = 0
    while p < len(chars):
        if chars[p] in C_SPACE:
            chars[p] = " "
            nxt = p
            nxt = span(chars, C_SPACE, nxt)
            if nxt - p > 1:
                del chars[p + 1:nxt]
            probe = chars[nxt] if nxt < len(chars) else ""
            if probe in ('"', "'", "$"):
                break
        p += 1
    return "".join(chars)


def format_config_lines(lines: Iterable[str], *, admin: bool = True,
                        terse: bool = False) -> str:
    """The text ``-bP config`` prints for the saved lines (``-n`` gives *terse*)."""
    step = 0 if terse else 2
    indent = 0
    out: list[str] = []
    for saved in lines:
        current = saved.lstrip(C_SPACE)
        if not current:
            continue
        current = _collapse(current)
        if current[0] == "#":
            out.append(current)
        elif current.startswith("begin") and current[5:6] != "" and current[5] in C_SPACE:
            if not terse:
                out.append("")
            out.append(current)
            indent = step
        elif current.endswith(":") and "=" not in current:
            if not terse:
                out.append("")
            out.append(" " * step + current)
            indent = 2 * step
        elif not admin and ("A" <= current[0] <= "Z" or (
                current.startswith("hide") and current[4:5] != "" and current[4] in C_SPACE)):
            equals = current.find("=")
            if equals >= 0:
                out.append(f"{' ' * indent}{current[:equals]}= {HIDDEN}")
            else:
                # Exim prints the marker right-aligned in a field of the indent's
                # width, which (being longer) puts it at the left margin.
                out.append(HIDDEN.rjust(indent))
        else:
            out.append(" " * indent + current)
    return "".join(line + "\n" for line in out)


def header_line() -> str:
    """The first saved line: ``# Exim Configuration (4.96)``."""
    return f"# Exim Configuration ({EXIM_COMPAT_VERSION})"


def normalised_config(path: str, cli_macros: Sequence[tuple[str, str]] = (), *,
                      admin: bool | None = None, terse: bool = False,
                      hostname: str | None = None) -> str:
    """The text ``pyexim -C path -bP config`` prints (``-n``: *terse*).

    The whole configuration is read and checked first, as Exim does: a broken one
    raises ConfigErrors instead. *admin* defaults to whether the caller is an
    administrator (root, the Exim user or group, or one of admin_groups). The text
    is kept in the configuration cache, so a repeated call does not read the file.
    """
    from pyexim.config import cached_result, load_config, remember_result

    if admin is None and os.geteuid() == 0:
        admin = True
    key = None if admin is None else f"bP-config/{int(admin)}/{int(terse)}"
    if key is not None:
        saved = cached_result(path, cli_macros, hostname, key)
        if isinstance(saved, str):
            return saved
    config = load_config(path, cli_macros, hostname=hostname)
    if admin is None:
        from pyexim.cli.common import is_admin
        admin = is_admin(config)
    text = format_config_lines(config.config_lines, admin=admin, terse=terse)
    if key is not None:
        remember_result(path, cli_macros, hostname, key, text)
    return text
