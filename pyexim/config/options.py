"""Typed option tables: every Exim option as data, parsed and printed as Exim does (readconf.c).

Spec: "The Exim runtime configuration file" (option setting syntax) and
"Main configuration"; the driver chapters list their private options.

One ``OptionType`` subclass stands for each of Exim's ``opt_*`` value types. A type
parses the text after ``name =`` into a Python value (``parse``), raising
``ValueError`` with Exim's exact wording, and renders a value the way ``exim -bP``
prints it (``format`` / ``line``). An ``Opt`` names an option, its type and its
default (the value Exim 4.96, Debian build, has when the option is not set); an
``OptionTable`` keeps Exim's C table order, which is the order ``-bP`` prints in.

``apply_setting`` reads one logical option line into a ``settings`` dict with all of
Exim's rules: ``no_``/``not_`` for booleans, ``hide``, "set for the second time",
repeatable options, and the side effects some settings have on other options
(``verify`` sets ``verify_sender`` and ``verify_recipient``; a ``user`` given by
name also sets the matching ``group``). Such side effects are stored as settings
with ``implied_by`` set, so a later explicit setting may still override them, as in
Exim, where only the option actually written is marked as set.

Values: booleans are ``bool``; strings ``str`` or ``None`` (unset); integers,
times, K-sizes and octal numbers ``int``; fixed-point numbers ``int`` thousandths
(negative = unset); time lists ``tuple[int, ...]``; uids and gids ``int`` (or the
build-time *name* for defaults such as ``exim_user``), expandable uids/gids and
booleans ``str`` when they contain ``$``; uid/gid lists ``tuple[int, ...]``.
"""

from __future__ import annotations

import grp
import importlib
import pwd
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

from pyexim.errors import ConfigError, SourceLoc

# Exim copies option names into a 64-byte buffer (EXIM_DRIVERNAME_MAX).
NAME_MAX = 63

# What -bP prints instead of a value set with the "hide" prefix (readconf.c `hidden`).
HIDDEN_VALUE = "<value not displayable>"


# ---------------------------------------------------------------------------
# Errors with Exim's log forms
# ---------------------------------------------------------------------------

class EximConfigError(ConfigError):
    """A configuration error whose heading is not the plain "in line N of F" form.

    Exim's log_write() builds the heading from flags: ``form`` is ``"in"``
    (LOG_CONFIG_IN: ``configuration error in line N of F:``), ``"plain"`` (LOG_CONFIG:
    ``configuration error:``), ``"for"`` (LOG_CONFIG_FOR: ``configuration error for``
    followed directly by the reason, which then starts with e.g. ``r1 router:``) or
    ``"none"`` (no heading at all, e.g. "both local_from_check and local_sender_retain
    are set"). ``main_log`` says the message also went to the main log (LOG_MAIN),
    which -bP shows as ``LOG: MAIN PANIC DIE``.
    """

    def __init__(self, reason: str, loc: SourceLoc | None = None, *, form: str = "in",
                 main_log: bool = False):
        super().__init__(reason, loc if form == "in" else None)
        self.form = form
        self.main_log = main_log


def exim_error_text(error: ConfigError, program: str = "Exim") -> str:
    """The text Exim logs for *error*, headings included, without timestamp or newline.

    E.g. ``Exim configuration error in line 3 of /etc/exim.conf:\\n  main option
    "x" unknown`` or ``Exim configuration error for r1 router:\\n  "unseen" may not
    be used with "one_time"``.
    """
    form = getattr(error, "form", "in" if error.loc is not None else "plain")
    if form == "none":
        return error.reason
    if form == "for":
        return f"{program} configuration error for {error.reason}"
    if form == "in" and error.loc is not None:
        return f"{program} configuration error in {error.loc}:\n  {error.reason}"
    return f"{program} configuration error:\n  {error.reason}"


def panic_die_text(error: ConfigError, program: str = "Exim") -> str:
    """What Exim writes to stderr for a fatal config error when -bP forces -v (with newline).

    An error with ``die = False`` (Exim logs a bad macro definition with LOG_PANIC
    and then exits) shows ``LOG: PANIC``.
    """
    flags = "MAIN PANIC" if getattr(error, "main_log", False) else "PANIC"
    if getattr(error, "die", True):
        flags += " DIE"
    return f"LOG: {flags}\n  {exim_error_text(error, program)}\n"


# ---------------------------------------------------------------------------
# Small helpers shared by the types
# ---------------------------------------------------------------------------

_OCTAL_DIGITS = "01234567"


def _c_isspace(ch: str) -> bool:
    return ch in " \t\n\v\f\r"


def _skip_space(text: str, pos: int = 0) -> int:
    while pos < len(text) and _c_isspace(text[pos]):
        pos += 1
    return pos


def _interpret_escape(text: str, pos: int) -> tuple[str, int]:
    """One backslash escape at text[pos] == "\\\\": (character, index of its last char).

    Exim's string_interpret_escape: up to three octal digits, \\xHH, \\b \\f \\n \\r
    \\t \\v; any other character stands for itself; a trailing backslash is kept.
    """
    if pos + 1 >= len(text):
        return "\\", pos
    pos += 1
    ch = text[pos]
    if ch in _OCTAL_DIGITS:
        value = int(ch)
        for _ in range(2):
            if pos + 1 < len(text) and text[pos + 1] in _OCTAL_DIGITS:
                pos += 1
                value = value * 8 + int(text[pos])
            else:
                break
        return chr(value & 0xFF), pos
    simple = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
    if ch in simple:
        return simple[ch], pos
    if ch == "x":
        value = 0
        for _ in range(2):
            if pos + 1 < len(text) and text[pos + 1] in "0123456789abcdefABCDEF":
                pos += 1
                value = value * 16 + int(text[pos], 16)
            else:
                break
        return chr(value), pos
    return ch, pos


