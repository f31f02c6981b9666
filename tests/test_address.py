"""pyexim.address: Exim's address parsing (parse.c), table-driven.

Expected values are what Exim 4.96 gives (checked with the oracle's -bv and
${address:}); the expansion goldens cover the same code through ${address:},
${domain:}, ${local_part:} and ${addresses:}.
"""

from __future__ import annotations

import pytest

from pyexim.address import (
    AddressError,
    AddressOptions,
    GroupState,
    extract_address,
    find_address_end,
    find_at,
    quote_local_part,
)

GOOD = [
    # mailbox, address, domain offset, start, end
    ("user@example.com", "user@example.com", 5, 0, 16),
    ("Name <user@example.com>", "user@example.com", 5, 6, 22),
    ("  <user@example.com>  ", "user@example.com", 5, 3, 19),
    ('"quoted local"@example.com', '"quoted local"@example.com', 15, 0, 26),
    ("user(comment)@(c2)example.com", "user@example.com", 5, 0, 29),
    ("@route1,@route2:user@dom", "user@dom", 5, 0, 24),
    ("<@route:user@dom>", "user@dom", 5, 1, 16),
    ("local", "local", 0, 0, 5),
    ("a.b.c", "a.b.c", 0, 0, 5),
    ("a..b@c", "a..b@c", 5, 0, 6),
    ("Phrase. With dots <x@y>", "x@y", 2, 19, 22),
    ("user@[192.0.2.1]", "user@[192.0.2.1]", 5, 0, 16),
]


@pytest.mark.parametrize("mailbox,address,domain,start,end", GOOD, ids=[g[0] for g in GOOD])
def test_extract_address(mailbox: str, address: str, domain: int, start: int, end: int) -> None:
    found = extract_address(mailbox)
    assert (found.address, found.domain, found.start, found.end) == (address, domain, start, end)


BAD = [
    ("<a@b", "'>' missing at end of address"),
    ("a@", "domain missing or malformed"),
    ('"unterminated@x', "unmatched doublequote in local part"),
    ("a@b c", "malformed address: c may not follow a@b "),
    ("Phrase only", 'missing or malformed local part (expected word or "<")'),
    ("x@-bad", "domain missing or malformed"),
    ("<a@b> trailing", "malformed address: trailing may not follow <a@b> "),
    ("", "empty address"),
    ("<@route>", "no local part"),
    ("<@r1,@r2>", "colon expected after route list"),
    ("<a b@c>", '"@" or "." expected after "a"'),
]


@pytest.mark.parametrize("mailbox,message", BAD, ids=[b[0] or "empty" for b in BAD])
def test_extract_address_errors(mailbox: str, message: str) -> None:
    with pytest.raises(AddressError) as caught:
        extract_address(mailbox)
    assert str(caught.value) == message


def test_null_address_only_when_allowed() -> None:
    assert extract_address("<>", allow_null=True).address == ""
    with pytest.raises(AddressError):
        extract_address("<>")


def test_domain_literals_in_angle_brackets_need_the_option() -> None:
    with pytest.raises(AddressError, match="domain literals not allowed"):
        extract_address("<u@[1.2.3.4]>")
    opts = AddressOptions(allow_domain_literals=True)
    assert extract_address("<u@[1.2.3.4]>", options=opts).domain_part == "[1.2.3.4]"


def test_excess_angle_brackets() -> None:
    opts = AddressOptions(strip_excess_angle_brackets=True)
    assert extract_address("<<a@b>>", options=opts).address == "a@b"
    with pytest.raises(AddressError):
        extract_address("<<a@b>>")


def test_trailing_dot() -> None:
    opts = AddressOptions(strip_trailing_dot=True)
    assert extract_address("a@b.example.", options=opts).address == "a@b.example"
    with pytest.raises(AddressError):
        extract_address("a@b.example.")


def test_groups_carry_state_between_calls() -> None:
    group = GroupState(allow=True)
    text = "friends: a@b, c@d;, e@f"
    results = []
    pos = 0
    while True:
        end = find_address_end(text, pos)
        results.append(extract_address(text[pos:end], group=group).address)
        if end >= len(text):
            break
        pos = end + 1
    assert results == ["a@b", "c@d", "e@f"]
    assert group.allow and not group.found


@pytest.mark.parametrize("text,end", [
    ("a@b, c@d", 3),
    ('"x,y"@z, q', 7),
    ("(a,b) c@d, e", 9),
    ("<@r1,@r2:x@y>, z", 13),
    ("@r1,@r2:x@y, z", 11),
    ("no comma", 8),
])
def test_find_address_end(text: str, end: int) -> None:
    assert find_address_end(text) == end


@pytest.mark.parametrize("address,at", [
    ("a@b", 1), ("a@b@c", 3), ('"x@y"', -1), ("a\\@b", -1), ("a\\\\@b", 3), ("none", -1),
])
def test_find_at(address: str, at: int) -> None:
    assert find_at(address) == at


@pytest.mark.parametrize("local,quoted", [
    ("simple", "simple"), ("a.b", "a.b"), (".a", '".a"'), ("a.", '"a."'),
    ("with space", '"with space"'), ("", '""'), ('q"x', '"q\\"x"'), ("o'neil+x", "o'neil+x"),
])
def test_quote_local_part(local: str, quoted: str) -> None:
    assert quote_local_part(local) == quoted
