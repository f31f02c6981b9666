#!/usr/bin/env python3
"""Regenerate tests/spool/golden/ from the real Exim 4.96 oracle. Run as root:

    .venv/bin/python tests/spool/make_goldens.py

What it records (never edit the results by hand; run this again):
  golden/exim/CASE/ID-H, ID-D, case.json   spool files real Exim wrote for SMTP (-bs -odq)
        receptions, freezes, thaws and a partial delivery (-M), with the facts the
        reader must find in them (case.json "expect")
  golden/exim/bp.json             -bp/-bpu/-bpa/-bpc of those messages, and the time it ran
  golden/parse/CASE.json          messages given to "exim -odq -bm" (base64 input) with
        the -H and -D files Exim made of them (header/body split goldens for message.py)
  golden/crafted-bp.json          -bp/-bpu/-bpa/-bpc of a spool written by pyexim's own
        code (tests/spool/crafted.py): proves Exim reads pyexim's files, and pins the
        listing format (ages, sizes, frozen, errors, journal, split directories)
  golden/log/{mainlog,rejectlog,paniclog}   the log files of all those runs

Its private oracle state lives in $PYEXIM_SPOOL_GOLDEN_STATE (default
/tmp/pyexim-spool-goldens); the config is tests/spool/oracle-spool.conf, copied there
root-owned and listed in /etc/exim4/trusted_configs (Exim re-executes itself to
deliver and keeps its privilege only for trusted configs).
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests" / "spool"))

from crafted import write_crafted_spool
from oracle_spool import ORACLE_DIR, OracleSpool

from pyexim.spool.store import Spool

STATE = Path(os.environ.get("PYEXIM_SPOOL_GOLDEN_STATE", "/tmp/pyexim-spool-goldens"))
ORACLE = OracleSpool(STATE)
GOLDEN = HERE / "golden"
SENDER_HOST = ["-oMa", "192.0.2.7.4321", "-oMi", "127.0.0.1.25", "-oMs", "client.example",
               "-oMt", "identd-user", "-oMr", "esmtpsa", "-oMaa", "plain_server",
               "-oMai", "auth-id-7", "-oMas", "auth@client.example"]
exim = ORACLE.exim
smtp = ORACLE.smtp
input_dir = ORACLE.input_dir
spool_ids = ORACLE.spool_ids


def message_lines(subject: str, body: list[str], extra_headers: tuple[str, ...] = ()) -> list[str]:
    return ["DATA", "From: Sender <sender@client.example>", "To: alice@oracle.test",
            f"Subject: {subject}", *extra_headers, "", *body, "."]


def acl_order(rcpt_count: int, smtp_data: bool = True) -> list[str]:
    """The order in which oracle-spool.conf's ACLs first set message variables."""
    names = ["m_sender", "m9"]
    if rcpt_count:
        names += ["m_rcpts", "m_last"]
    if smtp_data:
        names += ["m_multi", "m_empty", "m_8bit", "m_b", "m_a", "m_c", "m_dashes"]
    return names


# acl_c0, acl_c_zeta ... are stored under the name after "acl_".
CONNECTION_ORDER = ["c0", "c_zeta", "c_alpha", "c_mid"]


def record_case(name: str, message_id: str, expect: dict) -> None:
    target = GOLDEN / "exim" / name
    target.mkdir(parents=True)
    for suffix in ("-H", "-D"):
        matches = list(input_dir().rglob(message_id + suffix))
        shutil.copyfile(matches[0], target / (message_id + suffix))
    expect["id"] = message_id
    (target / "case.json").write_text(json.dumps(expect, indent=1, sort_keys=True) + "\n")


