"""Exim's syntax for option values: quoted strings, times, users and groups, rewrite rules.

The pieces of readconf.c that reading and printing options share (string.c's
dequote, escapes, printing and lists are pyexim.strings'):
readconf_readtime / readconf_printtime, route_finduser / route_findgroup and
readconf_one_rewrite. Each follows Exim's C code in its details (including its
quirks, which are marked where they are kept on purpose).
"""

from __future__ import annotations

import grp
import pwd

from pyexim.strings import DIGITS, SPACE, dequote, from_engine, printing, span, to_engine

# ---------------------------------------------------------------------------
# Small helpers shared by the types
# ---------------------------------------------------------------------------

def is_c_space(ch: str) -> bool:
    """C isspace() in the C locale."""
    return ch in " \t\n\v\f\r"


def skip_space(text: str, pos: int = 0) -> int:
    """The index of the first character at or after *pos* that is not C white space."""
    return span(text, SPACE, pos)


def read_string(text: str, name: str) -> str:
    """An option's string value: verbatim, or a quoted string with escapes processed.

    Raises ValueError with Exim's wording for a missing closing quote or for text
    after it. Like Exim (which builds a C string), an escape that yields a NUL
    character ends the value there.
    """
    if not text.startswith('"'):
        return text
    value, pos = dequote(text)
    # Exim checks the character before the end: an escaped quote as the last
    # character passes this test (a quirk kept on purpose).
    if pos == 1 or text[pos - 1] != '"':
        raise ValueError(f"missing quote at end of string value for {name}")
    if pos < len(text):
        raise ValueError(extra_chars_reason(text[pos:], "string value for ", name))
    nul = value.find("\0")
    return value if nul < 0 else value[:nul]


def extra_chars_reason(rest: str, *parts: str) -> str:
    """Exim's "extra characters follow ..." message, with its hint about comments."""
    comment = " (# is comment only at line start)" if rest.startswith("#") else ""
    return "extra characters follow " + "".join(parts) + comment


def printable(text: str, *, tabs: bool = True, topbit: bool = False) -> str:
    """A value as -bP shows it: string_printing2 (pyexim.strings.printing) on the bytes of
    *text*, with tabs escaped unless *tabs* is False and top-bit bytes kept when *topbit*
    (print_topbitchars)."""
    return from_engine(printing(to_engine(text), tabs=tabs, print_topbitchars=topbit))


# ---------------------------------------------------------------------------
# Users and groups
# ---------------------------------------------------------------------------

def _numeric(text: str) -> bool:
    """Exim's test for a numeric uid/gid: a digit or "-", then only digits."""
    return bool(text) and (text[0].isdigit() or text[0] == "-") and all(
        ch in "0123456789" for ch in text[1:])


def find_user(name: str) -> tuple[int, int | None]:
    """(uid, primary gid or None) for a user name or number; ValueError "user X was not found".

    A number is taken as it is, without a passwd entry (so no group comes with it),
    as Exim's route_finduser does.
    """
    if _numeric(name):
        return _atoi(name), None
    try:
        entry = pwd.getpwnam(name)
    except (KeyError, ValueError):
        raise ValueError(f"user {name} was not found") from None
    return entry.pw_uid, entry.pw_gid


def find_group(name: str) -> int:
    """The gid for a group name or number; ValueError "group X was not found"."""
    if _numeric(name):
        return _atoi(name)
    try:
        return grp.getgrnam(name).gr_gid
    except (KeyError, ValueError):
        raise ValueError(f"group {name} was not found") from None


def _atoi(text: str) -> int:
    """C atoi() then the cast to uid_t/gid_t (32-bit unsigned)."""
    digits = 1 if text.startswith("-") else 0
    end = span(text, DIGITS, digits)
    return (int(text[:end]) if end > digits else 0) & 0xFFFFFFFF


def user_name(uid: int) -> str:
    """The passwd name of *uid*, or the number when there is none (as -bP prints it)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


def group_name(gid: int) -> str:
    """The group name of *gid*, or the number when there is none."""
    try:
        return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError):
        return str(gid)


# ---------------------------------------------------------------------------
# Rewrite rules (checked here because a transport's headers_rewrite is an option)
# ---------------------------------------------------------------------------

# Rewrite flag letters (spec: "Flags specifying which headers and envelope
# addresses to rewrite", "The SMTP-time rewriting flag", "Flags controlling the
# rewriting process").
REWRITE_FLAGS = "hsftcbrEFTQRSqw"


def parse_rewrite_rule(rule: str, *, is_global: bool) -> tuple[str, str, str]:
    """Split one rewrite rule into (pattern, replacement, flags) as readconf_one_rewrite does.

    The flags are the letters as written (spaces dropped). ValueError with Exim's
    reason for a missing replacement, an unknown flag letter or S on a pattern that
    is not a regular expression; for a transport (``is_global`` False) also for a
    rule that rewrites envelope addresses or at SMTP time.
    """
    pattern, pos = dequote(rule, skip_space(rule))
    pos = skip_space(rule, pos)
    if pos >= len(rule):
        raise ValueError("missing rewrite replacement string")
    replacement, pos = dequote(rule, pos)
    flags = ""
    for ch in rule[pos:]:
        if ch in " \t":
            continue
        if ch not in REWRITE_FLAGS:
            raise ValueError(f"unknown rewrite flag character '{ch}' "
                             "(could be missing quotes round replacement item)")
        if ch == "S" and not pattern.startswith(("^", "\\N^")):
            raise ValueError("rewrite rule has the S flag but is not a regular expression")
        flags += ch
    if not is_global and set(flags) & set("EFTS"):
        raise ValueError("rewrite rule specifies a non-header rewrite - not allowed at "
                         "transport time -")
    return pattern, replacement, flags


