"""Reading inline and file ACLs: lines, continuations, comments and Exim's errors."""

from __future__ import annotations

import pytest

from pyexim.acl.reader import AclSyntaxError, logical_lines, read_acl
from pyexim.errors import SourceLoc

LOC = SourceLoc("inline", 0)


@pytest.mark.parametrize("text,lines", [
    ("accept", ["accept"]),
    ("  accept\n\n  deny\n", ["accept", "deny"]),
    ("# comment\naccept\n# another", ["accept"]),
    ("deny message = one \\\n   two", ["deny message = one two"]),
    ("deny message = a\\   \n  b\n", ["deny message = ab"]),
    ("deny message = a \\\n# skipped\n  b", ["deny message = a b"]),
    ("accept\n\n", ["accept"]),
], ids=["single", "blank-lines", "comments", "continuation", "space-after-backslash",
        "comment-in-continuation", "trailing-newlines"])
def test_logical_lines(text: str, lines: list[str]) -> None:
    assert logical_lines(text) == lines


def test_statements_and_conditions() -> None:
    acl = read_acl("deny !hosts = 1.2.3.4\n  message = go\naccept set acl_m_x = 1", "x",
                   LOC)
    assert [s.verb for s in acl.statements] == ["deny", "accept"]
    deny, accept = acl.statements
    assert [(c.name, c.value, c.negated) for c in deny.conditions] == [
        ("hosts", "1.2.3.4", True), ("message", "go", False)]
    assert (accept.conditions[0].variable, accept.conditions[0].value) == ("acl_m_x", "1")


def test_reading_stops_at_the_next_acl_name() -> None:
    acl = read_acl("accept\nother:\ndeny", "x", LOC)
    assert [s.verb for s in acl.statements] == ["accept"]


@pytest.mark.parametrize("text,error", [
    ("hosts = x", 'unknown ACL verb "hosts" in "hosts = x"'),
    ("!deny", 'malformed ACL line "!deny"'),
    ("deny nonsense = 1", 'unknown ACL condition/modifier in "deny nonsense = 1"'),
    ("deny !message = x", 'ACL error: negation is not allowed with "message"'),
    ("deny endpass", 'ACL error: "endpass" is not allowed with "deny"'),
    ("deny hosts 1.2.3.4", '"=" missing after ACL "hosts" condition'),
    ("warn logwrite x", '"=" missing after ACL "logwrite" modifier'),
    ("warn set x = 1", 'invalid variable name after "set" in ACL modifier "set x = 1" '
                       '(must start "acl_c" or "acl_m")'),
    ("warn set acl_cx = 1", 'invalid variable name after "set" in ACL modifier '
                            '"set acl_cx = 1" (digit or underscore must follow acl_c or '
                            'acl_m)'),
    ("warn set acl_c_a-b = 1", 'invalid character "-" in variable name in ACL modifier '
                               '"set acl_c_a-b = 1"'),
])
def test_errors(text: str, error: str) -> None:
    with pytest.raises(AclSyntaxError) as caught:
        read_acl(text, "x", LOC)
    assert caught.value.message == error