def dequote(text: str, pos: int = 0) -> tuple[str, int]:
    """Exim's string_dequote at *pos*: a quoted string (escapes processed, a missing
    closing quote tolerated) or a run of non-space characters; (value, index after)."""
    if pos < len(text) and text[pos] == '"':
        out: list[str] = []
        pos += 1
        while pos < len(text) and text[pos] != '"':
            if text[pos] == "\\":
                ch, pos = _interpret_escape(text, pos)
                out.append(ch)
            else:
                out.append(text[pos])
            pos += 1
        if pos < len(text):
            pos += 1
        return "".join(out), pos
    start = pos
    while pos < len(text) and not _c_isspace(text[pos]):
        pos += 1
    return text[start:pos], pos


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
    """A value as -bP shows it: non-printing characters as escapes (string_printing2).

    Newline, CR, backspace, vertical tab, form feed and (when *tabs*) tab become
    ``\\n`` etc.; other control characters and DEL become three octal digits;
    bytes above 127 too, unless print_topbitchars (*topbit*) is set.
    """
    if text.isascii() and text.isprintable() and "\t" not in text:
        return text
    names = {"\n": "n", "\r": "r", "\b": "b", "\v": "v", "\f": "f", "\t": "t"}
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if 32 <= code <= 126 or (ch == "\t" and not tabs) or code > 127 and topbit:
            out.append(ch)
        elif ch in names:
            out.append("\\" + names[ch])
        elif code > 127:
            # Exim works on bytes: show each byte of the character's UTF-8 form.
            for byte in ch.encode("utf-8", "surrogateescape"):
                out.append(f"\\{byte:03o}")
        else:
            out.append(f"\\{code:03o}")
    return "".join(out)


def iter_list(text: str, sep: int = 0) -> Iterator[str]:
    """The elements of an Exim list (string_nextinlist), separator change ``<x`` honoured.

    *sep* 0 means ":" by default; a negative value means that character by default.
    Doubling the separator puts one in the data; leading and trailing white space
    of each element is removed. Control-character separators cannot be doubled.
    """
    pos = 0
    sep_ch = "" if sep <= 0 else chr(sep)
    while pos < len(text) and _c_isspace(text[pos]) and text[pos] != sep_ch:
        pos += 1
    if sep <= 0:
        if pos + 1 < len(text) and text[pos] == "<" and (
                _c_ispunct(text[pos + 1]) or ord(text[pos + 1]) < 32 or text[pos + 1] == "\x7f"):
            sep_ch = text[pos + 1]
            pos += 2
            while pos < len(text) and _c_isspace(text[pos]) and text[pos] != sep_ch:
                pos += 1
        else:
            sep_ch = chr(-sep) if sep else ":"
    special = ord(sep_ch) < 32 or sep_ch == "\x7f"
    while True:
        # Exim skips leading white space before every element.
        while pos < len(text) and _c_isspace(text[pos]) and text[pos] != sep_ch:
            pos += 1
        if pos >= len(text):
            return
        item: list[str] = []
        while pos < len(text):
            ch = text[pos]
            if ch == sep_ch:
                if pos + 1 < len(text) and text[pos + 1] == sep_ch and not special:
                    item.append(sep_ch)
                    pos += 2
                    continue
                pos += 1
                break
            item.append(ch)
            pos += 1
        value = "".join(item)
        while value and _c_isspace(value[-1]) and not (len(value) > 1 and value[-2] == "\\"):
            value = value[:-1]
        yield value


def _c_ispunct(ch: str) -> bool:
    return 33 <= ord(ch) <= 126 and not ch.isalnum()


def append_list_element(current: str | None, sep: str, element: str) -> str:
    """Exim's string_append_listele: add *element*, doubling any separator inside it."""
    doubled = element.replace(sep, sep + sep)
    return doubled if not current else current + sep + doubled


# ---------------------------------------------------------------------------
# Time values
# ---------------------------------------------------------------------------

_TIME_MULTIPLIERS = {"w": 7 * 24 * 3600, "d": 24 * 3600, "h": 3600, "m": 60, "s": 1}


def read_time(text: str, terminator: str = "") -> int:
    """readconf_readtime: ``[<n>w][<n>d][<n>h][<n>m][<n>s]`` (units in any order, repeatable).

    Returns seconds, or -1 when the text is not a time. Each number must be followed
    by a unit letter unless it is the last thing before the *terminator* (then it is
    seconds). Like Exim, ``1h30`` is 1 hour 30 seconds.
    """
    total = 0
    pos = 0
    while True:
        if pos >= len(text) or not text[pos].isdigit():
            return -1
        start = pos
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        value = int(text[start:pos])
        unit = text[pos] if pos < len(text) else ""
        if unit in _TIME_MULTIPLIERS:
            value *= _TIME_MULTIPLIERS[unit]
            pos += 1
        else:
            return -1
        total += value
        rest = text[pos] if pos < len(text) else ""
        if rest == terminator:
            return total
        if pos >= len(text):
            return -1