def exim_cases() -> None:
    dsn_rcpts = [f"RCPT TO:<user{i:02d}@relay.test> NOTIFY={notify} ORCPT=rfc822;orig{i}@x.test"
                 for i, notify in enumerate(["SUCCESS", "FAILURE,DELAY", "NEVER",
                                             "SUCCESS,FAILURE,DELAY"] * 10)]
    plain_rcpts = [f"RCPT TO:<alice+{i}@oracle.test>" for i in range(5)]

    mid = smtp(["EHLO client.example", "MAIL FROM:<sender@client.example>",
                "RCPT TO:<alice@oracle.test>", *message_lines("basic", ["Hello.", ".dot"]),
                "QUIT"])
    record_case("basic", mid, {"sender": "sender@client.example",
                               "recipients": ["alice@oracle.test"], "acl_c": CONNECTION_ORDER,
                               "acl_m": acl_order(1), "received_protocol": "local-esmtp",
                               "helo_name": "client.example",
                               # SMTP removes the leading dot of ".dot"
                               "body": "Hello.\ndot\n"})

    mid = smtp(["EHLO client.example",
                "MAIL FROM:<bounce@client.example> RET=HDRS ENVID=env+2Did-123",
                *dsn_rcpts, *plain_rcpts,
                *message_lines("dsn and many recipients", ["Body line"]), "QUIT"],
               *SENDER_HOST)
    record_case("dsn-many", mid, {
        "sender": "bounce@client.example",
        "recipients": [r.split("<")[1].split(">")[0] for r in dsn_rcpts + plain_rcpts],
        "dsn_envid": "env+2Did-123", "dsn_ret": 2,
        "orcpts": [f"rfc822;orig{i}@x.test" for i in range(40)] + [None] * 5,
        "dsn_flags": [{"SUCCESS": 4, "FAILURE,DELAY": 0x18, "NEVER": 2,
                       "SUCCESS,FAILURE,DELAY": 0x1C}[n] for n in
                      ["SUCCESS", "FAILURE,DELAY", "NEVER", "SUCCESS,FAILURE,DELAY"] * 10]
                     + [0] * 5,
        "host_address": "192.0.2.7", "host_port": 4321, "interface_address": "127.0.0.1",
        "interface_port": 25, "host_name": "client.example", "ident": "identd-user",
        # -oMr and -oMas do not survive an SMTP session: Exim sets the protocol itself and
        # MAIL without AUTH= clears the authenticated sender.
        "received_protocol": "esmtpa", "host_auth": "plain_server", "auth_id": "auth-id-7",
        "auth_sender": None, "acl_c": CONNECTION_ORDER,
        "acl_m": acl_order(45)})

    mid = smtp(["EHLO client.example", "MAIL FROM:<> ", "RCPT TO:<alice@oracle.test>",
                *message_lines("null sender and a NUL", ["zero\0byte", "again\0\0"]), "QUIT"],
               *SENDER_HOST)
    record_case("null-sender-nul", mid, {"sender": "", "recipients": ["alice@oracle.test"],
                                         "body_zerocount": 3})

    mid = smtp(["EHLO client.example", "MAIL FROM:<sender@client.example> SMTPUTF8",
                "RCPT TO:<alice@oracle.test>",
                *message_lines("caf\u00e9 \u2603", ["Unicode body \u00e9"]), "QUIT"],
               *SENDER_HOST)
    record_case("smtputf8", mid, {"sender": "sender@client.example", "smtputf8": True,
                                  "recipients": ["alice@oracle.test"]})

    mid = smtp(["EHLO client.example", "MAIL FROM:<sender@client.example>",
                "RCPT TO:<alice@oracle.test>", "RCPT TO:<bob@oracle.test>",
                *message_lines("to be frozen", ["cold"]), "QUIT"])
    exim("-Mf", mid)
    record_case("frozen", mid, {"sender": "sender@client.example", "frozen": True,
                                "recipients": ["alice@oracle.test", "bob@oracle.test"]})

    mid = smtp(["EHLO client.example", "MAIL FROM:<sender@client.example>",
                "RCPT TO:<alice@oracle.test>", *message_lines("frozen then thawed", ["warm"]),
                "QUIT"])
    exim("-Mf", mid)
    exim("-Mt", mid)
    record_case("thawed", mid, {"sender": "sender@client.example", "frozen": False,
                                "manual_thaw": True, "recipients": ["alice@oracle.test"]})

    locals_ = ["alice@oracle.test", "bob@oracle.test", "carol@oracle.test", "dave@oracle.test",
               "postmaster@oracle.test", "team@oracle.test", "deferme@oracle.test",
               "x@relay.test", "y@relay.test"]
    mid = smtp(["EHLO client.example", "MAIL FROM:<sender@client.example>",
                *[f"RCPT TO:<{a}>" for a in locals_],
                *message_lines("partly delivered", ["some go, some stay"]), "QUIT"])
    exim("-M", mid)
    record_case("partial", mid, {
        "sender": "sender@client.example",
        "recipients_start": locals_,
        "nonrecipients": sorted(["alice@oracle.test", "bob@oracle.test", "carol@oracle.test",
                                 "dave@oracle.test", "postmaster@oracle.test",
                                 "team@oracle.test"]),
        "onetime": {"carol@relay.test": ["owner@capture.test", 5],
                    "dave@relay.test": ["owner@capture.test", 5]}})

    mid = bdat_session(ORACLE)
    record_case("wireformat", mid, {"sender": "wire@client.example",
                                    "recipients": ["alice@oracle.test"], "wireformat": True,
                                    "body": "line one\r\n.dot\r\n"})

    mid = tls_session(ORACLE, "tls@client.example")
    record_case("tls", mid, {"sender": "tls@client.example", "recipients": ["alice@oracle.test"],
                             "tls_certificate_verified": True,
                             "tls_peerdn": "CN=client.example", "host_address": "127.0.0.1",
                             "helo_name": "client.example", "received_protocol": "esmtps"})

    rejected = exim("-odq", "-bs", stdin=(
        "\r\n".join(["EHLO client.example", "MAIL FROM:<spammer@client.example>",
                     "RCPT TO:<blocked@oracle.test>", "RCPT TO:<alice@oracle.test>",
                     *message_lines("SPAMTEST offer", ["buy"]), "QUIT"]) + "\r\n").encode())
    assert b"550 Subject SPAMTEST" in rejected.stdout, rejected.stdout

    mid = ORACLE.submit("local@oracle.test", "alice@oracle.test",
                        b"Subject: local submission\n\nbody\n")
    record_case("local-bm", mid, {"sender": "local@oracle.test",
                                  "recipients": ["alice@oracle.test"],
                                  # root gave -f: a trusted caller's message is not "local"
                                  "sender_local": False,
                                  "acl_m": ["m_local", "m_aa", "m_ab"],
                                  "received_protocol": "local"})


