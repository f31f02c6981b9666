"""pyexim.message: header lines, header typing, and Exim's header/body split."""

from __future__ import annotations

import pytest

from pyexim.message import (
    HTYPE_CC,
    HTYPE_FROM,
    HTYPE_ID,
    HTYPE_OLD,
    HTYPE_OTHER,
    HTYPE_RECEIVED,
    HTYPE_SENDER,
    HTYPE_TO,
    Envelope,
    HeaderLine,
    HeaderTyping,
    decode,
    encode,
    header_kind,
    parse_message,
    type_received_headers,
)
from pyexim.taint import is_tainted


@pytest.mark.parametrize("raw", [b"", b"plain", b"caf\xc3\xa9", b"\xff\xfe\x00\x80", b"\xed\xa0\x80"])
def test_text_codec_is_lossless(raw: bytes) -> None:
    assert encode(decode(raw)) == raw


def test_header_line_parts() -> None:
    h = HeaderLine("Subject : caf\u00e9\n\tmore\n")
    assert h.name == "Subject"
    assert h.raw_value == " caf\u00e9\n\tmore\n"
    assert h.slen == len("Subject : café\n\tmore\n".encode())
    assert h.is_named("subject") and h.is_named("SUBJECT")
    assert not h.is_named("subj")


@pytest.mark.parametrize("text,kind", [
    ("From: a\n", HTYPE_FROM),
    ("Resent-From: a\n", HTYPE_FROM),
    ("to : a\n", HTYPE_TO),
    ("Received: x\n", HTYPE_RECEIVED),
    ("Resent-Received: x\n", HTYPE_OTHER),        # Received: takes no Resent-
    ("Message-ID: <x>\n", HTYPE_ID),
    ("Date: now\n", "d"),
    ("Subject: s\n", "s"),
    ("X-From: a\n", HTYPE_OTHER),
    ("Fromage: a\n", HTYPE_OTHER),
])
def test_header_kind(text: str, kind: str) -> None:
    assert header_kind(text) == kind


def test_type_received_headers_flags_like_receive_c() -> None:
    headers = [HeaderLine(t) for t in (
        "Received: from x\n", "From: a@b\n", "To: c@d\n", "Cc: e@f\n", "Subject: s\n",
        "Message-Id: <1@x>\n", "Message-Id: <2@x>\n", "Return-Path: <r@x>\n",
        "Envelope-To: q@x\n", "Sender: s@x\n")]
    type_received_headers(headers, HeaderTyping(sender_local=True))
    assert [h.type for h in headers] == [
        HTYPE_RECEIVED, HTYPE_FROM, HTYPE_TO, HTYPE_CC, HTYPE_OTHER, HTYPE_ID, HTYPE_OTHER,
        HTYPE_OLD, HTYPE_OLD, HTYPE_OLD]
    trusted = [HeaderLine("Sender: s@x\n")]
    type_received_headers(trusted, HeaderTyping(sender_local=True, trusted_caller=True))
    assert trusted[0].type == HTYPE_SENDER