def format_time(seconds: int) -> str:
    """readconf_printtime: ``1w2d3h4m5s`` with zero parts left out, ``0s`` for zero."""
    sign = ""
    if seconds < 0:
        sign, seconds = "-", -seconds
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return sign + "".join(parts)


# ---------------------------------------------------------------------------
# Option types
# ---------------------------------------------------------------------------

class OptionType:
    """One of Exim's opt_* value types.

    ``parse(text, opt)`` gets the text after ``=`` (white space skipped; for
    booleans possibly empty) and returns the value or raises ValueError with Exim's
    reason. ``format(value, opt)`` is what -bP prints after ``name = ``; ``line``
    is the whole -bP line (booleans print ``name`` / ``no_name`` instead).
    """

    exim_type: ClassVar[str] = ""
    is_boolean: ClassVar[bool] = False

    def parse(self, text: str, opt: Opt) -> object:
        raise TypeError(f"{type(self).__name__} is not a settable option type")

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return "" if value is None else str(value)

    def line(self, opt: Opt, value: object, *, labels: bool = True, topbit: bool = False) -> str:
        text = self.format(value, opt, topbit=topbit)
        return f"{opt.name} = {text}" if labels else text

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Bool(OptionType):
    """opt_bool: ``name``, ``no_name``, ``not_name``, ``name = true|false|yes|no``."""

    exim_type = "opt_bool"
    is_boolean = True

    def parse(self, text: str, opt: Opt) -> object:
        return parse_bool_word(text, opt.name)

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return "true" if value else "false"

    def line(self, opt: Opt, value: object, *, labels: bool = True, topbit: bool = False) -> str:
        # Booleans print as a bare name, labels or not (print_ol).
        return opt.name if value else f"no_{opt.name}"


def parse_bool_word(text: str, name: str) -> bool:
    """The word after ``name =`` for a boolean (empty text means true)."""
    if not text:
        return True
    match = re.match(r"[A-Za-z][A-Za-z0-9_]*", text)
    word = match.group(0)[:NAME_MAX] if match else ""
    rest = text[_skip_space(text, match.end() if match else 0):]
    if word.lower() in ("true", "yes"):
        result = True
    elif word.lower() in ("false", "no"):
        result = False
    else:
        raise ValueError(f'"{word}" is not a valid value for the "{name}" option')
    if rest:
        raise ValueError(extra_chars_reason(rest, f'"{word}" ', "for boolean option ", name))
    return result


class Bit(Bool):
    """opt_bit: a boolean kept as one bit of a flags word (redirect's allow_*/forbid_*)."""

    exim_type = "opt_bit"


class BoolVerify(Bool):
    """opt_bool_verify: ``verify`` / ``fail_verify`` set both NAME_sender and NAME_recipient."""

    exim_type = "opt_bool_verify"


class BoolSet(Bool):
    """opt_bool_set: a boolean whose having been set at all matters (appendfile use_*_lock)."""

    exim_type = "opt_bool_set"


class ExpandBool(Bool):
    """opt_expand_bool: a boolean, or a string containing ``$`` expanded when used."""

    exim_type = "opt_expand_bool"

    def parse(self, text: str, opt: Opt) -> object:
        if "$" in text:
            return read_string(text, opt.name)
        return parse_bool_word(text, opt.name)

    def line(self, opt: Opt, value: object, *, labels: bool = True, topbit: bool = False) -> str:
        if isinstance(value, str):
            shown = printable(value, tabs=False, topbit=topbit)
            return f"{opt.name} = {shown}" if labels else shown
        return super().line(opt, value, labels=labels, topbit=topbit)


class String(OptionType):
    """opt_stringptr: the rest of the line verbatim, or a quoted string with escapes.

    Whether the value is expanded is decided where it is used; the table keeps
    the raw text either way.
    """

    exim_type = "opt_stringptr"

    def parse(self, text: str, opt: Opt) -> object:
        return read_string(text, opt.name)

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return "" if value is None else printable(str(value), topbit=topbit)


# The interface names an "Expandable" type; in Exim it is the same opt_stringptr.
Expandable = String


class Rewrite(String):
    """opt_rewrite: a transport's headers_rewrite rules, kept as text and checked."""

    exim_type = "opt_rewrite"

    def parse(self, text: str, opt: Opt) -> object:
        value = read_string(text, opt.name)
        for rule in iter_list(value):
            parse_rewrite_rule(rule, is_global=False)
        return value


class Int(OptionType):
    """opt_int: decimal, 0x hex or 0 octal, with K/M/G/T suffixes (times 1024 each)."""

    exim_type = "opt_int"
    _base = 0
    _kind = ""

    def parse(self, text: str, opt: Opt) -> object:
        parsed, end = _strtol(text, self._base)
        if end == 0:
            raise ValueError(f"{self._kind}integer expected for {opt.name}")
        too_large = ValueError(f'absolute value of integer "{text}" is too large (overflow)')
        if parsed is None:
            raise too_large
        value = parsed
        if end < len(text):
            power = {"k": 1, "m": 2, "g": 3, "t": 4}.get(text[end].lower())
            if power is not None:
                end += 1
                for _ in range(power):
                    if value > 0x7FFFFFFF // 1024 or value < -(0x80000000 // 1024):
                        raise too_large
                    value *= 1024
        if value > 0x7FFFFFFF or value < -0x80000000:
            raise too_large
        rest = text[_skip_space(text, end):]
        if rest:
            raise ValueError(extra_chars_reason(rest, self._kind, "integer value for ", opt.name))
        return value

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return str(value)


