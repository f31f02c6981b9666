"""The preprocessor (macros, .ifdef, .include, continuations) against real Exim's -bP config.

Each case of preprocessor_cases.py is read by pyexim and printed as ``-bP config``;
the text (or the error) must be what Exim 4.96 printed (preprocessor_goldens.json,
from gen_preprocessor_goldens.py). Unit tests of the macro table follow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyexim.config.normalised import normalised_config
from pyexim.config.options import exim_error_text
from pyexim.config.source import MacroTable, preprocess
from pyexim.errors import ConfigError, ConfigErrors
from tests.config.gen_broken_goldens import write_case
from tests.config.preprocessor_cases import CASES

GOLDENS = json.loads((Path(__file__).parent / "preprocessor_goldens.json").read_text())


def _macros(case: dict[str, object]) -> list[tuple[str, str]]:
    pairs = []
    for option in case.get("macros", []):  # type: ignore[attr-defined]
        name, _, value = str(option)[2:].partition("=")
        pairs.append((name, value))
    return pairs


@pytest.mark.parametrize("case", CASES, ids=[str(c["id"]) for c in CASES])
def test_bp_config_as_exim_prints_it(case: dict[str, object], tmp_path: Path) -> None:
    golden = GOLDENS[case["id"]]
    conf = write_case(case, tmp_path)
    try:
        text = normalised_config(str(conf), _macros(case), admin=True, hostname="vm")
    except ConfigErrors as errors:
        assert golden["status"] == 1, [str(e) for e in errors.errors]
        got = exim_error_text(errors.errors[0]) + "\n"
        assert got.replace(str(tmp_path), "DIR") == golden["stderr"]
        return
    assert golden["status"] == 0
    assert text.replace(str(tmp_path), "DIR") == golden["stdout"]


def test_positions_name_the_last_physical_line_of_a_logical_line(tmp_path: Path) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("a = 1 \\\n  2\n\n# c\nb = 3\n")
    source = preprocess(str(conf))
    assert [(line.text, line.loc.line) for line in source.lines] == [("a = 1 2", 2),
                                                                      ("b = 3", 5)]


@pytest.mark.parametrize("line,expected", [
    ("X = FOO", ("X = foo-value", True)),            # substituted after the "=" of a definition
    ("FOO = x", ("FOO = x", False)),                 # the name being defined is left alone
    ("a FOOBAR b", ("a foo-valueBAR b", True)),       # substring match, as Exim does
    ("no macros here", ("no macros here", False)),
    ("lower foo", ("lower foo", False)),
    ("x _HAVE_TLS", ("x y", True)),                 # built-in: first candidate starts with _
    ("X _HAVE_TLS", ("X _HAVE_TLS", False)),        # first candidate is upper case: user macros only
])
def test_macro_substitution(line: str, expected: tuple[str, bool]) -> None:
    table = MacroTable(cli_macros=[("FOO", "foo-value")])
    assert table.expand(line) == expected


@pytest.mark.parametrize("definition,reason,has_line", [
    ("A" * 64 + " = 1", "macro name too long (maximum is 63 characters)", True),
    ("FOO 1", "malformed macro definition", True),
    ("FOO = 2", 'macro "FOO" is already defined (use "==" if you want to redefine it)', False),
    ("XFOOY = 1", ('"XFOOY" cannot be defined as a macro because previously defined macro "FOO" '
                  "is a substring"), False),
    ("BAR == 1", 'can\'t redefine an undefined macro "BAR"', False),
])
def test_macro_definition_errors(definition: str, reason: str, has_line: bool) -> None:
    from pyexim.errors import SourceLoc
    table = MacroTable(builtins=())
    table.define("FOO = 1", None)
    with pytest.raises(ConfigError) as raised:
        table.define(definition, SourceLoc("f", 7))
    assert raised.value.reason == reason
    assert (raised.value.loc is not None) == has_line


def test_command_line_macro_wins_and_redefinition_replaces() -> None:
    table = MacroTable(builtins=(), cli_macros=[("CLI", "from-cli")])
    table.define("CLI = from-file", None)
    table.define("OTHER = 1", None)
    table.define("OTHER == 2", None)
    assert [(m.name, m.value, m.from_command_line) for m in table.user_macros()] == [
        ("CLI", "from-cli", True), ("OTHER", "2", False)]
