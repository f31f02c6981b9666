"""Exim's command-line reader and ESMTP parameter extraction, table by table."""

from __future__ import annotations

import pytest

from pyexim.smtp.commands import (
    Extracted,
    Verb,
    c_scan_uint,
    c_strtoul,
    extract_option,
    parse_command,
    xtext_decode,
)


@pytest.mark.parametrize("line, verb, argument", [
    (b"EHLO x", Verb.EHLO, "x"),
    (b"ehlo   x  ", Verb.EHLO, "x"),
    (b"MAIL FROM:<a@b>", Verb.MAIL, "<a@b>"),
    (b"mail from: <a@b>", Verb.MAIL, "<a@b>"),
    (b"MAIL FROM:\t<a@b>", Verb.MAIL, "<a@b>"),
    (b"MAIL FROM :<a@b>", Verb.UNKNOWN, ""),
    (b"MAILFROM:<a@b>", Verb.UNKNOWN, ""),
    (b"RCPT TO:<a@b> NOTIFY=NEVER", Verb.RCPT, "<a@b> NOTIFY=NEVER"),
    (b"NOOP\tx", Verb.UNKNOWN, ""),
    (b"NOOP\r\r", Verb.NOOP, ""),
    (b"NOOPS", Verb.UNKNOWN, ""),
    (b"QUIT x", Verb.QUIT, "x"),
    (b"", Verb.UNKNOWN, ""),
    (b"DATA\x00", Verb.BADCHAR, ""),
    (b"BDAT 10 LAST", Verb.BDAT, "10 LAST"),
    (b"StartTLS", Verb.STARTTLS, ""),
    (b"AUTH PLAIN =", Verb.AUTH, "PLAIN ="),
    (b"HELP me", Verb.HELP, "me"),
    (b"VRFY \xc3\xa9@x", Verb.VRFY, "\u00e9@x"),
    (b"ETRN #x", Verb.ETRN, "#x"),
    (b"EXPN list", Verb.EXPN, "list"),
    (b"RSET", Verb.RSET, ""),
    (b"HELO", Verb.HELO, ""),
])
def test_parse_command(line: bytes, verb: Verb, argument: str) -> None:
    cmd = parse_command(line)
    assert (cmd.verb, cmd.argument) == (verb, argument)


def test_nul_shown_as_question_mark() -> None:
    assert parse_command(b"NO\x00OP").text == "NO?OP"


def test_undecodable_octets_survive() -> None:
    cmd = parse_command(b"VRFY \xff")
    assert cmd.argument.encode("utf-8", "surrogateescape") == b"\xff"


@pytest.mark.parametrize("data, expected", [
    ("<a@b> SIZE=10", Extracted("<a@b> SIZE=10", "<a@b>", "SIZE", "10")),
    ("<a@b>  SIZE=10  ", Extracted("<a@b>  SIZE=10", "<a@b> ", "SIZE", "10")),
    ("<a@b> SMTPUTF8", Extracted("<a@b> SMTPUTF8", "<a@b>", "SMTPUTF8", "SMTPUTF8")),
    ("<a@b>\tBODY=7BIT", Extracted("<a@b>\tBODY=7BIT", "<a@b>", "BODY", "7BIT")),
    ("<a@b>", "<a@b>"),
    ("<a@b>   ", "<a@b>"),
    ("<a@b>SIZE=10", "<a@b>SIZE=10"),
    ("<a@b> X-1=2", "<a@b> X-1=2"),
    ('<"a b"@c>', '<"a b"@c>'),
    ('<"a b"@c> SIZE=1', Extracted('<"a b"@c> SIZE=1', '<"a b"@c>', "SIZE", "1")),
    ('x"y', 'x"y'),
    ("AUTH=<a=b>", "AUTH=<a=b>"),
    ("", ""),
])
def test_extract_option(data: str, expected: Extracted | str) -> None:
    assert extract_option(data) == expected


@pytest.mark.parametrize("code, decoded", [
    ("a@b", "a@b"), ("a+2Bb@c", "a+b@c"), ("+3D", "="), ("a+zz", None), ("a+2", None),
    ("a=b", None), ("a b", None), ("\x7f", "\x7f"), ("\u00e9", None), ("", ""),
])
def test_xtext_decode(code: str, decoded: str | None) -> None:
    assert xtext_decode(code) == decoded


@pytest.mark.parametrize("value, number", [
    ("10", 10), (" 10", 10), ("+10", 10), ("-1", 2**64 - 1), ("1x", None), ("", None),
    ("x", None), ("99999999999999999999", 99999999999999999999),
])
def test_c_strtoul(value: str, number: int | None) -> None:
    assert c_strtoul(value) == number


@pytest.mark.parametrize("text, result", [
    ("10 LAST", (10, "LAST")), ("10", (10, "")), ("  7   last", (7, "last")),
    ("x", None), ("", None), ("-1", (2**32 - 1, "")), ("5x", (5, "x")),
])
def test_c_scan_uint(text: str, result: tuple[int, str] | None) -> None:
    assert c_scan_uint(text) == result
