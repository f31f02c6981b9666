"""The -bh sessions whose output real Exim 4.96 recorded (gen_goldens.py) and pyexim must
repeat (test_goldens.py): configuration, client address, extra arguments, client input.
"""

from __future__ import annotations

H = "helo client.ex\n"
E = "ehlo client.ex\n"
Q = "quit\n"
CHUNK = "Subject: bdat\r\n\r\nbody\r\n"


def _rcpts(sender: str, *locals_: str, domain: str = "test.ex") -> str:
    lines = [f"mail from:<{sender}>\n"]
    lines += [f"rcpt to:<{lp}@{domain}>\n" for lp in locals_]
    return "".join(lines)


def _message(headers: str = "Subject: test\n", body: str = "body line\n") -> str:
    return f"data\n{headers}\n{body}.\n"


#: (name, config file in goldens/, client address, extra arguments, client input)
CASES: list[tuple[str, str, str, tuple[str, ...], str]] = [
    ("verbs-rcpt", "verbs.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "accept1", "accept2", "deny1", "deny2", "deny3", "deny4",
                "deny5", "defer1", "defer2", "discard1", "warn1", "warn2", "req1", "req2",
                "req3", "endpass1", "endpass2", "long1", "explicit1", "nothing") + Q),
    ("verbs-drop", "verbs.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "accept1", "drop1", "accept2") + Q),
    ("verbs-mail", "verbs.conf", "192.0.2.1", (),
     H + "mail from:<bad@sender.ex>\nrcpt to:<accept1@test.ex>\n"
     + "mail from:<discard@sender.ex>\nrcpt to:<accept1@test.ex>\nrcpt to:<deny1@test.ex>\n"
     + _message() + "mail from:<drop@sender.ex>\nrcpt to:<accept1@test.ex>\n" + Q),
    ("verbs-data", "verbs.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "numeric1", "numeric22", "accept1")
     + _message("Subject: counting\nFrom: Someone <someone@sender.ex>\n",
                "line 1\nline 2\n")
     + _rcpts("s@sender.ex", "accept1") + _message("X-Reject: no thanks\n")
     + _rcpts("s@sender.ex", "predata") + "data\n" + Q),
    ("verbs-discard-all", "verbs.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "discard1") + _message() + Q),
    ("verbs-warn-header", "verbs.conf", "192.0.2.1", (),
     E + _rcpts("s@sender.ex", "warn2", "warn1") + _message() + Q),
    ("conditions-hosts", "conditions.conf", "10.1.2.3", (),
     H + _rcpts("s@sender.ex", "hostcheck", "other") + Q),
    ("conditions-untrusted", "conditions.conf", "192.0.2.9", (),
     H + _rcpts("boss@test.ex", "hostcheck", "vipcheck", "sdomain")
     + "rset\n" + _rcpts("x@vip.ex", "vipcheck") + "rset\n"
     + _rcpts("x@sender.ex", "sdomain", "a@b", "someone")
     + "rcpt to:<x@blocked.ex>\nrcpt to:<y@elsewhere.ex>\nrcpt to:<z@sub.test.ex>\n" + Q),
    ("conditions-acl-args", "conditions.conf", "192.0.2.9", (),
     H + _rcpts("s@sender.ex", "args1", "args2", "nested1") + Q),
    ("conditions-misc", "conditions.conf", "192.0.2.9", (),
     H + _rcpts("s@sender.ex", "cond1", "cond2", "auth1", "tls1", "forbidden1", "CaseFul",
                "badcontrol", "badverify", "certificate", "helo1", "forbidden2",
                "blockme1") + Q),
    ("conditions-connect-drop", "conditions.conf", "10.66.66.66", (), H + Q),
    ("conditions-connect-deny", "conditions.conf", "10.77.77.77", (), H + Q),
    ("conditions-connect-defer", "conditions.conf", "10.88.88.88", (), H + Q),
    ("conditions-helo", "conditions.conf", "192.0.2.9", (),
     "helo bad.helo\nmail from:<a@b.ex>\nhelo good.helo\nmail from:<a@b.ex>\n" + Q),
    ("conditions-headers", "conditions.conf", "192.0.2.9", (),
     H + _rcpts("s@sender.ex", "someone") + _message("To: someone@test.ex\nCc: <bad@\n")
     + _rcpts("s@sender.ex", "someone") + _message("To: other@test.ex\n")
     + _rcpts("s@sender.ex", "someone") + _message("To: SOMEONE@TEST.EX\n")
     + _rcpts("s@sender.ex", "someone")
     + _message("To: someone@test.ex\nBad\x80Name: x\n") + Q),
    ("conditions-unqualified", "conditions.conf", "10.9.9.9", (),
     H + "mail from:<unqual>\nrcpt to:<someone>\n"
     + _message("To: someone\nFrom: unqual\n") + Q),
    ("verify-recipients", "verify.conf", "192.0.2.1", (),
     H + _rcpts("user1@test.ex", "user1", "user2", "alias1", "alias2", "nobody")
     + "rcpt to:<x@elsewhere.ex>\nrcpt to:<otheraddr@test.ex>\n" + Q),
    ("verify-senders", "verify.conf", "192.0.2.1", (),
     H + "mail from:<someone@unverified.ex>\n" + _rcpts("user2@test.ex", "user1")
     + _message("From: nobody@test.ex\nReply-To: user1@test.ex\n")
     + _rcpts("user2@test.ex", "user1") + _message("From: bad@nowhere.ex\n")
     + _rcpts("user2@test.ex", "user1") + _message("From: <broken\n") + Q),
    ("modifiers-headers", "modifiers.conf", "192.0.2.1", (),
     E + _rcpts("s@sender.ex", "top", "nohead") + _message("Subject: kept\n")
     + _rcpts("s@sender.ex", "remove") + _message("Subject: gone\nX-Remove-Me: x\n") + Q),
    ("modifiers-logs", "modifiers.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "logs", "quiet", "rejectonly", "multi") + Q),
    ("modifiers-fake", "modifiers.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "fakereject") + _message()
     + _rcpts("s@sender.ex", "fakedefer") + _message() + Q),
    ("modifiers-control", "modifiers.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "delay", "queued") + _message("Subject: queued\n") + Q),
    ("modifiers-limits", "modifiers.conf", "192.0.2.1", (),
     E + _rcpts("s@sender.ex", "a", "b", "c", "d", "e", "f", "g")
     + "mail from:<s@sender.ex> SIZE=5000\n" + "rset\n"
     + _rcpts("s@sender.ex", "a") + _message(body="x" * 3000 + "\n") + Q),
    ("modifiers-ratelimit", "modifiers.conf", "192.0.2.1", (),
     H + _rcpts("s@sender.ex", "rl", "rl", "rl") + Q),
    ("modifiers-rewrite", "modifiers.conf", "192.0.2.1", (),
     H + _rcpts("someone@old.ex", "a") + "rcpt to:<b@old.ex>\n" + _message() + Q),
    ("protocol-syntax", "protocol.conf", "192.0.2.1", (),
     E + "mail from:<a@b\nmail from:<a@b.ex> SIZE=2000\nmail from:<unqual>\n"
     + "mail from:<a@b.ex>\nrcpt to:<>\nrcpt to:<unqual>\nrcpt to:<postmaster>\n"
     + "rcpt to:<x@y.ex>\nrcpt to:<z@y.ex>\ndata\nrset\n" + Q),
    ("protocol-commands", "protocol.conf", "192.0.2.1", (),
     E + "help\nnoop\nnoop with argument\nvrfy someone@test.ex\nexpn list@test.ex\n"
     + "etrn #good\netrn #bad\netrn nohash\nrset\nfoo\n" + Q),
    ("protocol-unknown", "protocol.conf", "192.0.2.1", (),
     H + "foo\nbar\nbaz\nqux\n" + Q),
    ("protocol-lost", "protocol.conf", "192.0.2.1", (),
     H + "mail from:<a@b.ex>\nrcpt to:<c@d.ex>\n"),
    ("protocol-lost-in-data", "protocol.conf", "192.0.2.1", (),
     H + "mail from:<a@b.ex>\nrcpt to:<c@d.ex>\ndata\nSubject: cut\n\nbody\n"),
    ("protocol-nomail", "protocol.conf", "192.0.2.1", (), E + "noop\n" + Q),
    ("protocol-prdr", "protocol.conf", "192.0.2.1", (),
     E + "mail from:<a@b.ex> PRDR\nrcpt to:<good@x.ex>\nrcpt to:<bad@x.ex>\n"
     + _message() + "mail from:<a@b.ex> PRDR\nrcpt to:<bad@x.ex>\nrcpt to:<later@x.ex>\n"
     + _message() + Q),
    ("protocol-bdat", "protocol.conf", "192.0.2.1", (),
     E + "mail from:<a@b.ex>\nrcpt to:<c@d.ex>\n" + f"bdat {len(CHUNK)}\n{CHUNK}"
     + "bdat 0 last\n" + Q),
]