def listing(args_list: list[list[str]]) -> dict:
    """Run each -bp form at one and the same second; returns outputs and that time."""
    for _ in range(10):
        before = int(time.time())
        outputs = {" ".join(args): exim(*args).stdout.decode("utf-8", "surrogateescape")
                   for args in args_list}
        if int(time.time()) == before:
            return {"now": before, "outputs": outputs}
        time.sleep(0.3)
    raise SystemExit("could not run the listings within one second")


BP_FORMS = [["-bp"], ["-bpu"], ["-bpa"], ["-bpc"]]

LOG_RECIPIENTS = ["alice@oracle.test", "bob@oracle.test", "carol@relay.test",
                  "bouncer@oracle.test", "deferme@oracle.test", "a@capture.test",
                  "b@capture.test", "postmaster@oracle.test"]


def tls_session(oracle: OracleSpool, sender: str) -> str:
    """A message over STARTTLS with a client certificate, to the queue-only daemon."""
    result = oracle.daemon_session(
        "swaks", "--server", "127.0.0.1:2525", "--tls", "--ehlo", "client.example",
        "--tls-cert", str(oracle.sandbox / "tls-client.crt"),
        "--tls-key", str(oracle.sandbox / "tls-client.key"),
        "--from", sender, "--to", "alice@oracle.test",
        "--header", "Subject: over TLS", "--body", "secure")
    ids = re.findall(rb"250 OK id=(\S+)", result.stdout)
    if len(ids) != 1:
        raise SystemExit(f"TLS session failed: {result.stdout!r} {result.stderr!r}")
    return ids[0].decode()


