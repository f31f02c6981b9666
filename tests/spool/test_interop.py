"""Live spool interop with real Exim 4.96 (runs when the oracle is installed and we are root).

pyexim writes a message into Exim's spool: Exim lists it as pyexim does, respects
pyexim's lock, and delivers it to a maildir with the same content. Exim spools a
message: pyexim reads it, rewrites it byte for byte, and lists the spool as Exim does.
"""

from __future__ import annotations

import pwd
import time
from pathlib import Path

import pytest

from pyexim.message import (
    Envelope,
    HeaderLine,
    HeaderTyping,
    Recipient,
    parse_message,
    type_received_headers,
)
from pyexim.spool.header_file import SpoolHeader, format_header_file
from pyexim.spool.msgid import MessageIdGenerator
from pyexim.spool.queue import list_queue
from pyexim.spool.store import Spool
from tests.conftest import needs_oracle

from .oracle_spool import OracleSpool

pytestmark = [needs_oracle, pytest.mark.oracle]

STATE = Path("/tmp/pyexim-spool-live")

MESSAGE = (b"From: Writer <writer@client.example>\n"
           b"To: alice@oracle.test, bob@oracle.test\n"
           b"Subject: written by pyexim\n"
           b"Message-Id: <pyexim-1@client.example>\n"
           b"\n"
           b"First line of the body.\n"
           b".a line with a leading dot\n"
           b"\n"
           b"caf\xc3\xa9 and a long line " + b"x" * 200 + b"\n")


@pytest.fixture(scope="module")
def oracle() -> OracleSpool:
    sandbox = OracleSpool(STATE)
    sandbox.setup()
    return sandbox


def exim_spool(oracle: OracleSpool) -> Spool:
    user = pwd.getpwnam("Debian-exim")
    return Spool(str(oracle.spool_dir), owner=(user.pw_uid, user.pw_gid))


def pyexim_message(message_id: str, received: int) -> tuple[SpoolHeader, bytes]:
    parsed = parse_message(MESSAGE)
    headers = [HeaderLine(f"Received: from writer by oracle.test with local (pyexim)\n"
                          f"\tid {message_id};\n\tWed, 25 Nov 2026 09:00:00 +0000\n")]
    headers += parsed.headers
    type_received_headers(headers, HeaderTyping())
    header = SpoolHeader(
        message_id=message_id, originator_login="root", originator_uid=0, originator_gid=0,
        envelope=Envelope("writer@client.example",
                          [Recipient("alice@oracle.test"), Recipient("bob@oracle.test")]),
        received_time=received, received_protocol="local", ident="root",
        body_linecount=parsed.body_linecount,
        max_received_linelength=parsed.max_received_linelength, deliver_firsttime=True,
        headers=headers)
    return header, parsed.body


def listing_matches(oracle: OracleSpool, spool: Spool, *args: str) -> str:
    for _ in range(5):
        now = int(time.time())
        exim_text = oracle.exim("-bp", *args).stdout.decode("utf-8", "surrogateescape")
        if int(time.time()) == now:
            assert "".join(list_queue(spool, now=now, message_ids=args)) == exim_text
            return exim_text
    raise AssertionError("could not list within one second")


def test_exim_lists_respects_lock_and_delivers_a_pyexim_message(oracle: OracleSpool) -> None:
    oracle.clear_spool()
    spool = exim_spool(oracle)
    message_id = MessageIdGenerator().next_id()
    header, body = pyexim_message(message_id, int(time.time()))
    spool.store_message(header, body).close()

    listed = listing_matches(oracle, spool)
    assert message_id in listed and "alice@oracle.test" in listed
    assert message_id in listing_matches(oracle, spool, message_id)

    with spool.open_data_file(message_id):
        oracle.exim("-M", message_id)
        assert f"Spool file for {message_id} is locked" in oracle.log()
    assert message_id in oracle.spool_ids()

    oracle.exim("-M", message_id)
    log = oracle.log()
    assert f"{message_id} => alice <alice@oracle.test>" in log
    assert f"{message_id} Completed" in log
    assert message_id not in oracle.spool_ids()

    expected = "".join(h.text for h in header.headers[1:]).encode() + b"\n" + body
    for user in ("alice", "bob"):
        files = list((oracle.sandbox / "mail" / user / "Maildir" / "new").iterdir())
        delivered = [f.read_bytes() for f in files if message_id.encode() in f.read_bytes()]
        assert len(delivered) == 1
        content = delivered[0]
        assert content.startswith(b"Return-path: <writer@client.example>\nEnvelope-to: ")
        received = header.headers[0].text.encode()
        assert content.endswith(received + expected)


def test_pyexim_reads_rewrites_and_lists_an_exim_message(oracle: OracleSpool) -> None:
    oracle.clear_spool()
    message_id = oracle.smtp([
        "EHLO client.example", "MAIL FROM:<sender@client.example> RET=FULL ENVID=live-1",
        "RCPT TO:<alice@oracle.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;alice@oracle.test",
        "RCPT TO:<x@relay.test>", "DATA", "Subject: from Exim", "", "exim body", ".", "QUIT"])
    spool = exim_spool(oracle)
    header = spool.read_header(message_id)
    assert header.envelope.dsn_envid == "live-1" and header.envelope.dsn_ret == 1
    assert header.envelope.recipients[0].orcpt == "rfc822;alice@oracle.test"
    assert header.acl_vars["m_rcpts"] == "alice,x"
    path = spool.path("input", "", message_id, "-H")
    original = Path(path).read_bytes()
    assert format_header_file(header) == original
    assert spool.read_body(message_id) == b"exim body\n"
    listing_matches(oracle, spool)

    # Exim delivers alice, defers x@relay.test and rewrites -H; pyexim follows.
    oracle.exim("-M", message_id)
    rewritten = spool.read_header(message_id)
    assert list(rewritten.nonrecipients) == ["alice@oracle.test"]
    assert format_header_file(rewritten) == Path(path).read_bytes()
    listing_matches(oracle, spool)

    # pyexim rewrites the header (as a delivery would); Exim still reads it.
    spool.write_header(rewritten)
    assert Path(path).read_bytes() == format_header_file(rewritten)
    assert "D alice@oracle.test" in listing_matches(oracle, spool)