def _c_div(numerator: int, denominator: int) -> int:
    """C integer division (truncates toward zero)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator < 0) == (denominator < 0) else -quotient


def _strtol(text: str, base: int) -> tuple[int | None, int]:
    """C strtol(): (value or None on overflow, index after the number; 0 = no number)."""
    match = re.match(r"[ \t\n\v\f\r]*([+-]?)", text)
    assert match is not None
    pos = match.end()
    sign = -1 if match.group(1) == "-" else 1
    digits_re = {8: "[0-7]+", 10: "[0-9]+", 16: "[0-9a-fA-F]+"}
    if base == 0:
        if re.match(r"0[xX][0-9a-fA-F]", text[pos:]):
            base, pos = 16, pos + 2
        elif text[pos:pos + 1] == "0":
            base = 8
        else:
            base = 10
    elif base == 16 and re.match(r"0[xX][0-9a-fA-F]", text[pos:]):
        pos += 2
    number = re.match(digits_re[base], text[pos:])
    if not number:
        return 0, 0
    value = sign * int(number.group(0), base)
    end = pos + number.end()
    if value > 2**63 - 1 or value < -(2**63):
        return None, end
    return value, end


class MkInt(Int):
    """opt_mkint: an integer printed with a K or M suffix when it is a whole multiple."""

    exim_type = "opt_mkint"

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        number = int(value)  # type: ignore[call-overload]
        if number != 0 and number & 1023 == 0:
            number >>= 10
            if number & 1023 == 0:
                return f"{number >> 10}M"
            return f"{number}K"
        return str(number)


class Octal(Int):
    """opt_octint: an integer read as octal by default, printed with a leading 0."""

    exim_type = "opt_octint"
    _base = 8
    _kind = "octal "

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        number = int(value)  # type: ignore[call-overload]
        return f"0{number:o}" if number else "0"


class KInt(OptionType):
    """opt_Kint: a size held in kilobytes; no suffix means bytes (rounded to nearest K)."""

    exim_type = "opt_Kint"

    def parse(self, text: str, opt: Opt) -> object:
        parsed, end = _strtol(text, 0)
        if end == 0:
            raise ValueError(f"integer expected for {opt.name}")
        too_large = ValueError(f'absolute value of integer "{text}" is too large (overflow)')
        if parsed is None:
            raise too_large
        value = parsed
        if end < len(text):
            letters = "zeptgmk"
            index = letters.find(text[end].lower())
            if index >= 0:
                end += 1
                # K keeps the number as it is (already kilobytes); each larger
                # unit multiplies by 1024 once more.
                for _ in range(len(letters) - 1 - index):
                    if abs(value) > (2**63 - 1) // 1024:
                        raise too_large
                    value *= 1024
            else:
                # Exim converts bytes to K only when some other character follows
                # the number (even a space); a bare number is taken as K. A quirk
                # of readconf.c, kept on purpose.
                value = _c_div(value + 512, 1024)
        rest = text[_skip_space(text, end):]
        if rest:
            raise ValueError(extra_chars_reason(rest, "", "integer value for ", opt.name))
        return value

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        number = int(value)  # type: ignore[call-overload]
        if number == 0:
            return "0"
        for shift, unit in ((30, "T"), (20, "G"), (10, "M")):
            if number & ((1 << shift) - 1) == 0:
                return f"{number >> shift}{unit}"
        return f"{number}K"


class Fixed(OptionType):
    """opt_fixed: a number with up to three decimals, held in thousandths; negative = unset."""

    exim_type = "opt_fixed"

    def parse(self, text: str, opt: Opt) -> object:
        match = re.match(r"[ \t\n\v\f\r]*([+-]?[0-9]+)", text)
        if not match:
            raise ValueError(f"fixed-point number expected for {opt.name}")
        whole = int(match.group(1))
        if whole < 0 or whole > 0x7FFFFFFF or whole * 1000 > 0x7FFFFFFF:
            raise ValueError(f'integer "{text}" is too large (overflow)')
        value = whole * 1000
        pos = match.end()
        if pos < len(text) and text[pos] == ".":
            scale = 100
            pos += 1
            while pos < len(text) and text[pos].isdigit():
                value += int(text[pos]) * scale
                scale //= 10
                pos += 1
        rest = text[_skip_space(text, pos):]
        if rest:
            raise ValueError(extra_chars_reason(rest, "fixed-point value for ", opt.name))
        return value

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        number = int(value)  # type: ignore[call-overload]
        fraction = number % 1000
        digits = f"{fraction:03d}".rstrip("0") or "0"
        return f"{number // 1000}.{digits}"

    def line(self, opt: Opt, value: object, *, labels: bool = True, topbit: bool = False) -> str:
        # Unset prints "name =" with no trailing space, even under -n (a quirk of print_ol).
        if int(value) < 0:  # type: ignore[call-overload]
            return f"{opt.name} ="
        return super().line(opt, value, labels=labels, topbit=topbit)


class Time(OptionType):
    """opt_time: ``1h30m``, ``2d``, ``45s`` (a bare number is not accepted)."""

    exim_type = "opt_time"

    def parse(self, text: str, opt: Opt) -> object:
        value = read_time(text)
        if value < 0:
            raise ValueError(f"invalid time value for {opt.name}")
        return value

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return format_time(int(value))  # type: ignore[call-overload]


@dataclass(frozen=True, repr=False)
class TimeList(OptionType):
    """opt_timelist: colon-separated ascending times (delay_warning), at most *capacity*."""

    capacity: int = 10
    exim_type: ClassVar[str] = "opt_timelist"

    def parse(self, text: str, opt: Opt) -> object:
        values: list[int] = []
        pos = 0
        count = 0
        if text:
            count = 1
            while count <= self.capacity:
                colon = text.find(":", pos)
                terminator = ""
                if colon >= 0:
                    end = colon
                    while end > pos and _c_isspace(text[end - 1]):
                        end -= 1
                    terminator = text[end]
                value = read_time(text[pos:], terminator)
                if value < 0:
                    raise ValueError(f"invalid time value for {opt.name}")
                if count > 1 and value <= values[-1]:
                    raise ValueError(f"time value out of order for {opt.name}")
                values.append(value)
                if colon < 0:
                    break
                pos = _skip_space(text, colon + 1)
                count += 1
        if count > self.capacity:
            raise ValueError(f"too many time values for {opt.name}")
        # Exim: a first value of zero means "no list".
        if values and values[0] == 0:
            return ()
        return tuple(values)

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return ":".join(format_time(v) for v in value)  # type: ignore[attr-defined]


class Uid(OptionType):
    """opt_uid: a user name or number, looked up when the configuration is read."""

    exim_type = "opt_uid"

    def parse(self, text: str, opt: Opt) -> object:
        return find_user(read_string(text, opt.name))[0]

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return user_name(int(value))  # type: ignore[call-overload]


class Gid(OptionType):
    """opt_gid: a group name or number, looked up when the configuration is read."""

    exim_type = "opt_gid"

    def parse(self, text: str, opt: Opt) -> object:
        return find_group(read_string(text, opt.name))

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return group_name(int(value))  # type: ignore[call-overload]


class _ExpandableId:
    """opt_expand_uid/opt_expand_gid: a string containing ``$`` stays a string to expand when used."""

    def parse(self, text: str, opt: Opt) -> object:
        value = read_string(text, opt.name)
        return value if "$" in value else self._fixed(value)

    def _fixed(self, value: str) -> int:
        raise TypeError

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        if isinstance(value, str):
            return printable(value, tabs=False, topbit=topbit)
        result: str = super().format(value, opt, topbit=topbit)  # type: ignore[misc]
        return result


class ExpandUid(_ExpandableId, Uid):
    """opt_expand_uid: a user, or a string containing ``$`` that is expanded when used."""

    exim_type = "opt_expand_uid"

    def _fixed(self, value: str) -> int:
        return find_user(value)[0]


class ExpandGid(_ExpandableId, Gid):
    """opt_expand_gid: a group, or a string containing ``$`` that is expanded when used."""

    exim_type = "opt_expand_gid"

    def _fixed(self, value: str) -> int:
        return find_group(value)


class _IdList(OptionType):
    """Shared shape of opt_uidlist / opt_gidlist: a colon list of names or numbers."""

    def _lookup(self, item: str) -> int:
        raise TypeError

    def _name(self, number: int) -> str:
        raise TypeError

    def parse(self, text: str, opt: Opt) -> object:
        return self.parse_expanded(read_string(text, opt.name), opt)

    def parse_expanded(self, value: str, opt: Opt) -> tuple[int, ...]:
        """The ids of a list already expanded (Exim expands these lists while reading)."""
        if "$" in value:
            from pyexim.errors import NotAvailableError
            raise NotAvailableError(
                f"expansion in the {opt.name} option while reading the configuration")
        # Exim sizes the list by counting colons (each one not at the end adds an
        # entry), then reads that many elements with the usual list rules; so
        # "<; a; b" yields only "a". A quirk of readconf.c, kept on purpose.
        count = (1 if value else 0) + sum(
            1 for index, ch in enumerate(value) if ch == ":" and index + 1 < len(value))
        items = list(iter_list(value))[:count]
        return tuple(self._lookup(item) for item in items)

    def line(self, opt: Opt, value: object, *, labels: bool = True, topbit: bool = False) -> str:
        names = ":".join(self._name(v) for v in (value or ()))  # type: ignore[attr-defined]
        if not labels:
            return names
        return f"{opt.name} = {names}" if names else f"{opt.name} ="


class UidList(_IdList):
    """opt_uidlist: users (never_users, trusted_users)."""

    exim_type = "opt_uidlist"

    def _lookup(self, item: str) -> int:
        return find_user(item)[0]

    def _name(self, number: int) -> str:
        return user_name(number)


class GidList(_IdList):
    """opt_gidlist: groups (admin_groups, trusted_groups)."""

    exim_type = "opt_gidlist"

    def _lookup(self, item: str) -> int:
        return find_group(item)

    def _name(self, number: int) -> str:
        return group_name(number)


class SmtpReceiveTimeout(OptionType):
    """opt_func for smtp_receive_timeout: a time, or a string starting with ``$``."""

    exim_type = "opt_func"

    def parse(self, text: str, opt: Opt) -> object:
        if text.startswith("$"):
            return text
        value = read_time(text)
        if value < 0:
            raise ValueError(f"invalid time value for {opt.name}")
        return value

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        if isinstance(value, str):
            return printable(value, topbit=topbit)
        return format_time(int(value))  # type: ignore[call-overload]


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
    match = re.match(r"-?\d+", text)
    return (int(match.group(0)) if match else 0) & 0xFFFFFFFF


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
    pattern, pos = dequote(rule, _skip_space(rule))
    pos = _skip_space(rule, pos)
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


# ---------------------------------------------------------------------------
# Options and tables
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Opt:
    """One option: its name, type and the value it has when not set.

    ``hidden``: settable but never printed (Exim's opt_hidden). ``repeat``: "con"
    (router ``condition``: repeats are ANDed) or "str" (``headers_add`` and the
    like: repeats append to a list). ``alias_of``: another option of the same
    table that this one sets (``daemon_smtp_port`` -> ``daemon_smtp_ports``).
    """

    name: str
    type: OptionType
    default: object = None
    hidden: bool = False
    repeat: str | None = None
    alias_of: str | None = None


class OptionTable:
    """Options of one kind, in Exim's C table order (sorted by name; -bP prints in it)."""

    def __init__(self, kind: str, options: Iterable[Opt]):
        self.kind = kind
        self._options: list[Opt] = list(options)
        self._by_name: dict[str, Opt] = {opt.name: opt for opt in self._options}
        if len(self._by_name) != len(self._options):
            raise ValueError(f"duplicate option name in the {kind} table")

    def find(self, name: str) -> Opt | None:
        """The option called *name*, or None."""
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Opt]:
        return iter(self._options)

    def __len__(self) -> int:
        return len(self._options)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def default(self, name: str) -> object:
        """The default value of option *name* (KeyError when there is no such option)."""
        return self._by_name[name].default

    def __repr__(self) -> str:
        return f"OptionTable({self.kind!r}, {len(self._options)} options)"


