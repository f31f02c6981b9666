"""Table-driven cases for the client machine, read as transcripts: ``>>`` what the client
sends, ``<<`` what the server answers and the events that come of it. Server replies are
fed whole and one octet at a time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pyexim.smtp import client as c
from pyexim.smtp.errors import LocalProtocolError, RemoteProtocolError
from pyexim.smtp.events import NEED_DATA
from pyexim.smtp.server import Limits, ServerConnection, Settings
from tests.smtp.transcript import AcceptAll, Outcome, drive

EHLO_PIPE = b"250-x\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 100\r\n"
EHLO_PLAIN = b"250-x\r\n250 SIZE\r\n"


@dataclass(frozen=True)
class Send:
    """``>>``: the client sends *command* (or message data) and these octets go out."""

    command: object
    wire: bytes


@dataclass(frozen=True)
class Recv:
    """``<<``: these octets arrive and give these events (as ``repr`` kinds and codes)."""

    wire: bytes
    events: tuple[str, ...]


@dataclass(frozen=True)
class Fails:
    """Sending *command* now is refused with LocalProtocolError."""

    command: object


def _msg(data: bytes) -> tuple[str, bytes]:
    return ("message", data)


GREET = Recv(b"220 hi\r\n", ("Greeting 220",))
EHLO = [GREET, Send(c.Ehlo("me.example"), b"EHLO me.example\r\n"),
        Recv(EHLO_PIPE, ("EhloResponse 250",))]
EHLO_NP = [GREET, Send(c.Ehlo("me.example"), b"EHLO me.example\r\n"),
           Recv(EHLO_PLAIN, ("EhloResponse 250",))]
MAIL = Send(c.MailFrom("a@b"), b"MAIL FROM:<a@b>\r\n")
RCPT = Send(c.RcptTo("c@d"), b"RCPT TO:<c@d>\r\n")
DATA = Send(c.Data(), b"DATA\r\n")

CASES: list[tuple[str, list[object]]] = [
    ("greeting-multiline", [Recv(b"220-a\r\n220 b\r\n", ("Greeting 220",))]),
    ("greeting-refused", [Recv(b"554 go away\r\n", ("Greeting 554",))]),
    ("ehlo", [GREET, Send(c.Ehlo("x"), b"EHLO x\r\n")]),
    ("helo", [GREET, Send(c.Helo("x"), b"HELO x\r\n"), Recv(b"250 x\r\n", ("Response 250",))]),
    ("no-pipelining-without-ehlo", [GREET, MAIL, Fails(c.RcptTo("c@d"))]),
    ("no-command-before-greeting", [Fails(c.Ehlo("x"))]),
    ("pipelined-transaction", [*EHLO, MAIL, RCPT, Send(c.RcptTo("e@f"), b"RCPT TO:<e@f>\r\n"),
                               DATA,
                               Recv(b"250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n",
                                    ("Response 250", "Response 250", "Response 550",
                                     "Response 354"))]),
    ("no-pipelining-server", [*EHLO_NP, MAIL, Fails(c.RcptTo("c@d")),
                              Recv(b"250 ok\r\n", ("Response 250",)), RCPT]),
    ("data-ends-group", [*EHLO, MAIL, RCPT, DATA, Fails(c.Rset())]),
    ("ehlo-ends-group", [GREET, Send(c.Ehlo("x"), b"EHLO x\r\n"), Fails(c.Noop())]),
    ("rset-pipelines", [*EHLO, MAIL, Send(c.Rset(), b"RSET\r\n"), MAIL]),
    ("quit", [*EHLO, Send(c.Quit(), b"QUIT\r\n"), Recv(b"221 bye\r\n", ("Response 221",)),
              Fails(c.Noop())]),
    ("mail-params", [*EHLO, Send(c.MailFrom("", ("SIZE=10", "BODY=8BITMIME")),
                                 b"MAIL FROM:<> SIZE=10 BODY=8BITMIME\r\n")]),
    ("rcpt-params", [*EHLO, MAIL, Send(c.RcptTo("c@d", ("NOTIFY=NEVER",)),
                                       b"RCPT TO:<c@d> NOTIFY=NEVER\r\n")]),
    ("message-dot-stuffing", [*EHLO, MAIL, RCPT, DATA,
                              Recv(b"250 a\r\n250 b\r\n354 c\r\n", ("Response 250",) * 2
                                   + ("Response 354",)),
                              Send(_msg(b".start\n..two\nend"), b"..start\r\n...two\r\nend"),
                              Send("end", b"\r\n.\r\n"),
                              Recv(b"250 queued\r\n", ("Response 250",))]),
    ("message-lf-to-crlf", [*EHLO, MAIL, RCPT, DATA, Recv(b"250 a\r\n250 b\r\n354 c\r\n",
                                                            ("Response 250",) * 2
                                                            + ("Response 354",)),
                            Send(_msg(b"a\nb\rc\r\nd\n"), b"a\r\nb\r\nc\r\nd\r\n"),
                            Send("end", b".\r\n")]),
    ("message-cr-split", [*EHLO, MAIL, RCPT, DATA, Recv(b"250 a\r\n250 b\r\n354 c\r\n",
                                                          ("Response 250",) * 2
                                                          + ("Response 354",)),
                          Send(_msg(b"a\r"), b"a"), Send(_msg(b"\n.b"), b"\r\n..b"),
                          Send(_msg(b"\r"), b""), Send("end", b"\r\n.\r\n")]),
    ("message-dot-after-split", [*EHLO, MAIL, RCPT, DATA, Recv(b"250 a\r\n250 b\r\n354 c\r\n",
                                                                 ("Response 250",) * 2
                                                                 + ("Response 354",)),
                                 Send(_msg(b"x\n"), b"x\r\n"), Send(_msg(b".y\n"), b"..y\r\n"),
                                 Send(_msg(b"."), b".."), Send("end", b"\r\n.\r\n")]),
    ("message-empty", [*EHLO, MAIL, RCPT, DATA, Recv(b"250 a\r\n250 b\r\n354 c\r\n",
                                                       ("Response 250",) * 2
                                                       + ("Response 354",)),
                       Send("end", b".\r\n")]),
    ("data-refused", [*EHLO, MAIL, RCPT, DATA, Recv(b"250 a\r\n550 b\r\n503 c\r\n",
                                                      ("Response 250", "Response 550",
                                                       "Response 503")),
                      Fails(_msg(b"x")), Send(c.Rset(), b"RSET\r\n")]),
    ("bdat", [*EHLO, MAIL, RCPT, Send(("bdat", b"ab\ncd", False), b"BDAT 6\r\nab\r\ncd"),
              Send(("bdat", b"\n", True), b"BDAT 2 LAST\r\n\r\n"),
              Recv(b"250 a\r\n250 b\r\n250 c\r\n250 d\r\n", ("Response 250",) * 4)]),
    ("bdat-held-cr", [*EHLO, MAIL, RCPT, Send(("bdat", b"ab\r", False), b"BDAT 2\r\nab"),
                      Send(("bdat", b"\nc", True), b"BDAT 3 LAST\r\n\r\nc")]),
    ("starttls", [*EHLO_NP, Send(c.StartTls(), b"STARTTLS\r\n"),
                  Recv(b"220 go\r\n", ("Response 220",)), Fails(c.Noop()), "tls",
                  Send(c.Ehlo("me"), b"EHLO me\r\n")]),
    ("starttls-refused", [*EHLO_NP, Send(c.StartTls(), b"STARTTLS\r\n"),
                          Recv(b"454 no\r\n", ("Response 454",)), Send(c.Noop(), b"NOOP\r\n")]),
    ("auth-challenge", [*EHLO, Send(c.Auth("LOGIN"), b"AUTH LOGIN\r\n"),
                        Recv(b"334 VXNlcm5hbWU6\r\n", ("AuthChallenge 334",)),
                        Send(c.AuthLine("dXNlcg=="), b"dXNlcg==\r\n"),
                        Recv(b"334 UGFzc3dvcmQ6\r\n", ("AuthChallenge 334",)),
                        Send(c.AuthLine("*"), b"*\r\n"),
                        Recv(b"501 cancelled\r\n", ("Response 501",))]),
    ("auth-initial", [*EHLO, Send(c.Auth("PLAIN", "AGEAYg=="), b"AUTH PLAIN AGEAYg==\r\n"),
                      Recv(b"235 ok\r\n", ("Response 235",))]),
    ("unsolicited-421", [*EHLO, Recv(b"421 shutting down\r\n", ("Response 421",))]),
    ("server-closes", [*EHLO, MAIL, Recv(b"", ("ServerClosed",))]),
    ("vrfy", [*EHLO, Send(c.Vrfy("a@b"), b"VRFY a@b\r\n"), Recv(b"252 maybe\r\n",
                                                                 ("Response 252",))]),
    ("no-crlf-in-command", [*EHLO, Fails(c.MailFrom("a@b\r\nRCPT TO:<x@y>"))]),
    ("rcpt-before-mail", [*EHLO, Fails(c.RcptTo("c@d"))]),
]


def _step_send(conn: c.ClientConnection, step: Send) -> bytes:
    cmd = step.command
    if cmd == "end":
        return conn.end_message()
    if isinstance(cmd, tuple) and cmd[0] == "message":
        return conn.send_message(cmd[1])
    if isinstance(cmd, tuple) and cmd[0] == "bdat":
        return conn.send_bdat(cmd[1], last=cmd[2])
    assert isinstance(cmd, c.ClientCommand)
    return conn.send(cmd)


def _kind(event: object) -> str:
    reply = getattr(event, "reply", None)
    return f"{type(event).__name__} {reply.code}" if reply else type(event).__name__


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("name, steps", CASES, ids=[case[0] for case in CASES])
def test_client_case(name: str, steps: list[object], bytewise: bool) -> None:
    conn = c.ClientConnection()
    for step in steps:
        if step == "tls":
            conn.tls_started()
        elif isinstance(step, Send):
            assert _step_send(conn, step) == step.wire
        elif isinstance(step, Fails):
            with pytest.raises(LocalProtocolError):
                _step_send(conn, Send(step.command, b""))
        else:
            assert isinstance(step, Recv)
            events: list[str] = []
            wire = step.wire
            pieces = [wire[i:i + 1] for i in range(len(wire))] if bytewise and wire else [wire]
            for piece in pieces:
                conn.receive_data(piece)
                while (event := conn.next_event()) is not NEED_DATA:
                    events.append(_kind(event))
                    if event.__class__.__name__ == "ServerClosed":
                        break
            assert tuple(events) == step.events


def test_per_recipient_results() -> None:
    conn = c.ClientConnection()
    conn.receive_data(b"220 hi\r\n" + EHLO_PIPE)
    conn.next_event()
    conn.send(c.Ehlo("x"))
    conn.next_event()
    for cmd in (c.MailFrom("a@b"), c.RcptTo("ok@x"), c.RcptTo("no@x"), c.RcptTo("later@x"),
                c.Data()):
        conn.send(cmd)
    conn.receive_data(b"250 a\r\n250 b\r\n550 c\r\n451 d\r\n354 e\r\n")
    while conn.next_event() is not NEED_DATA:
        pass
    conn.send_message(b"hi\n")
    conn.end_message()
    conn.receive_data(b"250 queued\r\n")
    conn.next_event()
    tx = conn.transaction
    assert tx is not None
    assert {k: v.code if v else None for k, v in tx.results().items()} == {
        "ok@x": 250, "no@x": 550, "later@x": 451}
    assert [r.address for r in tx.accepted()] == ["ok@x"]


def test_lmtp_reply_per_recipient() -> None:
    conn = c.ClientConnection(lmtp=True)
    conn.receive_data(b"220 hi\r\n250-x\r\n250 PIPELINING\r\n")
    conn.next_event()
    assert conn.send(c.Ehlo("x")) == b"LHLO x\r\n"
    conn.next_event()
    for cmd in (c.MailFrom("a@b"), c.RcptTo("r1@x"), c.RcptTo("r2@x"), c.Data()):
        conn.send(cmd)
    conn.receive_data(b"250 a\r\n250 b\r\n250 c\r\n354 e\r\n")
    while conn.next_event() is not NEED_DATA:
        pass
    conn.end_message()
    conn.receive_data(b"250 delivered\r\n452 full\r\n")
    while conn.next_event() is not NEED_DATA:
        pass
    tx = conn.transaction
    assert tx is not None
    assert {k: v.code if v else None for k, v in tx.results().items()} == {"r1@x": 250,
                                                                              "r2@x": 452}


def test_malformed_reply_raises() -> None:
    conn = c.ClientConnection()
    conn.receive_data(b"hello\r\n")
    with pytest.raises(RemoteProtocolError):
        conn.next_event()


@pytest.mark.parametrize("body", [b"plain\n", b".dots\n..\n.\n", b"a\rb\r\n\n.\r", b"x" * 5000,
                                  b"\r\n.\r\n", b"\n.\n", b"end without newline"])
@pytest.mark.parametrize("split", [1, 2, 3, 7, 4096])
def test_client_to_server_round_trip(body: bytes, split: int) -> None:
    """What the client machine sends, the server machine receives as one message with the
    same lines (CRLF-normalised), at any piece size."""
    client = c.ClientConnection()
    client.receive_data(b"220 x\r\n250-x\r\n250 PIPELINING\r\n")
    client.next_event()
    wire = client.send(c.Ehlo("me.example"))
    client.next_event()
    wire += client.send(c.MailFrom("a@b.example")) + client.send(c.RcptTo("c@d.example"))
    wire += client.send(c.Data())
    client.receive_data(b"250 a\r\n250 b\r\n354 c\r\n")
    while client.next_event() is not NEED_DATA:
        pass
    for i in range(0, len(body), split):
        wire += client.send_message(body[i:i + split])
    wire += client.end_message()
    server = ServerConnection(Limits(), Settings(enforce_sync=False))
    out = Outcome()
    policy = AcceptAll()
    drive(server, policy, out)
    server.receive_data(wire)
    drive(server, policy, out)
    assert len(out.messages) == 1
    expected = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    if not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    assert out.messages[0] == expected
