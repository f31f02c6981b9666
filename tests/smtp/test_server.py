"""Table-driven cases for the server machine beyond the oracle goldens: synchronisation,
STARTTLS, AUTH continuation, BDAT sequences real Exim's -bh cannot show, limits, long
lines, and misuse of the API. Each case runs whole and fed one octet at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.errors import LocalProtocolError
from pyexim.smtp.replies import Reply
from pyexim.smtp.server import CLOSED, Limits, Phase, ServerConnection, Settings, check_helo
from tests.smtp.transcript import NO_SYNC, AcceptAll, run_session

BANNER = "220 oracle.test ESMTP Exim 4.96"
EHLO = ["250-oracle.test Hello c.example [192.0.2.1]", "250-SIZE 10485760", "250-8BITMIME",
        "250-DSN", "250-ETRN", "250-EXPN", "250-PIPELINING", "250-AUTH PLAIN",
        "250-CHUNKING", "250-SMTPUTF8", "250 HELP"]
BYE = "221 oracle.test closing connection"
E, M, R, Q = (b"EHLO c.example\r\n", b"MAIL FROM:<s@c.example>\r\n",
              b"RCPT TO:<r@oracle.test>\r\n", b"QUIT\r\n")
OK, ACC, GO = "250 OK", "250 Accepted", '354 Enter message, ending with "." on a line by itself'
QUEUED = "250 OK id=<ID>"
SYNC = "554 SMTP synchronization error"
SYNC_ON = Settings(enforce_sync=True)
EHLO_NOPIPE = [EHLO[0], "250-SIZE", "250-CHUNKING", "250 HELP"]
EHLO_TLS = [EHLO[0], "250-SIZE", "250-PIPELINING", "250-STARTTLS", "250 HELP"]


@dataclass
class Case:
    """One dialogue: the client's writes, and the replies expected.

    ``bytewise`` overrides the expectation when fed octet by octet (a client that
    waits for each reply cannot break synchronisation); ``messages`` the message data.
    """

    name: str
    packets: list[bytes]
    replies: list[str]
    settings: Settings = field(default_factory=lambda: Settings(enforce_sync=False))
    limits: Limits = field(default_factory=Limits)
    bytewise: list[str] | None = None
    messages: list[bytes] | None = None
    ehlo: dict[str, object] | None = None


CASES = [
    # --- synchronisation (Exim's check_sync; off for -bh, so not in the goldens)
    Case("sync-before-banner", [b"EHLO c.example\r\n"], [SYNC], SYNC_ON,
         bytewise=[SYNC]),
    Case("sync-helo-pipelined", [b"", E + M], [BANNER, SYNC], SYNC_ON,
         bytewise=[BANNER, *EHLO, OK, "421 oracle.test lost input connection"]),
    Case("sync-mail-rcpt-ok-with-pipelining", [b"", E, M + R + b"DATA\r\n", b"a\r\n.\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, BYE], SYNC_ON),
    Case("sync-data-with-message", [b"", E, M + R + b"DATA\r\na\r\n.\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, SYNC], SYNC_ON,
         bytewise=[BANNER, *EHLO, OK, ACC, GO, QUEUED, BYE]),
    Case("sync-mail-without-pipelining", [b"", b"HELO c.example\r\n", M + R],
         [BANNER, "250 oracle.test Hello c.example [192.0.2.1]", SYNC], SYNC_ON,
         bytewise=[BANNER, "250 oracle.test Hello c.example [192.0.2.1]", OK, ACC,
                   "421 oracle.test lost input connection"]),
    Case("sync-noop-pipelined", [b"", E, b"NOOP\r\nNOOP\r\n"], [BANNER, *EHLO, SYNC], SYNC_ON,
         bytewise=[BANNER, *EHLO, OK, OK, "421 oracle.test lost input connection"]),
    Case("sync-unknown-pipelined", [b"", E, b"FOO\r\nNOOP\r\n"], [BANNER, *EHLO, SYNC],
         SYNC_ON, bytewise=[BANNER, *EHLO, "500 unrecognized command", OK,
                            "421 oracle.test lost input connection"]),
    Case("sync-quit-may-follow", [b"", E, M + R + Q], [BANNER, *EHLO, OK, ACC, BYE], SYNC_ON),
    Case("sync-off-for-pipe-connect", [E + M + R + Q], [BANNER, *EHLO, OK, ACC, BYE],
         Settings(pipe_connect=True)),
    Case("pipe-connect-ends-at-data", [E + M + R + b"DATA\r\n", b"a\r\n.\r\n", M + R + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, OK, ACC, BYE], Settings(pipe_connect=True)),
    Case("sync-bdat-without-pipelining", [b"", E, M, R, b"BDAT 3 LAST\r\nx\r\nRSET\r\n", Q],
         [BANNER, *EHLO_NOPIPE, OK, ACC, SYNC, "250 Reset OK", BYE], SYNC_ON,
         ehlo={"chunking": True},
         bytewise=[BANNER, *EHLO_NOPIPE, OK, ACC, "250- 3 byte chunk, total 3",
                   "250 OK id=<ID>", "250 Reset OK", BYE]),
    # --- BDAT sequences that make Exim 4.96 -bh crash, answered as smtp_in.c says
    Case("bdat-then-mail", [E + M + R + b"BDAT 5\r\nhelloMAIL FROM:<x@y>\r\nRSET\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, "250 5 byte chunk received",
          "503 only BDAT permissible after non-LAST BDAT", "250 Reset OK", BYE]),
    Case("bdat-zero-middle", [E + M + R + b"BDAT 5\r\nhelloBDAT 0\r\nRSET\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, "250 5 byte chunk received",
          "504 zero size for BDAT command", "250 Reset OK", BYE]),
    Case("bdat-missing-size-later", [E + M + R + b"BDAT 5\r\nhelloBDAT x\r\n" + M + Q],
         [BANNER, *EHLO, OK, ACC, "250 5 byte chunk received",
          "501 missing size for BDAT command", OK, BYE]),
    Case("bdat-quit-midway", [E + M + R + b"BDAT 3\r\nabc" + Q],
         [BANNER, *EHLO, OK, ACC, "250 3 byte chunk received", BYE], messages=[]),
    Case("bdat-eof-in-chunk", [E + M + R + b"BDAT 30\r\nabc"],
         [BANNER, *EHLO, OK, ACC, "421 Lost incoming connection"]),
    Case("bdat-binary-chunk", [E + M + R + b"BDAT 7 LAST\r\n\x00\r\n.\r\n\xff" + Q],
         [BANNER, *EHLO, OK, ACC, "250- 7 byte chunk, total 10", QUEUED, BYE],
         messages=[b"\x00\r\n.\r\n\xff"]),
    Case("bdat-after-data-message", [E + M + R + b"DATA\r\nx\r\n.\r\n" + M + R
                                     + b"BDAT 2 LAST\r\nyz" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, OK, ACC, "250- 2 byte chunk, total 5", QUEUED,
          BYE], messages=[b"x\r\n", b"yz"]),
    # --- STARTTLS
    Case("starttls-discards-pipelined", [E + b"STARTTLS\r\nMAIL FROM:<evil@x>\r\n", E + Q],
         [BANNER, *EHLO_TLS, "220 TLS go ahead", *EHLO_TLS, BYE],
         ehlo={"pipelining": True, "starttls": True},
         bytewise=[BANNER, *EHLO_TLS, "220 TLS go ahead", "503 HELO or EHLO required",
                   *EHLO_TLS, BYE]),
    Case("starttls-forgets-helo", [E + b"STARTTLS\r\n", M + Q],
         [BANNER, *EHLO_TLS, "220 TLS go ahead", "503 HELO or EHLO required", BYE],
         ehlo={"pipelining": True, "starttls": True}),
    Case("starttls-argument", [E + b"STARTTLS now\r\n" + Q],
         [BANNER, *EHLO, "501 unexpected argument data", BYE]),
    # --- AUTH continuation
    Case("auth-overlong-response", [E + b"AUTH PLAIN\r\n" + b"A" * 16384 + b"\r\n" + Q],
         [BANNER, *EHLO, "334 ", "501 Invalid base64 data", "500 unrecognized command", BYE]),
    Case("auth-eof-in-challenge", [E + b"AUTH PLAIN\r\nAGFiAGM="],
         [BANNER, *EHLO, "334 ", "535 Incorrect authentication data",
          "421 oracle.test lost input connection"]),
    # --- limits given to the constructor
    Case("limit-unknown-1", [E + b"FOO\r\nBAR\r\n" + Q],
         [BANNER, *EHLO, "500 unrecognized command", "500 Too many unrecognized commands"],
         limits=Limits(max_unknown_commands=1)),
    Case("limit-synprot-0", [E + b"MAIL FROM:\r\n" + Q],
         [BANNER, *EHLO, "501-MAIL must have an address operand",
          "501 Too many syntax or protocol errors"], limits=Limits(max_synprot_errors=0)),
    Case("limit-nonmail-none", [E + b"NOOP\r\n" * 20 + Q],
         [BANNER, *EHLO, *[OK] * 20, BYE], limits=Limits(max_nonmail=None)),
    Case("limit-mail-commands", [E + M + b"RSET\r\n" + M + Q],
         [BANNER, *EHLO, OK, "250 Reset OK", "421 too many messages in this connection", BYE],
         limits=Limits(max_mail_commands=1)),
    Case("limit-command-line-512", [E + b"NOOP " + b"x" * 600 + b"\r\n" + Q],
         [BANNER, *EHLO, "500 unrecognized command", "500 unrecognized command", BYE],
         limits=Limits(max_command_line=512)),
    Case("helo-not-required", [M + Q], [BANNER, OK, BYE], Settings(enforce_sync=False, require_helo=False)),
    Case("helo-junk-accepted", [b"HELO !junk!\r\n" + Q],
         [BANNER, "250 oracle.test Hello !junk! [192.0.2.1]", BYE],
         Settings(enforce_sync=False, helo_accept_junk=True)),
    Case("helo-allow-underscore", [b"HELO a_b\r\n" + Q],
         [BANNER, "250 oracle.test Hello a_b [192.0.2.1]", BYE],
         Settings(enforce_sync=False, helo_allow_chars="_")),
    Case("auth-unadvertised-allowed", [b"HELO c.example\r\nAUTH PLAIN AGFiAGM=\r\n" + Q],
         [BANNER, "250 oracle.test Hello c.example [192.0.2.1]",
          "535 Incorrect authentication data", BYE], Settings(enforce_sync=False, allow_auth_unadvertised=True)),
    # --- data framing
    Case("long-data-line", [E + M + R + b"DATA\r\n" + b"z" * 100000 + b"\r\nQUIT\r\n.\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, BYE],
         messages=[b"z" * 100000 + b"\r\nQUIT\r\n"]),
    Case("long-data-line-bare-lf", [E + M + R + b"DATA\r\nS: a\r\n\r\n" + b"q" * 100000
                                    + b"\n.\nQUIT\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, "421 Lost incoming connection"]),
    Case("lf-only-message", [E + M + R + b"DATA\nS: a\n\nx\n.\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, BYE], messages=[b"S: a\n\nx\n"]),
    Case("dot-only-message", [E + M + R + b"DATA\r\n.\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, BYE], messages=[b""]),
    Case("two-messages-rset-between", [E + M + R + b"DATA\r\na\r\n.\r\nRSET\r\n" + M + R
                                       + b"DATA\r\nb\r\n.\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, "250 Reset OK", OK, ACC, GO, QUEUED, BYE],
         messages=[b"a\r\n", b"b\r\n"]),
    Case("command-like-data", [E + M + R + b"DATA\r\nQUIT\r\nRSET\r\n.\r\n" + Q],
         [BANNER, *EHLO, OK, ACC, GO, QUEUED, BYE], messages=[b"QUIT\r\nRSET\r\n"]),
]


def _expected(case: Case, bytewise: bool) -> list[str]:
    return case.bytewise if bytewise and case.bytewise is not None else case.replies


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_server_case(case: Case, bytewise: bool) -> None:
    policy = AcceptAll()
    if case.ehlo is not None:
        policy.ehlo = case.ehlo
    out = run_session(case.packets, bytewise=bytewise, policy=policy, limits=case.limits,
                      settings=case.settings)
    assert out.replies == _expected(case, bytewise)
    if case.messages is not None:
        assert out.messages == case.messages


# ---------------------------------------------------------------------------
# Behaviour checked directly on the machine
# ---------------------------------------------------------------------------

def _ready(settings: Settings = NO_SYNC) -> ServerConnection:
    conn = ServerConnection(settings=settings)
    assert isinstance(conn.next_event(), ev.SessionStart)
    conn.send(texts.banner("x"))
    return conn


def test_awaiting_reply_until_sent() -> None:
    conn = _ready()
    assert not conn.awaiting_reply
    conn.receive_data(b"NOOP\r\n")
    assert isinstance(conn.next_event(), ev.Noop)
    assert conn.awaiting_reply
    conn.send(texts.OK)
    assert not conn.awaiting_reply


def test_nothing_parsed_before_reply() -> None:
    conn = _ready()
    conn.receive_data(b"NOOP\r\nNOOP\r\n")
    assert isinstance(conn.next_event(), ev.Noop)
    assert conn.next_event() is ev.PAUSED
    assert conn.has_pending_input
    conn.send(texts.OK)
    assert isinstance(conn.next_event(), ev.Noop)


def test_send_without_event_is_local_error() -> None:
    conn = _ready()
    with pytest.raises(LocalProtocolError):
        conn.send(texts.OK)


def test_rejected_rcpt_leaves_state() -> None:
    conn = _ready()
    conn.receive_data(b"HELO c.example\r\n" + M + R + R)
    for reply in (Reply.line(250, "hi"), texts.OK):
        conn.next_event()
        conn.send(reply)
    assert isinstance(conn.next_event(), ev.RcptTo)
    conn.send(texts.acl_reject(550, "no"))
    assert conn.valid_recipients == 0 and conn.sender_given
    assert isinstance(conn.next_event(), ev.RcptTo)
    conn.send(texts.ACCEPTED)
    assert conn.valid_recipients == 1


def test_sync_error_after_slow_acl() -> None:
    conn = _ready(Settings())
    conn.receive_data(b"HELO c.example\r\n")
    assert isinstance(conn.next_event(), ev.Helo)
    conn.receive_data(b"MAIL FROM:<a@b>\r\n")      # arrived while the HELO ACL ran
    assert conn.has_pending_input
    assert conn.sync_error() == b"554 SMTP synchronization error\r\n"
    assert conn.closed and conn.next_event() is CLOSED


def test_early_input_recorded() -> None:
    conn = ServerConnection()
    conn.receive_data(b"EHLO x\r\n")
    conn.next_event()
    assert conn.send(texts.banner("x")) == b"554 SMTP synchronization error\r\n"
    assert conn.early_input == b"EHLO x\r\n" and conn.closed


def test_tls_failed_refuses_all_but_quit() -> None:
    conn = _ready()
    conn.receive_data(b"EHLO c.example\r\nSTARTTLS\r\n")
    conn.next_event()
    conn.send(texts.ehlo_reply("x", starttls=True))
    assert isinstance(conn.next_event(), ev.StartTls)
    conn.send(texts.TLS_GO_AHEAD)
    assert conn.phase is Phase.TLS_WAIT and conn.next_event() is ev.PAUSED
    conn.tls_failed()
    conn.receive_data(b"NOOP\r\nQUIT\r\n")
    error = conn.next_event()
    assert isinstance(error, ev.CommandError) and error.reply == texts.SECURITY_FAILURE
    conn.send(error.reply)
    assert isinstance(conn.next_event(), ev.Quit)


def test_tls_calls_outside_handshake_are_local_errors() -> None:
    conn = _ready()
    with pytest.raises(LocalProtocolError):
        conn.tls_started()
    with pytest.raises(LocalProtocolError):
        conn.tls_failed()


def test_mail_parameters_parsed() -> None:
    out = run_session([E + b"MAIL FROM:<s@c.example> SIZE=99 BODY=8bitmime RET=hdrs ENVID=e1 "
                       b"AUTH=a+2Bb@c SMTPUTF8\r\n" + b"RCPT TO:<r@x> NOTIFY=success,delay "
                       b"ORCPT=rfc822;r@x\r\n" + Q])
    mail = next(e for e in out.events if isinstance(e, ev.MailFrom))
    assert (mail.address, mail.size, mail.body, mail.ret, mail.envid, mail.auth,
            mail.smtputf8) == ("<s@c.example>", 99, "8BITMIME", "HDRS", "e1", "a+b@c", True)
    rcpt = next(e for e in out.events if isinstance(e, ev.RcptTo))
    assert rcpt.notify == {"SUCCESS", "DELAY"} and rcpt.orcpt == "rfc822;r@x"
    assert rcpt.address == "<r@x>"


def test_event_text_is_tainted() -> None:
    from pyexim.taint import is_tainted
    out = run_session([E + M + Q])
    mail = next(e for e in out.events if isinstance(e, ev.MailFrom))
    assert is_tainted(mail.address) and is_tainted(mail.command)


def test_unknown_mail_parameter_left_in_address() -> None:
    out = run_session([E + b"MAIL FROM:<s@c.example> FOO=bar SIZE=5\r\n" + Q])
    mail = next(e for e in out.events if isinstance(e, ev.MailFrom))
    assert mail.address == "<s@c.example> FOO=bar" and mail.size == 5


def test_syntax_error_counts() -> None:
    conn = _ready()
    conn.receive_data(E + M)
    conn.next_event()
    conn.send(texts.ehlo_reply("x"))
    mail = conn.next_event()
    assert isinstance(mail, ev.MailFrom)
    before = conn.synprot_errors
    assert conn.syntax_error("missing or malformed local part", data=mail.address) == (
        b"501 <s@c.example>: missing or malformed local part\r\n")
    assert conn.synprot_errors == before + 1 and not conn.sender_given


@pytest.mark.parametrize("name, ok", [
    ("a.example", True), ("a-b.example", True), ("", False), ("a b", False),
    ("[192.0.2.1]", True), ("[IPv4:192.0.2.1]", True), ("[IPv6:2001:db8::1]", True),
    ("[IPv6:192.0.2.1]", False), ("[IPv4:2001:db8::1]", False), ("[", False),
    ("[x]", False), ("a_b", False), ("üml", False),
])
def test_check_helo(name: str, ok: bool) -> None:
    assert check_helo(name) is ok