@dataclass(frozen=True)
class OptionSetting:
    """One option as set in the file.

    ``hide``: set with the ``hide`` prefix; -bP shows ``<value not displayable>``.
    ``implied_by``: not written in the file but set as a side effect of another
    option (e.g. ``group`` by ``user``); an explicit setting may replace it.
    """

    name: str
    value: object
    loc: SourceLoc | None
    hide: bool = False
    implied_by: str | None = None


Settings = MutableMapping[str, OptionSetting]

# Gives the value of a main option by name (what a driver's init may consult).
MainGetter = Callable[[str], object]


def value_of(table: OptionTable, settings: Mapping[str, OptionSetting], name: str) -> object:
    """The value of option *name*: its setting, else the table default.

    An alias (``daemon_smtp_port``) shares its target's value, as both names point
    at one variable in Exim.
    """
    opt = table.find(name)
    if opt is not None and opt.alias_of is not None:
        name = opt.alias_of
    setting = settings.get(name)
    if setting is not None:
        return setting.value
    return table.default(name)


_UNKNOWN_FORMATS = {
    "main": 'main option "{}" unknown',
    "driver": 'option "{}" unknown',
    "driver-no-driver": 'option "{}" unknown ("driver" must be specified before any private options)',
}

_NAME = re.compile(r"[A-Za-z0-9_]*")


