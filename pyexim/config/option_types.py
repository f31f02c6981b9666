"""One class per Exim option value type (readconf.c's opt_* types): how each is read and printed.

``parse(text, opt)`` reads the text after ``name =`` (white space skipped; for a
boolean possibly empty) and raises ValueError with Exim's words; ``format`` is what
-bP prints after ``name = ``, and ``line`` the whole -bP line (booleans, unset
fixed-point numbers and uid/gid lists have their own shapes).
"""

from __future__ import annotations

from pyexim.config.value_syntax import (
    extra_chars_reason,
    find_group,
    find_user,
    group_name,
    is_c_space,
    parse_rewrite_rule,
    printable,
    read_string,
    skip_space,
    user_name,
)
from pyexim.record import record
from pyexim.strings import ALPHA, DIGITS, NAME_CHARS, list_items, span, strtol
from pyexim.timevalue import format_time, read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

    from pyexim.config.options import Opt

# Exim copies names into a 64-byte buffer (EXIM_DRIVERNAME_MAX).
NAME_MAX = 63

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
    end = span(text, NAME_CHARS) if text[0] in ALPHA else 0
    word = text[:end][:NAME_MAX]
    rest = text[skip_space(text, end):]
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
        for rule in list_items(value):
            parse_rewrite_rule(rule, is_global=False)
        return value


class Int(OptionType):
    """opt_int: decimal, 0x hex or 0 octal, with K/M/G/T suffixes (times 1024 each)."""

    exim_type = "opt_int"
    _base = 0
    _kind = ""

    def parse(self, text: str, opt: Opt) -> object:
        value, end = _leading_integer(text, self._base, self._kind, opt.name)
        too_large = _too_large(text)
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
        rest = text[skip_space(text, end):]
        if rest:
            raise ValueError(extra_chars_reason(rest, self._kind, "integer value for ", opt.name))
        return value

    def format(self, value: object, opt: Opt, *, topbit: bool = False) -> str:
        return str(value)


def _too_large(text: str) -> ValueError:
    return ValueError(f'absolute value of integer "{text}" is too large (overflow)')


def _leading_integer(text: str, base: int, kind: str, name: str) -> tuple[int, int]:
    """The number at the start of *text* as strtol() reads it: (value, index after it).

    ValueError "integer expected for NAME" (with *kind*, e.g. "octal ") when there is
    none, and Exim's overflow message when it does not fit a C long.
    """
    parsed, end, overflow = strtol(text, base)
    if end == 0:
        raise ValueError(f"{kind}integer expected for {name}")
    if overflow:
        raise _too_large(text)
    return parsed, end


def _c_div(numerator: int, denominator: int) -> int:
    """C integer division (truncates toward zero)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator < 0) == (denominator < 0) else -quotient


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
        value, end = _leading_integer(text, 0, "", opt.name)
        too_large = _too_large(text)
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
        rest = text[skip_space(text, end):]
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
        start = skip_space(text)
        digits = start + (text[start:start + 1] in ("+", "-"))
        end = span(text, DIGITS, digits)
        if end == digits:
            raise ValueError(f"fixed-point number expected for {opt.name}")
        whole = int(text[start:end])
        if whole < 0 or whole > 0x7FFFFFFF or whole * 1000 > 0x7FFFFFFF:
            raise ValueError(f'integer "{text}" is too large (overflow)')
        value = whole * 1000
        pos = end
        if pos < len(text) and text[pos] == ".":
            scale = 100
            pos += 1
            while pos < len(text) and text[pos].isdigit():
                value += int(text[pos]) * scale
                scale //= 10
                pos += 1
        rest = text[skip_space(text, pos):]
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


@record(frozen=True, repr=False)
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
                    while end > pos and is_c_space(text[end - 1]):
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
                pos = skip_space(text, colon + 1)
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


class IdList(OptionType):
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
        items = list(list_items(value))[:count]
        return tuple(self._lookup(item) for item in items)

    def line(self, opt: Opt, value: object, *, labels: bool = True, topbit: bool = False) -> str:
        names = ":".join(self._name(v) for v in (value or ()))  # type: ignore[attr-defined]
        if not labels:
            return names
        return f"{opt.name} = {names}" if names else f"{opt.name} ="


class UidList(IdList):
    """opt_uidlist: users (never_users, trusted_users)."""

    exim_type = "opt_uidlist"

    def _lookup(self, item: str) -> int:
        return find_user(item)[0]

    def _name(self, number: int) -> str:
        return user_name(number)


class GidList(IdList):
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


