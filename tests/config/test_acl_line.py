"""read_acl_line: one ACL line as acl_read() reads it, for the reader and for inline ACLs."""

from __future__ import annotations

import pytest

from pyexim.config.acl_line import NameTooLong, read_acl_line
from pyexim.config.model import AclCondition
from pyexim.errors import SourceLoc

LOC = SourceLoc("f", 1)


@pytest.mark.parametrize("text,verb,expected", [
    ("accept", None, ("accept", None)),
    ("accept hosts = :", None, ("accept", AclCondition("hosts", ":", False, LOC))),
    ("deny !verify = sender", None, ("deny", AclCondition("verify", "sender", True, LOC))),
    ("message = a = b", "deny", (None, AclCondition("message", "a = b", False, LOC))),
    ("endpass", "accept", (None, AclCondition("endpass", "", False, LOC))),
    ("warn set acl_m_x = 1", None,
     ("warn", AclCondition("set", "1", False, LOC, "acl_m_x"))),
    ("set dkim_verify_status=none", "warn",
     (None, AclCondition("set", "none", False, LOC, "dkim_verify_status"))),
])
def test_lines_read(text: str, verb: str | None, expected: tuple[object, object]) -> None:
    assert read_acl_line(text, LOC, verb) == expected


@pytest.mark.parametrize("text,verb,message", [
    ("hosts = x", None, 'unknown ACL verb "hosts" in "hosts = x"'),
    ("hots = x", "accept", 'unknown ACL condition/modifier in "hots = x"'),
    ("!accept", None, 'malformed ACL line "!accept"'),
    ("!message = x", "deny", 'ACL error: negation is not allowed with "message"'),
    ("endpass", "deny", 'ACL error: "endpass" is not allowed with "deny"'),
    ("hosts : x", "accept", '"=" missing after ACL "hosts" condition'),
    ("message x", "deny", '"=" missing after ACL "message" modifier'),
    ("set x = 1", "warn", ('invalid variable name after "set" in ACL modifier "set x = 1" '
                          '(must start "acl_c" or "acl_m")')),
    ("set acl_mx = 1", "warn", ('invalid variable name after "set" in ACL modifier '
                               '"set acl_mx = 1" (digit or underscore must follow acl_c or '
                               'acl_m)')),
    ("set acl_m_a-b = 1", "warn", ('invalid character "-" in variable name in ACL modifier '
                                  '"set acl_m_a-b = 1"')),
])
def test_lines_refused_with_exims_words(text: str, verb: str | None, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        read_acl_line(text, LOC, verb)
    assert str(raised.value) == message


def test_long_names_are_their_own_error() -> None:
    with pytest.raises(NameTooLong) as raised:
        read_acl_line("accept " + "h" * 70 + " = 1", LOC, None)
    assert str(raised.value).startswith("exim item name too long (>64)")
