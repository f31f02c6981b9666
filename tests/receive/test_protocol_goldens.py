"""The whole session (policy + server machine) against the 126 protocol dialogues real
Exim 4.96 answered under -bh with tests/smtp/goldens/accept-all.conf (made by
tests/smtp/gen_goldens.py). Here nothing is simulated: the configuration is read, the
ACLs run, addresses are parsed, AUTH goes to the plaintext authenticator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.acl.bh import run_bh

SMTP_GOLDENS = Path(__file__).resolve().parent.parent / "smtp" / "goldens"
DIALOGUES = json.loads((SMTP_GOLDENS / "bh_dialogues.json").read_text())
_ID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
_BANNER_END = "**** This is not for real!\n\n"
_NOTE = "\n**** SMTP testing: that is not a real message id!\n\n"


def replies(stdout: str) -> list[str]:
    """The reply lines of a -bh transcript, ids as <ID> (the golden's form)."""
    body = stdout.split(_BANNER_END, 1)[1].replace(_NOTE, "")
    return [_ID.sub("<ID>", line) for line in body.split("\r\n")[:-1]]


@pytest.mark.parametrize("golden", DIALOGUES, ids=[d["name"] for d in DIALOGUES])
def test_dialogue_matches_exim(golden: dict[str, object], tmp_path: Path) -> None:
    stdout, _log = run_bh(SMTP_GOLDENS / "accept-all.conf", "192.0.2.1",
                          str(golden["input"]).encode("latin-1"))
    assert replies(stdout) == golden["replies"]