@dataclass
class ParsedLine:
    """An option line split into its parts (before the value is interpreted)."""

    name: str            # as written, with any no_/not_ prefix
    base: str            # without the prefix
    negated: bool
    hide: bool
    rest: str            # text after the name and white space


def split_option_line(text: str) -> ParsedLine:
    """Split ``[hide] [no_|not_]name [= value]``; ValueError "option setting expected: ..."."""
    pos = _skip_space(text)
    if pos >= len(text) or not text[pos].isascii() or not text[pos].isalpha():
        raise ValueError(f"option setting expected: {text[pos:]}")
    hide = False
    name = ""
    for _ in range(2):
        match = _NAME.match(text, pos)
        assert match is not None
        name = match.group(0)[:NAME_MAX]
        pos = _skip_space(text, match.end())
        if name != "hide":
            break
        hide = True
    base, negated = name, False
    if name.startswith("no_"):
        base, negated = name[3:], True
    if name.startswith("not_"):
        base, negated = name[4:], True
    return ParsedLine(name, base, negated, hide, text[pos:])


def apply_setting(table: OptionTable, settings: Settings, text: str, loc: SourceLoc | None, *,
                  context: str, private: OptionTable | None = None,
                  expand: Callable[[str], str] | None = None) -> OptionSetting:
    """Parse one logical option line into *settings*, with Exim's rules and wording.

    *context* is "main" or a driver kind ("router", "transport", "authenticator").
    For drivers, *table* is the generic table and *private* the driver's own table
    (None while no ``driver =`` has been read: then an option that is not generic is
    'option "x" unknown ("driver" must be specified before any private options)').
    *expand* expands a string; Exim expands uid and gid lists (``trusted_users``...)
    as it reads them, and a failure is "failed to expand NAME: MESSAGE" (the
    expander raises an exception whose text is Exim's message). Without *expand* a
    list containing ``$`` raises NotAvailableError.
    Returns the setting stored. Raises ConfigError(reason, loc) with Exim's reason.
    """
    try:
        line = split_option_line(text)
    except ValueError as error:
        raise ConfigError(str(error), loc) from None
    opt = table.find(line.base)
    owner = table
    if opt is None and context != "main":
        if private is None:
            raise ConfigError(_UNKNOWN_FORMATS["driver-no-driver"].format(line.name), loc)
        opt = private.find(line.base)
        owner = private
    if opt is None:
        key = "main" if context == "main" else "driver"
        raise ConfigError(_UNKNOWN_FORMATS[key].format(line.name), loc)
    try:
        return _store(owner, settings, opt, line, loc, expand)
    except ValueError as error:
        raise ConfigError(str(error), loc) from None


