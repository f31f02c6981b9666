"""Each option type on its own: the value forms it reads, how -bP prints them, Exim's error words.

Whole configurations are checked against real Exim in test_options_cases.py;
this file pins down the types and apply_setting directly, table-driven (the value
syntax they share is in test_value_syntax.py).
"""

from __future__ import annotations

import pytest

from pyexim.config.options import (
    Bool,
    ConfigError,
    ExpandBool,
    ExpandUid,
    Fixed,
    GidList,
    Int,
    KInt,
    MkInt,
    Octal,
    Opt,
    OptionTable,
    SmtpReceiveTimeout,
    String,
    Time,
    TimeList,
    UidList,
    apply_setting,
    split_option_line,
)
from pyexim.errors import SourceLoc

LOC = SourceLoc("test.conf", 7)


def opt(kind: object, name: str = "x") -> Opt:
    return Opt(name, kind)  # type: ignore[arg-type]


# (type, text, value, as -bP prints it)
VALUES = [
    (Int(), "42", 42, "42"), (Int(), "0x1f", 31, "31"), (Int(), "017", 15, "15"),
    (Int(), "2k", 2048, "2048"), (Int(), "-3", -3, "-3"), (Int(), "10  ", 10, "10"),
    (MkInt(), "1024", 1024, "1K"), (MkInt(), "3M", 3 << 20, "3M"), (MkInt(), "1000", 1000, "1000"),
    (MkInt(), "0", 0, "0"),
    (KInt(), "100", 100, "100K"), (KInt(), "5K", 5, "5K"), (KInt(), "10M", 10240, "10M"),
    (KInt(), "1G", 1 << 20, "1G"), (KInt(), "2T", 2 << 30, "2T"), (KInt(), "1025K", 1025, "1025K"),
    (KInt(), "2000 ", 2, "2K"),  # a space after a bare number makes it bytes (Exim's quirk)
    (Octal(), "022", 0o22, "022"), (Octal(), "0", 0, "0"), (Octal(), "640", 0o640, "0640"),
    (Fixed(), "1.5", 1500, "1.5"), (Fixed(), "2", 2000, "2.0"), (Fixed(), "0.25", 250, "0.25"),
    (Fixed(), "1.2345", 1234, "1.234"),
    (Time(), "1h30m", 5400, "1h30m"), (Time(), "90s", 90, "1m30s"),
    (TimeList(), "1h:2h", (3600, 7200), "1h:2h"), (TimeList(), "0s", (), ""),
    (String(), "a b", "a b", "a b"), (String(), '"\\n"', "\n", "\\n"),
    (SmtpReceiveTimeout(), "2m", 120, "2m"), (SmtpReceiveTimeout(), "$x", "$x", "$x"),
]


@pytest.mark.parametrize("kind,text,value,shown", VALUES,
                         ids=[f"{type(v[0]).__name__}-{v[1]}" for v in VALUES])
def test_value_forms(kind: object, text: str, value: object, shown: str) -> None:
    option = opt(kind)
    assert option.type.parse(text, option) == value
    assert option.type.format(value, option) == shown


# (type, text, Exim's reason) with the option called "x"
ERRORS = [
    (Int(), "many", "integer expected for x"),
    (Int(), "10 x", "extra characters follow integer value for x"),
    (Int(), "4G", 'absolute value of integer "4G" is too large (overflow)'),
    (Int(), "99999999999", 'absolute value of integer "99999999999" is too large (overflow)'),
    (Octal(), "9", "octal integer expected for x"),
    (Octal(), "0x1", "extra characters follow octal integer value for x"),
    (KInt(), "big", "integer expected for x"),
    (KInt(), "1x", "extra characters follow integer value for x"),
    (Fixed(), "high", "fixed-point number expected for x"),
    (Fixed(), "-1", 'integer "-1" is too large (overflow)'),
    (Fixed(), "1.5 x", "extra characters follow fixed-point value for x"),
    (Time(), "10", "invalid time value for x"),
    (TimeList(), "2h:1h", "time value out of order for x"),
    (TimeList(), ":".join(f"{n}h" for n in range(1, 12)), "too many time values for x"),
    (TimeList(), "1h:soon", "invalid time value for x"),
    (Bool(), "maybe", '"maybe" is not a valid value for the "x" option'),
    (Bool(), "1", '"" is not a valid value for the "x" option'),
    (Bool(), "yes no", 'extra characters follow "yes" for boolean option x'),
    (SmtpReceiveTimeout(), "never", "invalid time value for x"),
    (UidList(), "root:no_such_user_x", "user no_such_user_x was not found"),
    (GidList(), "no_such_group_x", "group no_such_group_x was not found"),
    (ExpandUid(), "no_such_user_x", "user no_such_user_x was not found"),
]


