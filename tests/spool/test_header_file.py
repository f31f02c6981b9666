"""The -H format: field-by-field reading, Exim's older forms, refusals, and round trips."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyexim.message import Envelope, HeaderLine, Recipient, decode, encode
from pyexim.spool.header_file import (
    SpoolFormatError,
    SpoolHeader,
    format_header_file,
    format_recipient,
    parse_header_file,
    parse_recipient,
)
from pyexim.spool.tree import ExactTree
from pyexim.taint import Tainted, is_tainted

MID = "1xW98n-0003BC-0A"


def minimal(**fields) -> SpoolHeader:
    base = dict(message_id=MID, originator_login="root", originator_uid=0, originator_gid=0,
                envelope=Envelope("a@b", [Recipient("c@d")]), received_time=1795598293)
    base.update(fields)
    return SpoolHeader(**base)


def test_minimal_file_layout() -> None:
    data = format_header_file(minimal(headers=[HeaderLine("Subject: x\n")]))
    assert data == (
        b"1xW98n-0003BC-0A-H\nroot 0 0\n<a@b>\n1795598293 0\n"
        b"-received_time_usec .000000\n-received_time_complete 1795598293.000000\n"
        b"-body_linecount 0\n-max_received_linelength 0\n-tls_resumption A\n"
        b"XX\n1\nc@d\n\n011  Subject: x\n")


def test_tainted_values_get_the_double_dash_and_read_back_tainted() -> None:
    h = minimal(helo_name=Tainted("client.example"), ident="root",
                host_address=Tainted("192.0.2.1"), host_port=25,
                acl_vars={"c0": "untainted", "mfoo": Tainted("two\nlines")})
    data = format_header_file(h)
    assert b"\n--helo_name client.example\n" in data
    assert b"\n-ident root\n" in data
    assert b"\n--host_address [192.0.2.1]:25\n" in data
    assert b"\n-aclc 0 9\nuntainted\n--aclm foo 9\ntwo\nlines\n" in data
    back = parse_header_file(data)
    assert is_tainted(back.helo_name) and not is_tainted(back.ident)
    assert back.host_address == "192.0.2.1" and back.host_port == 25
    assert back.acl_vars == {"c0": "untainted", "mfoo": "two\nlines"}
    assert is_tainted(back.acl_vars["mfoo"]) and not is_tainted(back.acl_vars["c0"])


@pytest.mark.parametrize("line,expected", [
    (b"a@b", Recipient("a@b")),
    (b"a@b  0,0  0,-1#3", Recipient("a@b", orcpt="", dsn_flags=0, errors_to="")),
    (b"a@b rfc822;a@b 10,6 e@f 3,-1#3", Recipient("a@b", "rfc822;a@b", 6, "e@f", -1)),
    (b"a b@c  0,0  0,2#3", Recipient("a b@c", "", 0, "", 2)),   # spaces in an address
    (b"a@b 4", Recipient("a@b", pno=4)),                        # early Exim 4
    (b"a@b 0,7,0", Recipient("a@b", pno=7)),                     # Exim 3
    (b"a@b e@f 3,5#1", Recipient("a@", errors_to="e@f", pno=5)),  # 4.96 misreads "#1" too
])
def test_parse_recipient_forms(line: bytes, expected: Recipient) -> None:
    got = parse_recipient(line)
    assert (got.address, got.orcpt or "", got.dsn_flags, got.errors_to or "", got.pno) == (
        expected.address, expected.orcpt or "", expected.dsn_flags, expected.errors_to or "",
        expected.pno)


@pytest.mark.parametrize("address", ["odd #3", "x 12", "y,5", "trailing ", "z#"])
def test_ambiguous_plain_addresses_use_the_extended_form(address: str) -> None:
    line = format_recipient(Recipient(address))
    assert line.endswith("#3")
    assert parse_recipient(encode(line)).address == address


def test_nonrecipient_tree_round_trip() -> None:
    tree = ExactTree.from_names(["d@x", "b@x", "f@x", "a@x", "c@x"])
    data = format_header_file(minimal(nonrecipients=tree))
    assert b"\nYY d@x\nYY b@x\nNN a@x\nNN c@x\nNN f@x\n1\n" in data
    back = parse_header_file(data)
    assert back.nonrecipients.preorder() == ["d@x", "b@x", "a@x", "c@x", "f@x"]
    assert format_header_file(back) == data


# (problem, corrupted file)
GOOD = format_header_file(minimal(headers=[HeaderLine("Subject: x\n")]))
CORRUPT = {
    "empty file": b"",
    "wrong id line": GOOD.replace(b"-H\n", b"-X\n", 1),
    "no uid": GOOD.replace(b"root 0 0\n", b"root\n"),
    "sender without brackets": GOOD.replace(b"<a@b>", b"a@b"),
    "time not numbers": GOOD.replace(b"1795598293 0\n", b"soon\n"),
    "recipient count missing": GOOD.replace(b"XX\n1\n", b"XX\nmany\n"),
    "too many recipients": GOOD.replace(b"XX\n1\n", b"XX\n99999\n"),
    "truncated recipients": GOOD[:GOOD.index(b"c@d")],
    "no blank line": GOOD.replace(b"c@d\n\n", b"c@d\nX\n"),
    "header count wrong": GOOD.replace(b"011  Subject", b"099  Subject"),
    "header without count": GOOD.replace(b"011  Subject", b"Subject"),
    "nul in header": GOOD.replace(b"Subject: x", b"Subject:\0x"),
    "zeroes after a crash": GOOD + b"\0\0\0\0",
    "acl value short": GOOD.replace(b"-body_linecount", b"-aclm x 999\nv\n-body_linecount"),
    "frozen without time": GOOD.replace(b"-body_linecount 0\n", b"-frozen\n-body_linecount 0\n"),
}


@pytest.mark.parametrize("data", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_files_are_refused_with_file_and_line(data: bytes) -> None:
    with pytest.raises(SpoolFormatError) as info:
        parse_header_file(data, file="/spool/input/" + MID + "-H")
    assert "/spool/input/1xW98n-0003BC-0A-H" in str(info.value)


def test_header_errors_keep_the_envelope_for_bp() -> None:
    with pytest.raises(SpoolFormatError) as info:
        parse_header_file(CORRUPT["header count wrong"])
    assert info.value.in_headers and info.value.partial is not None
    assert info.value.partial.envelope.sender == "a@b"
    with pytest.raises(SpoolFormatError) as early:
        parse_header_file(CORRUPT["time not numbers"])
    assert not early.value.in_headers


def test_id_must_match_the_file_name() -> None:
    with pytest.raises(SpoolFormatError, match="does not match"):
        parse_header_file(GOOD, message_id="1xW98n-0003BC-0B")


def test_unknown_options_are_ignored_as_exim_does() -> None:
    data = GOOD.replace(b"-tls_resumption A\n", b"-tls_resumption A\n-future_flag x\n")
    header = parse_header_file(data)
    assert header.unknown_options == ["-future_flag x"]
    assert format_header_file(header) == GOOD


def test_writer_refuses_what_would_corrupt_the_file() -> None:
    for bad in (minimal(envelope=Envelope("a\nb", [Recipient("c@d")])),
                minimal(helo_name="x\ny"), minimal(acl_vars={"m bad": "v"}),
                minimal(headers=[HeaderLine(" folded\n")]),
                minimal(envelope=Envelope("a@b", [Recipient("")]))):
        with pytest.raises(ValueError):
            format_header_file(bad)


def test_recipient_newlines_become_spaces_as_in_exim() -> None:
    data = format_header_file(minimal(envelope=Envelope("a@b", [Recipient("c\n@d")])))
    assert parse_header_file(data).envelope.recipients[0].address == "c @d"


# ---- Hypothesis: arbitrary bytes in every envelope field round-trip exactly -----------

line_bytes = st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\0" not in b)
text_field = line_bytes.map(decode)
nonempty_text = line_bytes.filter(bool).map(decode)
any_bytes_text = st.binary(max_size=60).map(decode)
acl_names = st.from_regex(r"[cm][A-Za-z0-9_]{1,8}", fullmatch=True)
header_text = st.binary(min_size=1, max_size=80).filter(
    lambda b: b"\0" not in b and not b[:1].isspace()).map(decode)
flag = st.sampled_from(list(" FTCBIRPS*"))


@st.composite
def recipients(draw) -> Recipient:
    extended = draw(st.booleans())
    address = draw(nonempty_text)
    if not extended:
        return Recipient(address)
    return Recipient(address, orcpt=draw(st.none() | text_field),
                     dsn_flags=draw(st.integers(0, 0x1F)),
                     errors_to=draw(st.none() | text_field), pno=draw(st.integers(-1, 500)))


@st.composite
def spool_headers(draw) -> SpoolHeader:
    optional = st.none() | text_field
    return SpoolHeader(
        message_id=MID,
        originator_login=decode(draw(line_bytes.filter(lambda b: len(b) <= 63))),
        originator_uid=draw(st.integers(-5, 2**31 - 1)),
        originator_gid=draw(st.integers(-5, 2**31 - 1)),
        envelope=Envelope(sender=draw(text_field), recipients=draw(st.lists(recipients(),
                                                                           max_size=6)),
                          dsn_envid=draw(optional), dsn_ret=draw(st.sampled_from([0, 1, 2]))),
        received_time=draw(st.integers(0, 2**31 - 1)),
        warning_count=draw(st.integers(0, 9)),
        received_time_usec=draw(st.integers(0, 999_999)),
        received_time_complete=(draw(st.integers(0, 2**31 - 1)), draw(st.integers(0, 999_999))),
        helo_name=draw(st.none() | text_field.map(Tainted)),
        host_address=draw(st.none() | text_field.filter(lambda t: "]" not in t)), host_port=draw(st.integers(0, 65535)),
        host_name=draw(optional), host_auth=draw(optional), ident=draw(optional),
        received_protocol=draw(optional), auth_id=draw(optional), auth_sender=draw(optional),
        acl_vars=draw(st.dictionaries(acl_names, any_bytes_text, max_size=5)),
        body_linecount=draw(st.integers(0, 10**6)), body_zerocount=draw(st.integers(0, 9)),
        max_received_linelength=draw(st.integers(0, 10**5)),
        frozen_at=draw(st.none() | st.integers(0, 2**31 - 1)),
        deliver_firsttime=draw(st.booleans()), sender_local=draw(st.booleans()),
        tls_cipher=draw(optional), tls_resumption=draw(st.integers(0, 3)),
        smtputf8=draw(st.booleans()),
        nonrecipients=ExactTree.from_names(draw(st.lists(nonempty_text, max_size=8))),
        headers=[HeaderLine(t, f) for t, f in draw(st.lists(st.tuples(header_text, flag),
                                                          max_size=5))],
    )


def c_order(header: SpoolHeader) -> dict[str, str]:
    """ACL variables in written order: connection variables, then message variables."""
    return {k: v for p in "cm" for k, v in header.acl_vars.items() if k.startswith(p)}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(spool_headers())
def test_every_field_round_trips_exactly(header: SpoolHeader) -> None:
    data = format_header_file(header)
    back = parse_header_file(data, message_id=MID)
    assert format_header_file(back) == data
    assert encode(back.envelope.sender) == encode(header.envelope.sender)
    assert [(r.address, r.orcpt or "", r.dsn_flags, r.errors_to or "", r.pno)
            for r in back.envelope.recipients] == [
        (r.address, r.orcpt or "", r.dsn_flags, r.errors_to or "", r.pno)
        for r in header.envelope.recipients]
    assert back.envelope.dsn_envid == header.envelope.dsn_envid
    assert back.acl_vars == c_order(header)
    assert (back.originator_login, back.originator_uid, back.originator_gid) == (
        header.originator_login, header.originator_uid, header.originator_gid)
    for name in ("helo_name", "host_address", "host_port", "host_name", "ident", "auth_id",
                 "auth_sender", "frozen_at", "received_time_complete", "tls_cipher"):
        expected = getattr(header, name)
        if name in ("host_name", "host_port") and header.host_address is None:
            expected = getattr(minimal(), name)  # written only with a host address
        assert getattr(back, name) == expected, name
    assert [(h.text, h.type) for h in back.headers] == [(h.text, h.type) for h in header.headers]
    assert back.nonrecipients.preorder() == header.nonrecipients.preorder()


@given(st.binary(max_size=30))
def test_arbitrary_sender_bytes_round_trip_or_are_refused(raw: bytes) -> None:
    header = minimal(envelope=Envelope(decode(raw), [Recipient("c@d")]))
    if b"\n" in raw or b"\0" in raw:
        with pytest.raises(ValueError):
            format_header_file(header)
    else:
        assert encode(parse_header_file(format_header_file(header)).envelope.sender) == raw


@given(st.binary(max_size=200))
def test_reader_never_crashes_on_garbage(data: bytes) -> None:
    for candidate in (data, GOOD[:40] + data, GOOD.replace(b"XX\n", data, 1)):
        try:
            parse_header_file(candidate)
        except SpoolFormatError:
            pass