def _store(table: OptionTable, settings: Settings, opt: Opt, line: ParsedLine,
           loc: SourceLoc | None, expand: Callable[[str], str] | None) -> OptionSetting:
    previous = settings.get(opt.name)
    if previous is not None and previous.implied_by is None and opt.repeat is None:
        raise ValueError(f'"{line.name}" option set for the second time')
    rest = line.rest
    kind = opt.type
    if not kind.is_boolean:
        if line.negated:
            raise ValueError("negation prefix applied to a non-boolean option")
        if not rest:
            raise ValueError(f"unexpected end of line (data missing) after {line.name}")
        if not rest.startswith("="):
            raise ValueError(f'missing "=" after {line.name}')
    elif rest and (line.negated or not rest.startswith("=")):
        raise ValueError(extra_chars_reason(rest, "boolean option ", line.name))
    if rest.startswith("="):
        rest = rest[_skip_space(rest, 1):]

    value: object
    if kind.is_boolean:
        value = kind.parse(rest, opt) if rest else True
        if line.negated:
            value = False
    elif isinstance(kind, _IdList) and expand is not None:
        raw = read_string(rest, opt.name)
        try:
            expanded = expand(raw)
        except Exception as error:  # noqa: BLE001 - any expansion error: its text is Exim's
            raise ValueError(f"failed to expand {opt.name}: {error}") from None
        value = kind.parse_expanded(expanded, opt)
    else:
        value = kind.parse(rest, opt)

    if opt.repeat == "con" and previous is not None and previous.implied_by is None:
        # Exim chains repeated router conditions textually (route.c's "crude hack").
        value = f"${{if and{{{{bool_lax{{{previous.value}}}}}{{bool_lax{{{value}}}}}}}}}"
    elif opt.repeat == "str":
        value = _append_repeated(opt.name, previous.value if previous else None, str(value))

    setting = OptionSetting(opt.name, value, loc, hide=line.hide or bool(previous and previous.hide))
    settings[opt.name] = setting
    _side_effects(table, settings, opt, value, line, loc)
    return setting


def _append_repeated(name: str, current: object, text: str) -> str | None:
    """A repeatable list option (headers_add "\\n", set ";", others ":"): add *text*'s items."""
    sep = "\n" if name.startswith("headers_add") else ";" if name.startswith("set") else ":"
    result = current if isinstance(current, str) else None
    for item in iter_list(text, -ord(sep)):
        result = append_list_element(result, sep, item)
    return result


def _side_effects(table: OptionTable, settings: Settings, opt: Opt, value: object,
                  line: ParsedLine, loc: SourceLoc | None) -> None:
    """Settings that one option makes on others, as Exim's readconf does."""
    if opt.alias_of is not None:
        # "hide" marks only the name written: Exim sets opt_secure on that table entry.
        settings[opt.alias_of] = OptionSetting(opt.alias_of, value, loc, implied_by=opt.name)
    if isinstance(opt.type, ExpandBool) and isinstance(value, str):
        # Exim keeps the string form in a companion "*expand_NAME" slot; one
        # driver (appendfile) lists that slot as a printable option.
        mirror = f"*expand_{opt.name}"
        if mirror in table:
            settings[mirror] = OptionSetting(mirror, value, loc, implied_by=opt.name)
    if isinstance(opt.type, BoolVerify):
        for suffix in ("_sender", "_recipient"):
            target = opt.name + suffix
            if target in table:
                settings[target] = OptionSetting(target, value, loc, implied_by=opt.name)
    if type(opt.type) in (Uid, ExpandUid) and opt.name.endswith("user") and not isinstance(value, str):
        # A user given by name also sets the "...group" option from its passwd
        # entry, unless that group is already set (a number gives no entry). A
        # build-time default counts as set: exim_user does not change exim_group.
        written = read_string(line.rest[_skip_space(line.rest, 1):], opt.name)
        _uid, gid = find_user(written)
        group = opt.name[:-4] + "group"
        group_opt = table.find(group)
        if (gid is not None and group_opt is not None
                and type(group_opt.type) in (Gid, ExpandGid) and group not in settings
                and group_opt.default is None):
            settings[group] = OptionSetting(group, gid, loc, implied_by=opt.name)


def getter(settings: Mapping[str, OptionSetting], *tables: OptionTable) -> Callable[[str], object]:
    """A function giving an option's value: its setting, else its default in *tables*."""
    def get(name: str) -> object:
        setting = settings.get(name)
        if setting is not None:
            return setting.value
        for table in tables:
            opt = table.find(name)
            if opt is not None:
                return opt.default
        raise KeyError(name)
    return get