# (input, headers, body, linecount, zerocount, max line length, ended by dot)
SPLIT_CASES = {
    "lf": (b"Subject: a\nTo: b\n\nline1\nline2\n", ["Subject: a\n", "To: b\n"],
           b"line1\nline2\n", 2, 0, 10, False),
    "crlf": (b"Subject: a\r\n\r\nbody\r\n", ["Subject: a\n"], b"body\n", 1, 0, 10, False),
    "folded": (b"Subject: a\n  b\nX: y\n\nb\n", ["Subject: a\n  b\n", "X: y\n"], b"b\n",
               1, 0, 10, False),
    "dot ends": (b"Subject: a\n\nbody\n.\nafter\n", ["Subject: a\n"], b"body\n", 1, 0, 10, True),
    "dot crlf": (b"Subject: a\n\nbody\n.\r\nafter\n", ["Subject: a\n"], b"body\n", 1, 0, 10, True),
    "dot in headers": (b"Subject: a\n.\n", ["Subject: a\n"], b"", 0, 0, 10, True),
    "leading dot kept": (b"S: a\n\n.x\n..y\n", ["S: a\n"], b".x\n..y\n", 2, 0, 4, False),
    "no final newline": (b"S: a\n\nbody", ["S: a\n"], b"body\n", 1, 0, 4, False),
    "bare cr": (b"S: a\n\na\rb\r\n", ["S: a\n"], b"a\nb\n", 2, 0, 4, False),
    "not a header": (b"S: a\nnot header\nz\n", ["S: a\n"], b"not header\nz\n", 2, 0, 10, False),
    "nul in body": (b"S: a\n\na\0b\n", ["S: a\n"], b"a\0b\n", 1, 1, 4, False),
    "nul in header": (b"S: a\0\n\nb\n", ["S: a?\n"], b"b\n", 1, 0, 5, False),
    "blank continuation trimmed": (b"S: a\n \n\t\nT: b\n\n", ["S: a\n", "T: b\n"], b"",
                                   0, 0, 4, False),
    # the bare CR is one physical line for the length count (as in receive.c)
    "bare cr in header": (b"S: a\rb\n\n", ["S: a\n b\n"], b"", 0, 0, 7, False),
    "bare lf after crlf folds": (b"S: a\r\nT: b\nc\r\n\r\n", ["S: a\n", "T: b\n c\n"], b"",
                                 0, 0, 4, False),
    "empty": (b"", [], b"", 0, 0, 0, False),
}


@pytest.mark.parametrize("case", SPLIT_CASES.values(), ids=SPLIT_CASES.keys())
def test_parse_message_split(case: tuple) -> None:
    data, headers, body, lines, zeros, longest, dot = case
    parsed = parse_message(data)
    assert [h.text for h in parsed.headers] == headers
    assert parsed.body == body
    assert parsed.body_linecount == lines
    assert parsed.body_zerocount == zeros
    assert parsed.max_received_linelength == longest
    assert parsed.ended_by_dot == dot


def test_parse_message_without_dot_ends_keeps_dot_lines() -> None:
    parsed = parse_message(b"S: a\n\nx\n.\ny\n", dot_ends=False)
    assert parsed.body == b"x\n.\ny\n"
    assert not parsed.ended_by_dot


def test_parse_message_from_line() -> None:
    parsed = parse_message(b"From bob Fri Jan  5 12:35 GMT 1996\nSubject: a\n\nb\n")
    assert parsed.from_line_sender == "bob"
    assert [h.text for h in parsed.headers] == ["Subject: a\n"]
    smtp = parse_message(b"From bob Fri Jan  5 12:35 GMT 1996\nSubject: a\n\nb\n", smtp=True)
    assert smtp.from_line is None and smtp.headers == []


def test_parse_message_header_lines_are_tainted_and_build_a_message() -> None:
    parsed = parse_message(b"Subject: a\nFrom: x@y\n\nbody\n")
    assert all(is_tainted(h.text) for h in parsed.headers)
    message = parsed.message("1xW98n-0003BC-0A", Envelope(sender="x@y"))
    assert message.size == len("Subject: a\nFrom: x@y\n") + 1 + len(b"body\n")
    assert [h.text for h in message.find_headers("from")] == ["From: x@y\n"]
    message.headers[1].type = HTYPE_OLD
    assert message.find_headers("from") == []
    assert message.linecount == 2


def test_parse_message_is_the_same_fed_in_pieces() -> None:
    data = b"Subject: a\r\n b\r\nTo: c\r\n\r\nline\r\n..x\r\n"
    whole = parse_message(data, smtp=True)
    assert [h.text for h in whole.headers] == ["Subject: a\n b\n", "To: c\n"]
    assert whole.body == b"line\n..x\n"