WIRE_DATA = b"From: w@client.example\r\nSubject: chunked\r\n\r\nline one\r\n.dot\r\n"


def bdat_session(oracle: OracleSpool) -> str:
    """A CHUNKING (BDAT) message over -bs: spooled in wire format, logged with K."""
    return oracle.smtp(["EHLO client.example", "MAIL FROM:<wire@client.example>",
                        "RCPT TO:<alice@oracle.test>", f"BDAT {len(WIRE_DATA)} LAST",
                        WIRE_DATA[:-2].decode(), "QUIT"])


def wait_for_log(oracle: OracleSpool, text: str) -> None:
    """Bounces are delivered by a process Exim starts; wait for it to finish."""
    for _ in range(100):
        if text in oracle.log():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {text!r} in the main log")


def log_cases(oracle: OracleSpool, target: Path) -> None:
    """Events whose log lines tests/test_log.py rebuilds: golden/LOGDIR/events.json."""
    oracle.setup()
    steps: dict[str, list[str]] = {}
    ids: dict[str, str] = {}
    messages = target / "messages"
    messages.mkdir(parents=True)

    def step(name: str, action) -> None:
        before = len(oracle.log().splitlines())
        action()
        steps[name] = oracle.log().splitlines()[before:]

    def keep(name: str, message_id: str) -> None:
        ids[name] = message_id
        for suffix in ("-H", "-D"):
            source = next(oracle.input_dir().rglob(message_id + suffix))
            shutil.copyfile(source, messages / f"{name}{suffix}")

    def smtp_in() -> None:
        mid = oracle.smtp(["EHLO client.example", "MAIL FROM:<bounce@client.example> BODY=8BITMIME",
                           *[f"RCPT TO:<{a}>" for a in LOG_RECIPIENTS], "DATA",
                           "From: Bounce <bounce@client.example>", "To: alice@oracle.test",
                           'Subject: log "quoted" \\ test caf\u00e9',
                           "Message-Id: <client-1@client.example>", "", "body", ".", "QUIT"],
                          *SENDER_HOST)
        keep("smtp-in", mid)

    def deliver() -> None:
        oracle.exim("-M", ids["smtp-in"])
        bounce = re.findall(r"(\S+) <= <> R=" + ids["smtp-in"], oracle.log())
        wait_for_log(oracle, f"{bounce[0].split()[-1]} Completed")
        keep_msglog("smtp-in")

    def keep_msglog(name: str) -> None:
        source = next(oracle.spool_dir.joinpath("msglog").rglob(ids[name]))
        shutil.copyfile(source, messages / f"{name}-msglog")

    def freeze_in() -> None:
        keep("freeze-in", oracle.submit("cold@oracle.test", "bob@oracle.test",
                                        b"Subject: to be frozen\n\nbody\n"))

    def freeze() -> None:
        oracle.exim("-Mf", ids["freeze-in"])
        oracle.exim("-q")
        oracle.exim("-Mt", ids["freeze-in"])
        keep_msglog("freeze-in")

    def local_in() -> None:
        keep("local-in", oracle.submit("local@oracle.test", "alice@oracle.test",
                                       b"Subject: local\n\nbody\n"))

    def fake_delivery() -> None:
        oracle.exim("-N", "-M", ids["local-in"])

    def rejects() -> None:
        oracle.exim("-odq", "-bs", *SENDER_HOST, stdin=(
            "\r\n".join(["EHLO client.example", "MAIL FROM:<spammer@client.example>",
                          "RCPT TO:<blocked@oracle.test>", "RCPT TO:<alice@oracle.test>",
                          "RCPT TO:<bob@oracle.test>", "DATA", "Subject: SPAMTEST offer", "",
                          "buy", ".", "QUIT"]) + "\r\n").encode())

    def remote(code: int, recipients: list[str]):
        def receive() -> None:
            # An empty queue: otherwise Exim would pass other queued relay.test messages
            # down the same SMTP connection (-MC), adding their lines to this step.
            oracle.clear_spool()
            keep(f"remote-{code}-in", oracle.smtp(
                ["EHLO client.example", "MAIL FROM:<remote@client.example>",
                 *[f"RCPT TO:<{a}>" for a in recipients], "DATA", "Subject: remote", "",
                 "to the sink", ".", "QUIT"]))

        def deliver_remote() -> None:
            mid = ids[f"remote-{code}-in"]
            oracle.exim_with_sink(code, "-M", mid)
            if code == 550:
                bounce = re.findall(r"(\S+) <= <> R=" + mid, oracle.log())
                wait_for_log(oracle, f"{bounce[0].split()[-1]} Completed")
        return receive, deliver_remote

    def tls_in() -> None:
        keep("tls-in", tls_session(oracle, "tls@client.example"))

    def bdat_in() -> None:
        keep("bdat-in", bdat_session(oracle))

    steps_table = [("smtp-in", smtp_in), ("deliver", deliver), ("local-in", local_in),
                   ("fake-delivery", fake_delivery), ("rejects", rejects),
                   ("freeze-in", freeze_in), ("freeze", freeze), ("tls-in", tls_in),
                   ("bdat-in", bdat_in)]
    for code, recipients in ((250, ["r1@relay.test", "r2@relay.test"]),
                             (451, ["r3@relay.test"]), (550, ["r4@relay.test"])):
        receive, deliver_remote = remote(code, recipients)
        steps_table += [(f"remote-{code}-in", receive), (f"remote-{code}", deliver_remote)]
    for name, action in steps_table:
        step(name, action)
    record = {"selector": oracle.log_selector, "ids": ids, "steps": steps,
              "rejectlog": oracle.log("rejectlog"), "paniclog": oracle.log("paniclog")}
    (target / "events.json").write_text(json.dumps(record, indent=1) + "\n")