@pytest.mark.parametrize("kind,text,reason", ERRORS,
                         ids=[f"{type(e[0]).__name__}-{e[1][:12]}" for e in ERRORS])
def test_value_errors(kind: object, text: str, reason: str) -> None:
    option = opt(kind)
    with pytest.raises(ValueError) as caught:
        option.type.parse(text, option)
    assert str(caught.value) == reason


def test_expandable_forms_keep_the_string() -> None:
    assert ExpandBool().parse("${if eq{1}{1}}", opt(ExpandBool())) == "${if eq{1}{1}}"
    assert ExpandBool().parse("no", opt(ExpandBool())) is False
    assert ExpandUid().parse("$local_part", opt(ExpandUid())) == "$local_part"
    assert ExpandUid().parse("0", opt(ExpandUid())) == 0


@pytest.mark.parametrize("line,parts", [
    ("name", ("name", "name", False, False, "")),
    ("no_name", ("no_name", "name", True, False, "")),
    ("not_name = x", ("not_name", "name", True, False, "= x")),
    ("hide name = v", ("name", "name", False, True, "= v")),
    ("  spaced   =  v", ("spaced", "spaced", False, False, "=  v")),
])
def test_split_option_line(line: str, parts: tuple[object, ...]) -> None:
    parsed = split_option_line(line)
    assert (parsed.name, parsed.base, parsed.negated, parsed.hide, parsed.rest) == parts


TABLE = OptionTable("main", [
    Opt("flag", Bool(), False), Opt("text", String(), None), Opt("list", UidList(), None),
    Opt("parts", String(), None, repeat="str"), Opt("cond", String(), None, repeat="con"),
    Opt("alias", String(), None, hidden=True, alias_of="text"),
])


def apply(*lines: str, expand: object = None) -> dict[str, object]:
    settings: dict[str, object] = {}
    for line in lines:
        apply_setting(TABLE, settings, line, LOC, context="main",  # type: ignore[arg-type]
                      expand=expand)  # type: ignore[arg-type]
    return {name: setting.value for name, setting in settings.items()}  # type: ignore[attr-defined]


def test_apply_setting_forms() -> None:
    assert apply("no_flag", "text = a") == {"flag": False, "text": "a"}
    assert apply("cond = A", "cond = B")["cond"] == "${if and{{bool_lax{A}}{bool_lax{B}}}}"
    assert apply("parts = a:b", "parts = c")["parts"] == "a:b:c"
    assert apply("alias = x")["text"] == "x"
    assert apply("alias = x", "text = y") == {"alias": "x", "text": "y"}


@pytest.mark.parametrize("lines,reason", [
    (("flag", "flag"), '"flag" option set for the second time'),
    (("no_text",), "negation prefix applied to a non-boolean option"),
    (("nosuch = 1",), 'main option "nosuch" unknown'),
    (("text x",), 'missing "=" after text'),
    (("text",), "unexpected end of line (data missing) after text"),
    (("9 = 1",), "option setting expected: 9 = 1"),
])
def test_apply_setting_errors(lines: tuple[str, ...], reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        apply(*lines)
    assert (caught.value.reason, caught.value.loc) == (reason, LOC)


def test_uid_list_is_expanded_when_an_expander_is_given() -> None:
    assert apply("list = ${x}", expand=lambda text: "root")["list"] == (0,)

    def broken(text: str) -> str:
        raise ValueError('unknown variable name "x"')

    with pytest.raises(ConfigError) as caught:
        apply("list = $x", expand=broken)
    assert caught.value.reason == 'failed to expand list: unknown variable name "x"'
