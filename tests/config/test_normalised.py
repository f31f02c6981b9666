"""-bP config layout details that a root-run golden cannot show: hidden values, -n."""

from __future__ import annotations

import pytest

from pyexim.config.normalised import HIDDEN, _collapse, format_config_lines

LINES = ["# Exim Configuration (4.96)", '# 1 "/etc/exim.conf"', "SECRET = pw",
         "hide ldap_default_servers = host::pw", "hide split_spool_directory",
         "qualify_domain = x", "begin routers", "r1:", "driver = accept"]


def test_administrator_sees_everything() -> None:
    assert format_config_lines(LINES) == (
        '# Exim Configuration (4.96)\n# 1 "/etc/exim.conf"\nSECRET = pw\n'
        "hide ldap_default_servers = host::pw\nhide split_spool_directory\n"
        "qualify_domain = x\n\nbegin routers\n\n  r1:\n    driver = accept\n")


def test_others_see_macros_and_hide_lines_masked() -> None:
    text = format_config_lines(LINES, admin=False)
    assert f"SECRET = {HIDDEN}\n" in text
    assert f"hide ldap_default_servers = {HIDDEN}\n" in text
    # No "=": Exim prints the marker alone (right-aligned in a field as wide as the indent).
    assert f"\n{HIDDEN}\n" in text


def test_terse_drops_blank_lines_and_indentation() -> None:
    assert format_config_lines(LINES[5:], terse=True) == (
        "qualify_domain = x\nbegin routers\nr1:\ndriver = accept\n")


@pytest.mark.parametrize("line,expected", [
    ("a  b\t\tc", "a b c"),
    ('a "b  c"', 'a "b  c"'),       # one space before the quote: collapsing stops there
    ('a  "b  c"', 'a "b c"'),       # a run before the quote: Exim looks at the wrong character
    ("x $y    z", "x $y    z"),
])
def test_whitespace_collapse(line: str, expected: str) -> None:
    assert _collapse(line) == expected
