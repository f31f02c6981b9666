"""What the test modes share (pyexim.cli.common): the -f sender and Exim's length limits."""

from __future__ import annotations

import pytest

from pyexim.cli.common import DISPLAYMAIL_MAX, Abort, check_length, command_line_sender


@pytest.mark.parametrize("text,sender", [
    ("", ""),
    ("<>", ""),
    ("alice", "alice@q.example"),
    ("alice@x.example.", "alice@x.example"),        # a trailing dot goes
    ('"a b"', '"\\"a b\\""@q.example'),                # as real Exim 4.96 shows it (-bf)
    ("Alice <alice@[192.0.2.1]>", "alice@[192.0.2.1]"),
])
def test_command_line_sender(text: str, sender: str) -> None:
    assert command_line_sender(text, "q.example") == sender


# Real Exim 4.96's wording, for -bt and -bf alike.
def test_command_line_sender_too_long() -> None:
    text = "a" * DISPLAYMAIL_MAX + "@x"
    with pytest.raises(Abort, match=r"^pyexim: length limit exceeded \(1026 > 1024\) for: -f$"):
        command_line_sender(text, "q.example")


def test_command_line_sender_that_does_not_parse() -> None:
    with pytest.raises(Abort, match='^pyexim: bad -f address "a@": '):
        command_line_sender("a@", "q.example")


def test_check_length() -> None:
    check_length("abc", 3, "x")
    with pytest.raises(Abort, match=r"^pyexim: length limit exceeded \(4 > 3\) for: -brw$"):
        check_length("abcd", 3, "-brw")


@pytest.mark.parametrize("uid, gid, groups, admin", [
    (0, 0, [], True),             # root
    (1, 100, [], True),           # the Exim user (exim_user = daemon)
    (2000, 1, [], True),          # the Exim group (exim_group = daemon)
    (2000, 100, [1], True),       # the Exim group as a supplementary group
    (2000, 100, [4242], True),    # a group in admin_groups
    (2000, 100, [100], False),
])
def test_is_admin(tmp_path, monkeypatch, uid: int, gid: int, groups: list[int],
                  admin: bool) -> None:
    import os

    from pyexim.cli.common import is_admin
    from pyexim.config import load_config
    conf = tmp_path / "exim.conf"
    conf.write_text("exim_user = daemon\nexim_group = daemon\nadmin_groups = 4242\n")
    config = load_config(str(conf))
    monkeypatch.setattr(os, "getuid", lambda: uid)
    monkeypatch.setattr(os, "getgid", lambda: gid)
    monkeypatch.setattr(os, "getgroups", lambda: groups)
    assert is_admin(config) is admin
