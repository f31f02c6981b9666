"""ACL modifiers and controls: header changes, log lines, variables, controls' state."""

from __future__ import annotations

import pytest

from pyexim.acl.modifiers import setup_header
from pyexim.acl.state import AclState
from pyexim.acl.where import Rc, Where
from tests.acl.fakes import engine


@pytest.mark.parametrize("texts,expected", [
    (["X-One: 1"], [("X-One: 1\n", "bottom")]),
    (["X-One: 1\nX-Two: 2\n"], [("X-One: 1\n", "bottom"), ("X-Two: 2\n", "bottom")]),
    (["X-Fold: a\n  b"], [("X-Fold: a\n  b\n", "bottom")]),
    (["no colon here"], [("X-ACL-Warn: no colon here\n", "bottom")]),
    ([":at_start:X-Top: t"], [("X-Top: t\n", "top")]),
    ([":after_received: X-R: r", ":at_start_rfc:X-F: f", ":at_end:X-E: e"],
     [("X-R: r\n", "after_received"), ("X-F: f\n", "rfc"), ("X-E: e\n", "bottom")]),
    (["X-Same: 1", "X-Same: 1"], [("X-Same: 1\n", "bottom")]),
    (["\n\nX-Lead: 1\n\n\n"], [("X-Lead: 1\n", "bottom")]),
    ([""], []),
], ids=["one", "two-lines", "continuation", "no-name", "at-start", "positions", "dedupe",
        "newlines-trimmed", "empty"])
def test_setup_header(texts: list[str], expected: list[tuple[str, str]]) -> None:
    state = AclState()
    for text in texts:
        setup_header(state, text)
    assert [(h.text, h.position) for h in state.added_headers] == expected


@pytest.mark.parametrize("acl,logged", [
    ("warn logwrite = plain\naccept", [("plain", {"main": True, "reject": False,
                                                  "panic": False})]),
    ("warn logwrite = :reject,panic: both\naccept",
     [("both", {"main": False, "reject": True, "panic": True})]),
    ("warn logwrite = :bogus: x\naccept",
     [('unknown log name in ":bogus: x" in "logwrite" in RCPT ACL',
       {"main": True, "reject": False, "panic": True})]),
    ("warn logwrite = tab\there\naccept", [("tab\there", {"main": True, "reject": False,
                                                          "panic": False})]),
], ids=["main", "chosen", "unknown", "printing"])
def test_logwrite(acl: str, logged: list[tuple[str, dict[str, object]]]) -> None:
    eng, session = engine(named={"a": acl})
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.OK
    assert session.logs == logged


def test_log_reject_target() -> None:
    eng, _ = engine(named={"a": "deny log_reject_target = reject : panic"})
    eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert eng.state.log_reject_target == frozenset({"reject", "panic"})


def test_remove_header_collects_names() -> None:
    eng, _ = engine(named={"a": "warn remove_header = a : b\nwarn remove_header = c\naccept"})
    eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert eng.state.removed_headers == "a : b : c"


@pytest.mark.parametrize("arg,ok,name", [("fast", True, "fast"), ("with/slash", False, "")])
def test_queue(arg: str, ok: bool, name: str) -> None:
    eng, _ = engine(named={"a": f"accept queue = {arg}"})
    result = eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert (result.rc is Rc.OK) == ok
    assert eng.state.queue_name == name


def test_delay_is_skipped_when_host_checking() -> None:
    from tests.acl.fakes import FakeSession
    session = FakeSession(host_checking=True)
    eng, _ = engine(named={"a": "accept delay = 1h"}, session=session)
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.OK
    assert "delay skipped in -bh checking mode" in session.traces


@pytest.mark.parametrize("control,attribute,value", [
    ("fakereject", "fake_response", "fail"),
    ("fakedefer/try again", "fake_response_text", "try again"),
    ("freeze/no_tell", "freeze_tell", False),
    ("queue_only", "queue_only_policy", True),
    ("queue/first_pass_route", "queue_smtp", True),
    ("submission/sender_retain", "sender_retain", True),
    ("submission/domain=x.ex/name=Some One", "submission_name", "Some One"),
    ("suppress_local_fixups", "suppress_local_fixups", True),
    ("no_multiline_responses", "no_multiline_responses", True),
    ("no_pipelining", "pipelining_enable", False),
    ("enforce_sync", "enforce_sync", True),
    ("no_enforce_sync", "enforce_sync", False),
    ("utf8_downconvert/-1", "utf8_downconvert", -1),
])
def test_controls_set_state(control: str, attribute: str, value: object) -> None:
    eng, _ = engine(named={"a": f"accept control = {control}"})
    assert eng.check(Where.RCPT, "a", recipient="x@y.ex").rc is Rc.OK
    assert getattr(eng.state, attribute) == value


@pytest.mark.parametrize("control,error", [
    ("freeze/later", 'syntax error in "control=freeze/later"'),
    ("no_pipelining/x", 'syntax error in "control=no_pipelining/x"'),
    ("submission/bogus", 'syntax error in "control=submission/bogus"'),
    ("utf8_downconvert/7", "bad option value for control=utf8_downconvert"),
])
def test_control_errors(control: str, error: str) -> None:
    eng, _ = engine(named={"a": f"accept control = {control}"})
    result = eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert (result.rc, result.log_message) == (Rc.ERROR, error)
