#!/usr/bin/env python3
"""Make the SMTP goldens from the real Exim 4.96 (run by hand, as root, with the oracle).

    .venv/bin/python tests/smtp/gen_goldens.py

Writes two files next to the tests; never edit them by hand:

* ``goldens/bh_dialogues.json``: protocol dialogues run through
  ``exim-oracle goldens/accept-all.conf -bh 192.0.2.1`` (every ACL accepts), with
  Exim's reply lines. Message ids in ``250 OK id=...`` are replaced by ``<ID>``.
* ``goldens/sync_dialogues.json``: dialogues that break (or keep) pipelining's
  synchronisation rules, sent to ``exim4 -bd`` with the same configuration inside
  ``oracle-netns`` (``-bh`` does not check synchronisation). The client waits for the
  replies before each write; the address Exim sees, 127.0.0.1, is shown as 192.0.2.1.
* ``goldens/spool_bodies.json``: message data sent with DATA or BDAT through
  ``exim-oracle --sandbox -odq -bs -oMa 192.0.2.1`` (in a sandbox of its own,
  ``ORACLE_STATE=/tmp/pyexim-oracle-smtp``), with the replies and the -D files
  Exim wrote (the body as spooled), for the data framing and line-end rules.

Inputs are stored as latin-1 text, so every octet survives JSON.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORACLE = HERE.parent.parent.parent / "shared" / "oracle" / "exim-oracle"
CONF = HERE / "goldens" / "accept-all.conf"
#: A sandbox of our own: the generator empties its spool, which must not be anybody else's.
STATE = Path("/tmp/pyexim-oracle-smtp")
SANDBOX_SPOOL = STATE / "sandbox/spool/input"
ENV = {**os.environ, "ORACLE_STATE": str(STATE)}

E = b"EHLO client.example\r\n"
H = b"HELO client.example\r\n"
M = b"MAIL FROM:<s@client.example>\r\n"
R = b"RCPT TO:<alice@oracle.test>\r\n"
Q = b"QUIT\r\n"
MSG = b"Subject: test\r\n\r\nbody\r\n.\r\n"

#: (name, client input): protocol-level dialogues whose replies do not depend on policy.
DIALOGUES: list[tuple[str, bytes]] = [
    ("plain-session", E + M + R + b"DATA\r\n" + MSG + Q),
    ("helo-session", H + M + R + b"DATA\r\n" + MSG + Q),
    ("lowercase-verbs", b"ehlo client.example\r\nmail from:<s@client.example>\r\n"
     b"rcpt to:<alice@oracle.test>\r\ndata\r\n" + MSG + b"quit\r\n"),
    ("mixed-case-verbs", b"EhLo client.example\r\nMaIl FrOm:<s@client.example>\r\nQuIt\r\n"),
    ("bare-lf-commands", b"EHLO client.example\nMAIL FROM:<s@client.example>\n"
     b"RCPT TO:<alice@oracle.test>\nDATA\n" + MSG + b"QUIT\n"),
    ("crcrlf-commands", b"EHLO client.example\r\r\nNOOP\r\r\nQUIT\r\r\n"),
    ("trailing-space", b"EHLO client.example \t \r\nNOOP   \r\nQUIT \r\n"),
    ("leading-space", E + b" NOOP\r\n" + Q),
    ("noop-tab-arg", E + b"NOOP\tx\r\n" + Q),
    ("noop-arg", E + b"NOOP anything at all\r\n" + Q),
    ("empty-line", E + b"\r\n" + Q),
    ("bare-cr-in-command", E + b"NO\rOP\r\n" + Q),
    ("nul-in-command", E + b"NOOP\x00\r\n" + Q),
    ("nul-limit", E + b"NOOP\x00\r\n" * 4 + Q),
    ("unknown-commands-3", E + b"FOO\r\nBAR\r\nBAZ\r\n" + Q),
    ("unknown-commands-4", E + b"FOO\r\nBAR\r\nBAZ\r\nQUUX\r\n" + Q),
    ("unknown-then-syntax", E + b"FOO\r\nBAR\r\nMAIL FROM:\r\nRCPT TO:<a@b>\r\n" + Q),
    ("synprot-limit", E + b"RCPT TO:<a@b>\r\nRCPT TO:<a@b>\r\nRCPT TO:<a@b>\r\n"
     b"RCPT TO:<a@b>\r\n" + Q),
    ("data-arg", E + M + R + b"DATA now\r\n" + Q),
    ("quit-arg", E + b"QUIT now\r\n" + Q),
    ("rset-arg", E + b"RSET now\r\n" + Q),
    ("starttls-not-advertised", E + b"STARTTLS\r\n" + Q),
    ("mail-before-helo", M + Q),
    ("mail-empty", E + b"MAIL FROM:\r\n" + Q),
    ("mail-space-empty", E + b"MAIL FROM:   \r\n" + Q),
    ("mail-twice", E + M + M + Q),
    ("mail-space-after-colon", E + b"MAIL FROM: <s@client.example>\r\n" + Q),
    ("mail-space-before-colon", E + b"MAIL FROM :<s@client.example>\r\n" + Q),
    ("mail-double-space", E + b"MAIL  FROM:<s@client.example>\r\n" + Q),
    ("mail-null-sender", E + b"MAIL FROM:<>\r\n" + R + b"DATA\r\n" + MSG + Q),
    ("rcpt-without-mail", E + R + Q),
    ("rcpt-without-mail-helo", H + R + Q),
    ("rcpt-empty", E + M + b"RCPT TO:\r\n" + Q),
    ("rcpt-after-rejected-mail-pipelining", E + b"MAIL FROM:<s@client.example> SMTPUTF8=x BODY=BAD\r\n"
     + R + R + Q),
    ("data-without-mail", E + b"DATA\r\n" + Q),
    ("data-without-rcpt", E + M + b"DATA\r\n" + Q),
    ("data-after-rcpt-error-pipelining", E + M + b"RCPT TO:\r\nDATA\r\n" + Q),
    ("data-after-rcpt-errors-same", E + b"RCPT TO:<a@b>\r\nDATA\r\n" + Q),
    ("data-after-rcpt-errors-helo", H + b"RCPT TO:<a@b>\r\nDATA\r\n" + Q),
    ("data-after-noop", E + M + b"RCPT TO:\r\nNOOP\r\nDATA\r\n" + Q),
    ("size-ok", E + b"MAIL FROM:<s@client.example> SIZE=1000\r\n" + Q),
    ("size-too-big", E + b"MAIL FROM:<s@client.example> SIZE=20000000\r\n" + Q),
    ("size-huge", E + b"MAIL FROM:<s@client.example> SIZE=99999999999999999999\r\n" + Q),
    ("size-not-number", E + b"MAIL FROM:<s@client.example> SIZE=abc\r\n" + R + Q),
    ("size-empty", E + b"MAIL FROM:<s@client.example> SIZE=\r\n" + Q),
    ("size-lowercase", E + b"MAIL FROM:<s@client.example> size=20000000\r\n" + Q),
    ("size-helo-ignored", H + b"MAIL FROM:<s@client.example> SIZE=20000000\r\n" + Q),
    ("body-8bit", E + b"MAIL FROM:<s@client.example> BODY=8BITMIME\r\n" + Q),
    ("body-7bit", E + b"MAIL FROM:<s@client.example> BODY=7bit\r\n" + Q),
    ("body-bad", E + b"MAIL FROM:<s@client.example> BODY=BINARYMIME\r\n" + Q),
    ("smtputf8", E + b"MAIL FROM:<s@client.example> SMTPUTF8\r\n" + Q),
    ("smtputf8-helo", H + b"MAIL FROM:<s@client.example> SMTPUTF8\r\n" + Q),
    ("ret-hdrs", E + b"MAIL FROM:<s@client.example> RET=HDRS\r\n" + Q),
    ("ret-bad", E + b"MAIL FROM:<s@client.example> RET=NONE\r\n" + Q),
    ("ret-twice", E + b"MAIL FROM:<s@client.example> RET=FULL RET=HDRS\r\n" + Q),
    ("envid-twice", E + b"MAIL FROM:<s@client.example> ENVID=a ENVID=b\r\n" + Q),
    ("auth-param-bad-xtext", E + b"MAIL FROM:<s@client.example> AUTH=a+zz\r\n" + Q),
    ("auth-param-empty-sender", E + b"MAIL FROM:<s@client.example> AUTH=<>\r\n" + Q),
    ("prdr-ignored", E + b"MAIL FROM:<s@client.example> PRDR\r\n" + Q),
    ("all-mail-params", E + b"MAIL FROM:<s@client.example> SIZE=10 BODY=8BITMIME RET=FULL "
     b"ENVID=x SMTPUTF8\r\n" + R + Q),
    ("notify-ok", E + M + b"RCPT TO:<alice@oracle.test> NOTIFY=SUCCESS,FAILURE\r\n" + Q),
    ("notify-never", E + M + b"RCPT TO:<alice@oracle.test> NOTIFY=NEVER\r\n" + Q),
    ("notify-bad", E + M + b"RCPT TO:<alice@oracle.test> NOTIFY=SOMETIMES\r\n" + Q),
    ("notify-never-plus", E + M + b"RCPT TO:<alice@oracle.test> NOTIFY=NEVER,DELAY\r\n" + Q),
    ("notify-twice", E + M + b"RCPT TO:<alice@oracle.test> NOTIFY=DELAY NOTIFY=NEVER\r\n" + Q),
    ("orcpt-twice", E + M + b"RCPT TO:<alice@oracle.test> ORCPT=rfc822;a@b ORCPT=rfc822;c@d\r\n"
     + Q),
    ("helo-empty", b"HELO\r\n" + Q),
    ("ehlo-empty", b"EHLO\r\n" + Q),
    ("helo-two-words", b"HELO client example\r\n" + Q),
    ("helo-underscore", b"HELO client_example\r\n" + Q),
    ("helo-ip-literal", b"HELO [192.0.2.1]\r\n" + Q),
    ("helo-ipv6-literal", b"EHLO [IPv6:2001:db8::1]\r\n" + Q),
    ("helo-bad-literal", b"EHLO [300.1.1.1]\r\n" + Q),
    ("helo-limit", b"HELO a_b\r\nHELO a_b\r\nHELO a_b\r\nHELO a_b\r\n" + Q),
    ("helo-then-ehlo-resets", E + M + E + R + Q),
    ("rset-resets", E + M + b"RSET\r\n" + R + Q),
    ("bdat-session", E + M + R + b"BDAT 27 LAST\r\nSubject: test\r\n\r\nbody\r\n" + Q),
    ("bdat-two-chunks", E + M + R + b"BDAT 15\r\nSubject: test\r\nBDAT 8 LAST\r\n\r\nbody\r\n"
     + Q),
    ("bdat-helo", H + M + R + b"BDAT 5 LAST\r\nhello" + Q),
    ("bdat-no-size", E + M + R + b"BDAT\r\n" + Q),
    ("bdat-bad-size", E + M + R + b"BDAT x LAST\r\n" + Q),
    ("bdat-without-rcpt", E + M + b"BDAT 6 LAST\r\nabcdef" + Q),
    ("bdat-then-noop", E + M + R + b"BDAT 5\r\nhelloNOOP\r\nBDAT 2 LAST\r\nab" + Q),
    ("bdat-zero-last", E + M + R + b"BDAT 5\r\nhelloBDAT 0 LAST\r\n" + Q),
    # Exim 4.96 -bh dies of SIGSEGV when a non-LAST chunk is followed by MAIL, or by
    # "BDAT 0": those dialogues cannot be goldens (see tests/smtp/test_server.py).
    ("bdat-rset-only-limit", E + M + R + b"BDAT 5\r\nhelloFOO\r\nBAR\r\nBAZ\r\nQUUX\r\n" + Q),
    ("bdat-lowercase-last", E + M + R + b"bdat 4 last\r\nabcd" + Q),
    ("data-dot-stuffing", E + M + R + b"DATA\r\nSubject: a\r\n\r\n..one\r\n.two\r\n.\r\n" + Q),
    ("data-then-pipelined", E + M + R + b"DATA\r\n" + MSG + M + R + b"DATA\r\n" + MSG + Q),
    ("eof-in-data", E + M + R + b"DATA\r\nSubject: a\r\n\r\nbody\r\n"),
    ("eof-after-mail", E + M),
    ("eof-mid-line", E + b"NOO"),
    ("help", E + b"HELP\r\n" + Q),
    ("help-arg", E + b"HELP MAIL\r\n" + Q),
    ("vrfy", E + b"VRFY alice@oracle.test\r\n" + Q),
    ("etrn-in-transaction", E + M + b"ETRN #x\r\n" + Q),
    ("auth-before-ehlo", b"AUTH PLAIN AGFiAGM=\r\n" + Q),
    ("auth-after-helo", H + b"AUTH PLAIN AGFiAGM=\r\n" + Q),
    ("auth-unknown-mech", E + b"AUTH FOO\r\n" + Q),
    ("auth-bad-mech-chars", E + b"AUTH PL@IN\r\n" + Q),
    ("auth-in-transaction", E + M + b"AUTH PLAIN AGFiAGM=\r\n" + Q),
    ("auth-initial", E + b"AUTH PLAIN AGFiAGM=\r\n" + Q),
    ("auth-challenge-cancel", E + b"AUTH PLAIN\r\n*\r\n" + Q),
    ("auth-challenge-answer", E + b"AUTH plain\r\nAGFiAGM=\r\n" + Q),
    ("auth-bad-base64", E + b"AUTH PLAIN !!\r\n" + Q),
    ("auth-eof-in-response", E + b"AUTH PLAIN\r\nAGFi"),
    ("auth-eof-after-challenge", E + b"AUTH PLAIN\r\n"),
    ("long-command-16380", E + b"NOOP " + b"x" * 16375 + b"\r\n" + Q),
    ("long-command-16383", E + b"NOOP " + b"x" * 16378 + b"\r\n" + Q),
    ("long-command-16384", E + b"NOOP " + b"x" * 16379 + b"\r\n" + Q),
    ("long-command-40000", E + b"NOOP " + b"x" * 39995 + b"\r\n" + Q),
    ("nonmail-limit", E + b"NOOP\r\n" * 11 + Q),
    ("nonmail-rset-free", E + b"RSET\r\n" + b"NOOP\r\n" * 9 + b"RSET\r\n" + Q),
    ("long-data-line", E + M + R + b"DATA\r\nSubject: a\r\n\r\n" + b"y" * 100000
     + b"\r\nQUIT\r\n.\r\n" + Q),
]


def smuggling_variants() -> list[tuple[str, bytes]]:
    """The SMTP-smuggling set: end-of-data candidates followed by pipelined commands."""
    candidates = {
        "lf-dot-lf": b"\n.\n", "lf-dot-crlf": b"\n.\r\n", "crlf-dot-lf": b"\r\n.\n",
        "cr-dot-cr": b"\r.\r", "crlf-dot-cr": b"\r\n.\r", "cr-dot-crlf": b"\r.\r\n",
        "lf-dot-cr": b"\n.\r", "cr-dot-lf": b"\r.\n", "crlf-dot-crcrlf": b"\r\n.\r\r\n",
        "crlf-dotdot-crlf": b"\r\n..\r\n", "crlf-dot-nul-crlf": b"\r\n.\x00\r\n",
        "crlf-dot-space-crlf": b"\r\n. \r\n", "lf-lf-dot-lf": b"\n\n.\n",
    }
    smuggled = (b"MAIL FROM:<evil@client.example>\r\nRCPT TO:<alice@oracle.test>\r\n"
                b"DATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n")
    return [(f"smuggle-{name}", E + M + R + b"DATA\r\nSubject: real\r\n\r\nreal" + end + smuggled
             + b"\r\n.\r\n" + Q) for name, end in candidates.items()]


#: (name, message data after DATA or the BDAT chunk) for the spooled-body goldens.
BODIES: list[tuple[str, bytes]] = [
    ("crlf", b"Subject: a\r\n\r\nl1\r\nl2\r\n"),
    ("bare-lf-in-crlf-body", b"Subject: a\r\n\r\na\nb\r\n"),
    ("double-bare-lf", b"Subject: a\r\n\r\na\n\nb\r\n"),
    ("bare-cr", b"Subject: a\r\n\r\na\rb\r\n"),
    ("cr-cr-lf", b"Subject: a\r\n\r\na\r\r\nb\r\n"),
    ("dot-lf-in-crlf", b"Subject: a\r\n\r\na\r\n.\nb\r\n"),
    ("dot-cr-x", b"Subject: a\r\n\r\na\r\n.\rb\r\n"),
    ("dotdot-lf", b"Subject: a\r\n\r\na\r\n..\nb\r\n"),
    ("lf-dot-after-bare-lf", b"Subject: a\r\n\r\nx\n.y\r\n"),
    ("lf-only-message", b"Subject: a\n\nl1\nl2\n"),
    ("lf-only-crlf-mixed", b"Subject: a\n\nl1\r\nl2\nl3\r\n"),
    ("lf-only-bare-cr", b"Subject: a\n\na\rb\n"),
    ("lf-only-dot-stuffed", b"Subject: a\n\n..x\n"),
    ("empty-first-line-lf", b"\nbody\n"),
    ("nul-in-body", b"Subject: a\r\n\r\na\x00b\r\n"),
    ("leading-bare-lf-body", b"Subject: a\r\n\r\n\n.\r\n"),
]


#: (name, the client's writes; it waits for the replies before each): for the daemon.
SYNC_DIALOGUES: list[tuple[str, list[bytes]]] = [
    ("ehlo-and-noop", [E + b"NOOP\r\n", Q]),
    ("noop-then-quit", [E, b"NOOP\r\nQUIT\r\n"]),
    ("helo-mail-rcpt", [H, M + R, Q]),
    ("pipelined-transaction", [E, M + R + b"DATA\r\n", MSG, Q]),
    ("data-with-message", [E, M + R + b"DATA\r\n" + MSG, Q]),
    ("unknown-then-noop", [E, b"FOO\r\nNOOP\r\n", Q]),
    ("quit-after-rcpt", [E, M + R + Q]),
    ("rset-then-noop", [E, b"RSET\r\nNOOP\r\n", Q]),
    ("rcpt-after-message", [E, M + R + b"DATA\r\n", MSG + M + R + b"DATA\r\n", MSG, Q]),
    ("helo-then-helo", [H + H, Q]),
]


def daemon_session(packets: list[bytes]) -> list[str]:
    """One connection to the daemon on 127.0.0.1:2525 (inside oracle-netns)."""
    import socket
    import time

    sock = socket.create_connection(("127.0.0.1", 2525))
    sock.settimeout(0.3)
    out = b""
    closed = False

    def drain() -> bool:
        """Read what has arrived; True once the server has closed."""
        nonlocal out
        try:
            while chunk := sock.recv(65536):
                out += chunk
            return True
        except TimeoutError:
            return False
        except OSError:
            return True

    for packet in packets:
        closed = drain()           # the replies to the previous write are out by now
        if closed:
            break
        try:
            sock.sendall(packet)
        except OSError:
            break
    if not closed:
        time.sleep(0.3)
        drain()
    sock.close()
    lines = out.decode("latin-1").split("\r\n")[:-1]
    return [re.sub(r"id=\S+", "id=<ID>", line).replace("[127.0.0.1]", "[192.0.2.1]")
            for line in lines]


def daemon_goldens() -> None:
    """Run inside oracle-netns: start the daemon, play SYNC_DIALOGUES, stop it."""
    import signal
    import time

    pidfile = STATE / "smtp-goldens.pid"
    subprocess.run(["/usr/sbin/exim4", "-C", str(CONF), "-bd", "-oX", "2525", "-oP",
                    str(pidfile)], check=True)
    time.sleep(0.5)
    try:
        goldens = [{"name": name, "packets": [p.decode("latin-1") for p in packets],
                    "replies": daemon_session(packets)} for name, packets in SYNC_DIALOGUES]
    finally:
        os.kill(int(pidfile.read_text()), signal.SIGTERM)
    (HERE / "goldens" / "sync_dialogues.json").write_text(json.dumps(goldens, indent=1) + "\n")


def run(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(ORACLE), *args], input=data, capture_output=True, timeout=60,
                          check=False, env=ENV)


def bh_replies(data: bytes) -> list[str]:
    out = run([str(CONF), "-bh", "192.0.2.1"], data).stdout.decode("latin-1")
    # Replies end in CRLF; -bh's own "****" notes end in LF alone.
    lines = [line.removesuffix("\r") for line in out.split("\n")]
    return [re.sub(r"id=\S+", "id=<ID>", line) for line in lines
            if line and not line.startswith("****")]


def spooled(data: bytes) -> tuple[list[str], list[str]]:
    for name in glob.glob(str(SANDBOX_SPOOL / "*")):
        os.unlink(name)
    proc = run(["--sandbox", "-odq", "-bs", "-oMa", "192.0.2.1"], data)
    replies = [re.sub(r"id=\S+", "id=<ID>", line)
               for line in proc.stdout.decode("latin-1").split("\r\n") if line]
    bodies = []
    for name in sorted(glob.glob(str(SANDBOX_SPOOL / "*-D"))):
        raw = Path(name).read_bytes()
        bodies.append(raw[raw.index(b"\n") + 1:].decode("latin-1"))
    return replies[1:], bodies


def main() -> int:
    if os.geteuid() != 0 or not ORACLE.exists():
        print("needs root and the oracle (../shared/oracle)", file=sys.stderr)
        return 1
    if sys.argv[1:] == ["--daemon"]:
        daemon_goldens()
        return 0
    subprocess.run([str(ORACLE.parent / "oracle-netns"), "env", "ORACLE_NETNS=0",
                    sys.executable, __file__, "--daemon"], check=True, env=ENV)
    dialogues = [{"name": name, "input": data.decode("latin-1"), "replies": bh_replies(data)}
                 for name, data in DIALOGUES + smuggling_variants()]
    (HERE / "goldens" / "bh_dialogues.json").write_text(json.dumps(dialogues, indent=1) + "\n")
    bodies = []
    start = b"EHLO client.example\r\nMAIL FROM:<s@client.example>\r\nRCPT TO:<alice@oracle.test>\r\n"
    for name, data in BODIES:
        stuffed = data if data.endswith(b"\n") else data + b"\r\n"
        for how, session in (("data", start + b"DATA\r\n" + stuffed + b".\r\nQUIT\r\n"),
                             ("bdat", start + b"BDAT %d LAST\r\n" % len(data) + data + b"QUIT\r\n")):
            replies, spool = spooled(session)
            bodies.append({"name": f"{name}-{how}", "how": how, "input": data.decode("latin-1"),
                           "replies": replies, "spooled": spool})
    (HERE / "goldens" / "spool_bodies.json").write_text(json.dumps(bodies, indent=1) + "\n")
    print(f"{len(dialogues)} dialogues, {len(bodies)} bodies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