def selector_cases(oracle: OracleSpool) -> None:
    """log_selector settings Exim accepts or refuses (exim -bV): golden/log-selector.json."""
    results = {}
    for setting in ["+all", "-all", "+all -pid", "-all +subject", "+rejected_headers",
                    "+subject+pid", "  +subject   -msg_id ", "+nosuch", "subject",
                    "+subject,+pid", "-", "+", "+8bitmime +tls_sni", "=0x10"]:
        conf = oracle.state / "selector.conf"
        text = oracle.conf.read_text()
        conf.write_text(re.sub(r"(?m)^LOG_SELECTOR = .*$", f"LOG_SELECTOR = {setting}", text))
        result = subprocess.run([str(ORACLE_DIR / "exim-oracle"), str(conf), "-bV"],
                                capture_output=True, text=True, check=False,
                                env=dict(os.environ, ORACLE_STATE=str(oracle.state)))
        error = result.stderr.strip().splitlines()
        results[setting] = {"status": result.returncode,
                            "error": error[-1].strip() if result.returncode else None}
    (GOLDEN / "log-selector.json").write_text(json.dumps(results, indent=1) + "\n")


# Messages for "exim -odq -bm": (name, bytes, extra flags). Each becomes a parse golden.
PARSE_INPUTS: list[tuple[str, bytes, list[str]]] = [
    ("lf", b"Subject: a\nTo: b@x\n\nline1\nline2\n", []),
    ("crlf", b"Subject: a\r\nTo: b@x\r\n\r\nbody\r\nline\r\n", []),
    ("folded", b"Subject: a\n  b\n\tc\nX-Y: z\n\nbody\n", []),
    ("dot-ends", b"Subject: a\n\nbody\n.\nafter the dot\n", []),
    ("dot-crlf", b"Subject: a\n\nbody\n.\r\nafter\n", []),
    ("dot-oi", b"Subject: a\n\nbody\n.\nafter the dot\n", ["-oi"]),
    ("dot-in-headers", b"Subject: a\n.\nmore\n", []),
    ("dot-eof", b"Subject: a\n.", []),
    ("leading-dots", b"Subject: a\n\n.x\n..y\n", []),
    ("no-final-newline", b"Subject: a\n\nlast line", []),
    ("bare-cr-body", b"Subject: a\n\na\rb\r\rc\r\n", []),
    ("bare-cr-header", b"Subject: a\rb\nTo: c@x\n\nbody\n", []),
    ("bare-lf-after-crlf", b"Subject: a\r\nTo: b@x\nc\r\n\r\nbody\r\n", []),
    ("not-a-header", b"Subject: a\nthis is not a header\nmore\n", []),
    ("space-first", b"Subject: a\n continuation?\n\nbody\n", []),
    ("nul-body", b"Subject: a\n\nzero\0here\0\n", []),
    ("nul-header", b"Subject: a\0b\n\nbody\n", []),
    ("nul-not-header", b"Subject: a\nbad\0line\nmore\0\n", []),
    ("blank-continuations", b"Subject: a\n \n\t\nTo: b@x\n\nbody\n", []),
    ("from-line", b"From bob Fri Jan  5 12:35 GMT 1996\nSubject: a\n\nbody\n", []),
    ("from-line-late", b"Subject: a\nFrom bob Fri Jan  5 12:35 GMT 1996\n\nbody\n", []),
    ("no-body", b"Subject: a\n", []),
    ("empty", b"", []),
    ("header-only-no-newline", b"Subject: a", []),
    ("long-line", b"Subject: a\n\n" + b"y" * 3000 + b"\nshort\n", []),
    ("8bit", "Subject: caf\u00e9\n\n\u00e9t\u00e9\n".encode() + b"\xff\xfe\n", []),
    ("colon-space-name", b"Subject : a\nX Bad: b\n\nbody\n", []),
    ("sender-header", (b"Sender: s@x\nFrom: f@x\nReturn-Path: <r@x>\nEnvelope-To: e@x\n"
                       b"Delivery-Date: now\nMessage-Id: <1@x>\nMessage-Id: <2@x>\n\nb\n"), []),
]


