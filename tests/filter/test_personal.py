"""The "personal" test (Exim's filter_personal and header_match)."""

from __future__ import annotations

import pytest

from pyexim.filter.personal import is_personal
from tests.filter.fakes import envelope

BASE = ["To: Alice <alice@test.example>\n", "From: Bob <bob@elsewhere.example>\n"]


@pytest.mark.parametrize("extra, aliases, scan_cc, changes, result", [
    ([], [], False, {}, True),
    (["List-Id: <a.b>\n"], [], False, {}, False),
    (["List-Other: x\n"], [], False, {}, True),
    (["Auto-Submitted: no\n"], [], False, {}, True),
    (["Auto-Submitted: auto-replied\n"], [], False, {}, False),
    (["Precedence: bulk\n"], [], False, {}, False),
    (["Precedence: first-class\n"], [], False, {}, True),
    ([], [], False, {"local_part": "carol"}, False),
    ([], ["alice@test.example"], False, {"local_part": "carol"}, True),
    ([], [], False, {"sender_address": ""}, False),
], ids=["plain", "list-id", "other-list-header", "auto-submitted-no", "auto-replied", "bulk",
        "other-precedence", "not-addressed", "alias", "bounce"])
def test_personal(extra: list[str], aliases: list[str], scan_cc: bool,
                  changes: dict[str, str], result: bool) -> None:
    assert is_personal(BASE + extra, envelope(**changes), aliases, scan_cc) is result


@pytest.mark.parametrize("sender", ["root@x", "daemon@x", "owner-list@x", "list-request@x",
                                    "MAJORDOMO@x"])
def test_daemon_senders(sender: str) -> None:
    headers = ["To: alice@test.example\n", f"From: {sender}\n"]
    assert not is_personal(headers, envelope(), [], False)


def test_cc_counts_only_when_asked() -> None:
    headers = ["To: other@x\n", "Cc: alice@test.example\n", "From: bob@y\n"]
    assert not is_personal(headers, envelope(), [], scan_cc=False)
    assert is_personal(headers, envelope(), [], scan_cc=True)


def test_prefixed_address() -> None:
    headers = ["To: list-alice@test.example\n", "From: bob@y\n"]
    assert is_personal(headers, envelope(prefix="list-"), [], False)
