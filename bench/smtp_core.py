#!/usr/bin/env python3
"""Speed of the sans-IO SMTP server machine alone: no sockets, no policy work.

One pipelined session of N messages of S octets (default 10,000 x 1 KB): EHLO, then per
message MAIL, RCPT, DATA, the dot-stuffed message, all fed in 64 KB pieces as a network
adapter would, answered by a minimal accept-all policy. Prints messages/s and
microseconds per command (MAIL, RCPT, DATA and end of data each count as one).

    .venv/bin/python bench/smtp_core.py [-n 10000] [-s 1024] [--piece 65536]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.server import Limits, ServerConnection, Settings

REPLIES = {
    ev.MailFrom: texts.OK, ev.RcptTo: texts.ACCEPTED, ev.Data: texts.START_DATA,
    ev.EndOfMessage: texts.queued("1xW7wn-0000qv-37"), ev.Quit: texts.quit_reply("bench"),
    ev.SessionStart: texts.banner("bench ESMTP"),
    ev.Ehlo: texts.ehlo_reply("bench Hello", pipelining=True, chunking=True, size=0),
}


def make_session(count: int, size: int) -> bytes:
    """The client's whole input: EHLO, *count* messages of about *size* octets, QUIT."""
    line = b"x" * 70 + b"\r\n"
    body = b"Subject: bench\r\n\r\n" + line * max(1, (size - 18) // len(line))
    one = (b"MAIL FROM:<sender@client.example>\r\nRCPT TO:<rcpt@bench.example>\r\nDATA\r\n"
           + body + b".\r\n")
    return b"EHLO client.example\r\n" + one * count + b"QUIT\r\n"


def run(wire: bytes, piece: int) -> tuple[int, int, int]:
    """Feed *wire*; (messages, commands answered, octets of replies)."""
    # one connection carries every message: no smtp_accept_max_per_connection
    conn = ServerConnection(Limits(max_mail_commands=0), Settings(enforce_sync=False))
    messages = commands = out = 0
    pos = 0
    while True:
        event = conn.next_event()
        if event is ev.NEED_DATA:
            if pos >= len(wire):
                break
            conn.receive_data(wire[pos:pos + piece])
            pos += piece
            continue
        if not isinstance(event, ev.Event):
            break
        if event.needs_reply:
            out += len(conn.send(REPLIES[type(event)]))
            commands += 1
            if isinstance(event, ev.EndOfMessage):
                messages += 1
    return messages, commands, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10000, help="messages (default 10000)")
    parser.add_argument("-s", type=int, default=1024, help="message size (default 1024)")
    parser.add_argument("--piece", type=int, default=65536, help="read size (default 65536)")
    args = parser.parse_args()
    wire = make_session(args.n, args.s)
    start = time.perf_counter()
    messages, commands, _ = run(wire, args.piece)
    elapsed = time.perf_counter() - start
    assert messages == args.n, (messages, args.n)
    print(f"{messages} messages of {args.s} octets, {len(wire)} octets in, "
          f"{elapsed:.3f} s: {messages / elapsed:,.0f} messages/s, "
          f"{elapsed / commands * 1e6:.1f} us per command ({commands} commands)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
