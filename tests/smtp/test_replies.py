"""Replies as values: Exim's formatting, and the client's reply parser (fed whole and bytewise)."""

from __future__ import annotations

import pytest

from pyexim.smtp import texts
from pyexim.smtp.errors import RemoteProtocolError
from pyexim.smtp.replies import Reply, ReplyParser, join_replies


@pytest.mark.parametrize("reply, wire", [
    (Reply.line(250, "OK"), b"250 OK\r\n"),
    (Reply(250, ("a", "b", "c")), b"250-a\r\n250-b\r\n250 c\r\n"),
    (Reply.line(550, "no", enhanced="5.7.1"), b"550 5.7.1 no\r\n"),
    (Reply(550, ("a", "b"), "5.1.1"), b"550-5.1.1 a\r\n550 5.1.1 b\r\n"),
    (Reply.from_message(550, "one\n  two\nthree\n"), b"550-one\r\n550-two\r\n550 three\r\n"),
    (Reply.from_message(550, "one\n"), b"550 one\r\n"),
    (Reply.from_user_message(550, "553 5.1.2 bad address"), b"553 5.1.2 bad address\r\n"),
    (Reply.from_user_message(550, "451 wrong class"), b"550 wrong class\r\n"),
    (Reply.from_user_message(550, "plain"), b"550 plain\r\n"),
    (texts.acl_reject(550, None), b"550 Administrative prohibition\r\n"),
    (texts.acl_reject(451, "details", temporary_details=False),
     b"451 Temporary local problem - please try later\r\n"),
    (texts.help_reply(starttls=True),
     (b"214-Commands supported:\r\n214 AUTH STARTTLS HELO EHLO MAIL RCPT DATA BDAT NOOP QUIT "
     b"RSET HELP\r\n")),
    (join_replies(Reply.line(503, "x"), Reply.line(503, "y")), b"503-x\r\n503 y\r\n"),
])
def test_reply_wire(reply: Reply, wire: bytes) -> None:
    assert reply.to_bytes() == wire


def test_echo_quirk() -> None:
    assert Reply.line(503, "sender not yet given").echo_text() == "503 sender not yet given"
    assert texts.acl_reject(550, "relay not permitted").echo_text() == "relay not permitted"


@pytest.mark.parametrize("bad", [lambda: Reply(99), lambda: Reply(250, ()),
                                 lambda: Reply(250, ("a\nb",))])
def test_reply_invalid(bad: object) -> None:
    with pytest.raises(ValueError):
        bad()  # type: ignore[operator]


PARSE = [
    ("one", b"250 OK\r\n", [Reply.line(250, "OK")]),
    ("multi", b"250-a\r\n250-b\r\n250 c\r\n", [Reply(250, ("a", "b", "c"))]),
    ("bare-code", b"250\r\n", [Reply.line(250, "")]),
    ("bare-lf", b"220 hi\n250 ok\n", [Reply.line(220, "hi"), Reply.line(250, "ok")]),
    ("two", b"250 a\r\n354 b\r\n", [Reply.line(250, "a"), Reply.line(354, "b")]),
    ("incomplete", b"250-a\r\n250 b", []),
    ("utf8", "250 h\u00e9\r\n".encode(), [Reply.line(250, "h\u00e9")]),
]


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("name, wire, replies", PARSE, ids=[p[0] for p in PARSE])
def test_reply_parser(name: str, wire: bytes, replies: list[Reply], bytewise: bool) -> None:
    parser = ReplyParser()
    got: list[Reply] = []
    for piece in ([wire[i:i + 1] for i in range(len(wire))] if bytewise else [wire]):
        parser.feed(piece)
        while (reply := parser.next_reply()) is not None:
            got.append(reply)
    assert got == replies


@pytest.mark.parametrize("wire", [b"25 x\r\n", b"abc x\r\n", b"250x\r\n", b"250-a\r\n251 b\r\n",
                                  b"999 x\r\n", b"250-" + b"x" * 70000])
def test_reply_parser_rejects(wire: bytes) -> None:
    parser = ReplyParser()
    parser.feed(wire)
    with pytest.raises(RemoteProtocolError):
        while parser.next_reply() is not None:
            pass


def test_reply_parser_bounds_lines() -> None:
    parser = ReplyParser(max_lines=3)
    parser.feed(b"250-a\r\n" * 5)
    with pytest.raises(RemoteProtocolError):
        parser.next_reply()
