"""The server machine under an accept-all policy against real Exim 4.96's replies.

The dialogues and Exim's replies come from tests/smtp/gen_goldens.py (``-bh`` with
goldens/accept-all.conf, where every ACL accepts); each is replayed whole and fed one
octet at a time. A few replies depend on address parsing (pyexim.address, not this
package): for those the test checks the address text the event carries instead.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pyexim.smtp import events as ev
from pyexim.smtp.data import spool_body
from tests.conftest import ORACLE, needs_oracle
from pyexim.smtp.server import Settings
from tests.smtp.transcript import run_session

GOLDENS = Path(__file__).resolve().parent / "goldens"
DIALOGUES = json.loads((GOLDENS / "bh_dialogues.json").read_text())
BODIES = json.loads((GOLDENS / "spool_bodies.json").read_text())
SYNC = json.loads((GOLDENS / "sync_dialogues.json").read_text())

#: Dialogues whose Exim reply is an address-syntax error from parse_extract_address
#: (the policy's job with pyexim.address): name -> the address text the event must carry.
ADDRESS_LEVEL = {
    "size-helo-ignored": "<s@client.example> SIZE=20000000",
    "smtputf8-helo": "<s@client.example> SMTPUTF8",
}


def _bytes(text: str) -> bytes:
    return text.encode("latin-1")


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("golden", DIALOGUES, ids=[d["name"] for d in DIALOGUES])
def test_dialogue_matches_exim(golden: dict[str, object], bytewise: bool) -> None:
    out = run_session([_bytes(str(golden["input"]))], bytewise=bytewise)
    if golden["name"] in ADDRESS_LEVEL:
        mails = [e for e in out.events if isinstance(e, ev.MailFrom)]
        assert [m.address for m in mails] == [ADDRESS_LEVEL[str(golden["name"])]]
        return
    assert out.replies == golden["replies"]


@pytest.mark.parametrize("golden", SYNC, ids=[d["name"] for d in SYNC])
def test_synchronisation_matches_exim_daemon(golden: dict[str, object]) -> None:
    """Exim's daemon checks pipelining's rules; the machine with enforce_sync does too.
    The client waits for each reply, so each write arrives after the previous replies."""
    packets = [_bytes(p) for p in golden["packets"]]  # type: ignore[union-attr]
    out = run_session([b"", *packets], settings=Settings(enforce_sync=True))
    assert out.replies == golden["replies"]


@pytest.mark.parametrize("golden", [g for g in DIALOGUES if g["name"].startswith("smuggle-")],
                         ids=lambda g: g["name"])
def test_smuggling_gives_one_message(golden: dict[str, object]) -> None:
    out = run_session([_bytes(str(golden["input"]))])
    assert len(out.messages) == 1
    assert b"MAIL FROM:<evil@client.example>" in out.messages[0]


@pytest.mark.parametrize("golden", BODIES, ids=[b["name"] for b in BODIES])
def test_spooled_body_matches_exim(golden: dict[str, object]) -> None:
    """Framing plus spool_body gives the -D file Exim wrote (the header section is
    cut off at the first empty line, which these messages all have)."""
    data = _bytes(str(golden["input"]))
    start = (b"EHLO client.example\r\nMAIL FROM:<s@client.example>\r\n"
             b"RCPT TO:<alice@oracle.test>\r\n")
    if golden["how"] == "data":
        session = start + b"DATA\r\n" + (data if data.endswith(b"\n") else data + b"\r\n")
        session += b".\r\nQUIT\r\n"
    else:
        session = start + b"BDAT %d LAST\r\n" % len(data) + data + b"QUIT\r\n"
    out = run_session([session])
    spooled = [_bytes(s) for s in golden["spooled"]]   # type: ignore[union-attr]
    if not spooled:      # Exim refused it (BDAT with an LF-only header)
        ends = [e for e in out.events if isinstance(e, ev.EndOfMessage)]
        assert ends and ends[0].lf_only
        return
    assert len(out.messages) == 1
    end = next(e for e in out.events if isinstance(e, ev.EndOfMessage))
    message = out.messages[0]
    sep = b"\n\n" if end.lf_only else b"\r\n\r\n"
    cut = message.find(sep) + len(sep) if sep in message else message.find(b"\n") + 1
    body = spool_body(message[cut:], lf_only=end.lf_only, bdat=end.bdat)
    assert body == spooled[0]


@needs_oracle
@pytest.mark.parametrize("name", ["plain-session", "data-after-rcpt-errors-same",
                                  "synprot-limit", "smuggle-lf-dot-lf", "bdat-two-chunks"])
def test_goldens_are_current(name: str) -> None:
    """Live: real Exim still answers as the committed golden says."""
    golden = next(d for d in DIALOGUES if d["name"] == name)
    proc = subprocess.run([str(ORACLE), str(GOLDENS / "accept-all.conf"), "-bh", "192.0.2.1"],
                          input=_bytes(golden["input"]), capture_output=True, timeout=60,
                          check=False)
    lines = [line.removesuffix("\r") for line in proc.stdout.decode("latin-1").split("\n")]
    replies = [line for line in lines if line and not line.startswith("****")]
    import re
    assert [re.sub(r"id=\S+", "id=<ID>", r) for r in replies] == golden["replies"]