def is_set(settings: Mapping[str, OptionSetting], name: str) -> bool:
    """True when *name* has a value from the file (written or implied)."""
    return name in settings


__all__ = [
    "COMPUTED",
    "HIDDEN_VALUE",
    "Bit",
    "Bool",
    "BoolSet",
    "BoolVerify",
    "ConfigError",
    "DriverFamily",
    "EximConfigError",
    "ExpandBool",
    "ExpandGid",
    "ExpandUid",
    "Expandable",
    "Fixed",
    "Gid",
    "GidList",
    "Int",
    "KInt",
    "MainGetter",
    "MkInt",
    "Octal",
    "Opt",
    "OptionSetting",
    "OptionTable",
    "OptionType",
    "Rewrite",
    "Settings",
    "SmtpReceiveTimeout",
    "String",
    "Time",
    "TimeList",
    "Uid",
    "UidList",
    "apply_setting",
    "dequote",
    "derive",
    "exim_error_text",
    "find_group",
    "find_user",
    "format_time",
    "getter",
    "group_name",
    "is_set",
    "iter_list",
    "panic_die_text",
    "parse_rewrite_rule",
    "printable",
    "read_string",
    "read_time",
    "split_option_line",
    "user_name",
    "value_of",
]


# ---------------------------------------------------------------------------
# Driver families (routers, transports, authenticators)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DriverFamily:
    """One kind of driver: its generic options and its registry of driver modules.

    Each driver module (e.g. ``pyexim.routers.accept``) has an ``OPTIONS`` table
    at its top and may have ``init(name, settings)``: Exim's per-driver init
    function (checks and values derived after the instance is read). Modules are
    imported only when a configuration uses them.
    """

    kind: str                     # "router", "transport", "authenticator"
    generic: OptionTable
    drivers: Mapping[str, str]    # driver name -> module path

    def module(self, driver: str) -> ModuleType | None:
        """The module of *driver*, or None when this build has no such driver."""
        path = self.drivers.get(driver)
        return importlib.import_module(path) if path else None

    def private_options(self, driver: str) -> OptionTable | None:
        """The private option table of *driver*, or None when there is no such driver."""
        module = self.module(driver)
        if module is None:
            return None
        table: OptionTable = module.OPTIONS
        return table

    def check_new_name(self, existing: Iterable[str], name: str) -> None:
        """Exim refuses two instances of the same name (raised at the second header)."""
        if name in existing:
            raise EximConfigError(f'there are two {self.kind}s called "{name}"', form="plain")

    def apply(self, instance: str, settings: Settings, text: str, loc: SourceLoc | None, *,
              expand: Callable[[str], str] | None = None) -> None:
        """One option line of instance *instance*: generic first, then the driver's own.

        A ``driver =`` setting selects the private table; an unknown driver is
        ``router r1: cannot find router driver "x"``, reported at that line.
        """
        driver = settings.get("driver")
        private = self.private_options(str(driver.value)) if driver is not None else None
        setting = apply_setting(self.generic, settings, text, loc, context=self.kind,
                                private=private, expand=expand)
        if setting.name == "driver" and private is None and self.module(str(setting.value)) is None:
            raise ConfigError(f'{self.kind} {instance}: cannot find {self.kind} driver '
                              f'"{setting.value}"', loc)

    def all_options(self, driver: str) -> list[Opt]:
        """Generic then private options, in the order -bP prints them."""
        private = self.private_options(driver)
        return list(self.generic) + (list(private) if private is not None else [])

    def value(self, settings: Mapping[str, OptionSetting], name: str) -> object:
        """The value of *name* for an instance: its setting, else the default."""
        setting = settings.get(name)
        if setting is not None:
            return setting.value
        opt = self.generic.find(name)
        if opt is None:
            driver = settings.get("driver")
            private = self.private_options(str(driver.value)) if driver else None
            opt = private.find(name) if private is not None else None
        if opt is None:
            raise KeyError(name)
        return opt.default

    def init_instance(self, name: str, settings: Settings,
                      main: MainGetter | None = None) -> None:
        """Exim's driver_init_fini: the instance needs a driver; then the driver's init.

        *main* gives main option values (after ``finish_main``); some drivers take
        defaults from them (cram_md5's client_name is primary_hostname). Values the
        init derives are stored in *settings* as implied settings. Raises
        EximConfigError with Exim's wording and log form.
        """
        driver = settings.get("driver")
        if driver is None:
            raise EximConfigError(f'no driver defined for {self.kind} "{name}"', form="plain")
        module = self.module(str(driver.value))
        init = getattr(module, "init", None)
        if init is not None:
            init(name, settings, main if main is not None else _no_main)


def _no_main(name: str) -> object:
    """Main values when the caller gives none: the defaults, as finish_main would compute them."""
    from pyexim.config.main_options import MAIN_OPTIONS, finish_main
    settings: dict[str, OptionSetting] = {}
    finish_main(settings)
    return value_of(MAIN_OPTIONS, settings, name)


def derive(settings: Settings, name: str, value: object) -> None:
    """Store a value that a driver or main init computes (shown by -bP, not written)."""
    settings[name] = OptionSetting(name, value, None, implied_by=COMPUTED)


# Marks values computed after reading (not written in the file).
COMPUTED = "<computed>"
