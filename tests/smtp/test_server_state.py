"""Hypothesis: the server machine under random commands and random split points.

The state machine sends a random mix of valid, invalid and binary commands, message data
and BDAT chunks, delivered in pieces of random size, and checks after every step that no
exception escaped, that every reply line is well formed, that no more messages came out
than were started, and that a closed machine stays closed.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pyexim.smtp import events as ev
from pyexim.smtp.server import Limits, ServerConnection, Settings
from tests.smtp.transcript import AcceptAll, Outcome, drive, run_session

REPLY_LINE = re.compile(rb"^[2-5]\d\d[ -][^\r\n]*$")

COMMANDS = st.sampled_from([
    b"EHLO c.example", b"HELO c.example", b"HELO", b"EHLO a b", b"MAIL FROM:<a@b.example>",
    b"MAIL FROM:<>", b"MAIL FROM:<a@b> SIZE=99999999999", b"MAIL FROM:<a@b> BODY=8BITMIME",
    b"MAIL FROM:", b"RCPT TO:<c@d.example>", b"RCPT TO:<c@d> NOTIFY=NEVER", b"RCPT TO:",
    b"DATA", b"DATA x", b"BDAT 3", b"BDAT 0 LAST", b"BDAT 5 LAST", b"BDAT x", b"RSET",
    b"NOOP", b"QUIT", b"VRFY a@b", b"EXPN x", b"ETRN #x", b"HELP", b"STARTTLS",
    b"AUTH PLAIN", b"AUTH PLAIN AGEAYg==", b"AUTH FOO", b"*", b"FOO", b"", b".", b"..",
    b"NOOP\x00", b"MAIL FROM:<a@b> SMTPUTF8", b"RCPT TO:<x@y> ORCPT=a ORCPT=b",
])
ENDINGS = st.sampled_from([b"\r\n", b"\n", b"\r\r\n", b"\r", b""])
JUNK = st.binary(max_size=40)


class ServerMachine(RuleBasedStateMachine):
    """Random client input against the server machine and the accept-all policy."""

    def __init__(self) -> None:
        super().__init__()
        self.conn = ServerConnection(Limits(max_synprot_errors=50, max_unknown_commands=50,
                                            max_nonmail=None),
                                     Settings(enforce_sync=False))
        self.policy = AcceptAll()
        self.out = Outcome()
        self.pending = b""
        self.started = 0
        self.replied = 0
        drive(self.conn, self.policy, self.out)

    @rule(command=COMMANDS, ending=ENDINGS)
    def command(self, command: bytes, ending: bytes) -> None:
        if command.startswith((b"DATA", b"BDAT")):
            self.started += 1
        self.pending += command + ending

    @rule(data=JUNK)
    def junk(self, data: bytes) -> None:
        self.pending += data

    @rule(body=st.binary(max_size=200))
    def message(self, body: bytes) -> None:
        self.pending += body + b"\r\n.\r\n"

    @rule(cut=st.integers(min_value=0, max_value=300))
    def deliver(self, cut: int) -> None:
        piece, self.pending = self.pending[:cut], self.pending[cut:]
        if piece and not self.conn.closed:
            self.conn.receive_data(piece)
        drive(self.conn, self.policy, self.out)

    @precondition(lambda self: not self.conn.closed)
    @rule()
    def close(self) -> None:
        if self.pending:
            self.conn.receive_data(self.pending)
            self.pending = b""
        self.conn.receive_data(b"")
        drive(self.conn, self.policy, self.out)
        assert self.conn.closed

    @invariant()
    def replies_are_well_formed(self) -> None:
        lines = self.out.output.split(b"\r\n")
        assert lines[-1] == b""
        for line in lines[:-1]:
            assert REPLY_LINE.match(line), line

    @invariant()
    def no_more_messages_than_started(self) -> None:
        assert len(self.out.messages) <= self.started

    @invariant()
    def closed_stays_closed(self) -> None:
        if self.conn.closed:
            assert self.conn.next_event() is not ev.NEED_DATA


ServerMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40,
                                           deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestServerMachine = ServerMachine.TestCase


@settings(max_examples=300, deadline=None)
@given(middle=st.binary(max_size=120), splits=st.lists(st.integers(1, 50), max_size=8))
def test_only_crlf_dot_crlf_ends_a_crlf_message(middle: bytes, splits: list[int]) -> None:
    """In a message whose first line ends CR LF, the first CR LF . CR LF ends it -- any
    other mix of CR, LF and dots before it is data, whatever follows, however split."""
    head = b"Subject: x\r\n"
    data = head + middle + b"\r\n.\r\n"
    assume(data.find(b"\r\n.\r\n") == len(head) + len(middle))
    smuggled = b"MAIL FROM:<evil@x.example>\r\nRCPT TO:<r@oracle.test>\r\nDATA\r\nevil\r\n.\r\n"
    wire = (b"EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r@oracle.test>\r\nDATA\r\n"
            + data + b"QUIT\r\n")
    packets: list[bytes] = []
    rest = wire
    for size in splits:
        packets.append(rest[:size])
        rest = rest[size:]
    packets.append(rest + smuggled)
    out = run_session(packets)
    assert len(out.messages) == 1
    assert out.replies[-1] == "221 oracle.test closing connection"