def parse_cases() -> None:
    target = GOLDEN / "parse"
    target.mkdir(parents=True)
    for name, data, flags in PARSE_INPUTS:
        mid = ORACLE.submit("sender@client.example", "alice@oracle.test", data, *flags)
        files = {s: next(input_dir().rglob(mid + s)).read_bytes() for s in ("-H", "-D")}
        record = {"id": mid, "flags": flags, "input": base64.b64encode(data).decode(),
                  "H": base64.b64encode(files["-H"]).decode(),
                  "D": base64.b64encode(files["-D"]).decode()}
        (target / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")


def crafted_listing() -> None:
    """Write the crafted spool for a second just ahead, then list it during that second."""
    exim_user = pwd.getpwnam("Debian-exim")
    spool = Spool(str(ORACLE.spool_dir), owner=(exim_user.pw_uid, exim_user.pw_gid),
                  fsync=False)
    for _ in range(10):
        now = int(time.time()) + 2
        ORACLE.clear_spool()
        write_crafted_spool(spool, now)
        time.sleep(max(0.0, now - time.time()))
        result = listing(BP_FORMS)
        if result["now"] == now:
            (GOLDEN / "crafted-bp.json").write_text(json.dumps(result, indent=1) + "\n")
            return
    raise SystemExit("could not list the crafted spool within one second")


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("make_goldens.py must run as root (the oracle needs it)")
    ORACLE.setup()
    shutil.rmtree(GOLDEN, ignore_errors=True)
    GOLDEN.mkdir()
    exim_cases()
    bp = listing(BP_FORMS)
    (GOLDEN / "exim" / "bp.json").write_text(json.dumps(bp, indent=1) + "\n")
    parse_cases()
    log_dir = GOLDEN / "log"
    log_dir.mkdir()
    for name in ("mainlog", "rejectlog", "paniclog"):
        source = ORACLE.sandbox / "log" / name
        if source.exists():
            shutil.copyfile(source, log_dir / name)
    crafted_listing()
    log_cases(ORACLE, GOLDEN / "log-default")
    log_cases(OracleSpool(Path(str(STATE) + "-all"), log_selector="+all"), GOLDEN / "log-all")
    selector_cases(ORACLE)
    print(f"goldens written to {GOLDEN}")


if __name__ == "__main__":
    main()
