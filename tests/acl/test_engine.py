"""The ACL engine on its own: verbs, messages, nesting and errors, with fake contexts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.acl.engine import split_message
from pyexim.acl.where import Rc, Where
from tests.acl.fakes import FakeSession, check, engine

# (id, named ACLs, the ACL to run, expected rc, user message, log message)
VERB_CASES = [
    ("accept", {}, "accept", Rc.OK, None, None),
    ("accept-message-is-for-the-reply", {}, "accept message = hello", Rc.OK, "hello",
     "hello"),
    ("deny", {}, "deny", Rc.FAIL, None, None),
    ("deny-messages", {"a": "deny message = no\n log_message = nolog"}, "a", Rc.FAIL, "no",
     "nolog"),
    ("deny-log-defaults-to-user", {"a": "deny message = no"}, "a", Rc.FAIL, "no", "no"),
    ("defer", {"a": "defer message = later"}, "a", Rc.DEFER, "later", "later"),
    ("drop", {"a": "drop message = bye"}, "a", Rc.FAIL_DROP, "bye", "bye"),
    ("discard", {"a": "discard log_message = gone"}, "a", Rc.DISCARD, None, "gone"),
    ("implicit-deny", {"a": "accept condition = no"}, "a", Rc.FAIL, None, None),
    ("empty-acl", {"a": ""}, "a", Rc.FAIL, None, None),
    ("require-fails", {"a": "require message = needed\n condition = no\naccept"}, "a",
     Rc.FAIL, "needed", "needed"),
    ("require-passes", {"a": "require condition = yes\naccept message = ok"}, "a", Rc.OK,
     "ok", "ok"),
    ("message-after-failing-condition-unused",
     {"a": "require condition = no\n message = never"}, "a", Rc.FAIL, None, None),
    ("warn-goes-on", {"a": "warn message = X-Added: 1\naccept"}, "a", Rc.OK, None, None),
    ("endpass-accept-denies", {"a": "accept endpass\n message = stop\n condition = no"},
     "a", Rc.FAIL, "stop", "stop"),
    ("endpass-accept-passes", {"a": "accept endpass\n message = stop"}, "a", Rc.OK, None,
     None),
    ("negated-condition", {"a": "deny !condition = no\n message = neg"}, "a", Rc.FAIL,
     "neg", "neg"),
    ("forced-fail-skips-condition", {"a": "deny condition = ${if eq{1}{2}{}fail}\n"
                                          " message = skipped"}, "a", Rc.FAIL,
     "skipped", "skipped"),
    ("nested-accept", {"a": "accept acl = b", "b": "accept message = inner"}, "a", Rc.OK,
     None, None),
    ("nested-messages-stay", {"a": "deny !acl = b", "b": "deny message = inner"}, "a",
     Rc.FAIL, "inner", "inner"),
    ("nested-messages-reach-require", {"a": "require acl = b", "b": "deny message = inner"},
     "a", Rc.FAIL, "inner", "inner"),
    ("nested-discard-under-deny", {"a": "deny acl = b", "b": "discard"}, "a", Rc.ERROR,
     None, 'nested ACL returned "discard" for "deny" command (only allowed with "accept" '
     'or "discard")'),
    ("nested-too-deep", {"a": "accept acl = a"}, "a", Rc.ERROR, None,
     "ACL nested too deep: possible loop"),
    ("arguments", {"a": "deny acl = b one \"two words\" three",
                   "b": "accept message = $acl_narg [$acl_arg1] [$acl_arg2] [$acl_arg3]"},
     "a", Rc.FAIL, "3 [one] [two words] [three]", "3 [one] [two words] [three]"),
    ("inline", {}, "deny message = inline text", Rc.FAIL, "inline text", "inline text"),
    ("inline-expanded-twice", {}, "warn set acl_m0 = x\ndeny message = \\$acl_m0",
     Rc.FAIL, "x", "x"),
    ("bad-condition-value", {"a": "deny condition = maybe"}, "a", Rc.DEFER, None,
     'invalid "condition" value "maybe"'),
    ("expansion-error", {"a": "deny condition = ${oops}"}, "a", Rc.ERROR, None,
     'failed to expand ACL string "${oops}": unknown variable in "${oops}"'),
    ("forbidden-here", {"a": "deny dkim_status = pass"}, "a", Rc.ERROR, None,
     "cannot test dkim_status condition in RCPT ACL"),
    ("bad-control", {"a": "deny control = nonsense"}, "a", Rc.ERROR, None,
     'syntax error in "control=nonsense"'),
    ("control-wrong-place", {"a": "deny control = allow_auth_unadvertised"}, "a",
     Rc.ERROR, None, 'cannot use "control=allow_auth_unadvertised" in RCPT ACL'),
    ("bad-verify", {"a": "deny verify = nothing"}, "a", Rc.ERROR, None,
     'expected "sender[=address]", "recipient", "helo", "header_syntax", "header_sender", '
     '"header_names_ascii" or "reverse_host_lookup" at start of ACL condition '
     '"verify nothing"'),
    ("verify-options-not-allowed", {"a": "deny verify = helo/x"}, "a", Rc.ERROR, None,
     "unexpected '/' found in \"helo/x\" (this verify item has no options)"),
    ("delay-syntax", {"a": "accept delay = soon"}, "a", Rc.ERROR, None,
     'syntax error in argument for "delay" modifier: "soon" is not a time value'),
    ("message-code-kept", {"a": "deny message = 551 5.1.1 moved"}, "a", Rc.FAIL,
     "551 5.1.1 moved", "551 5.1.1 moved"),
]


@pytest.mark.parametrize("named,text,rc,user,log",
                         [c[1:] for c in VERB_CASES], ids=[c[0] for c in VERB_CASES])
def test_verbs_and_messages(named: dict[str, str], text: str, rc: Rc, user: str | None,
                            log: str | None) -> None:
    result = check(text, named=named)
    assert (result.rc, result.user_message, result.log_message) == (rc, user, log)


def test_option_forced_failure_means_no_check() -> None:
    assert check("${if eq{1}{2}{}fail}").rc is Rc.OK


def test_option_expansion_failure_is_an_error() -> None:
    result = check("${oops")
    assert result.rc is Rc.ERROR
    assert result.log_message is not None
    assert result.log_message.startswith('failed to expand ACL string "${oops":')


def test_no_acl_is_an_implicit_deny() -> None:
    eng, _ = engine()
    assert eng.check(Where.RCPT, None, recipient="a@b.ex").rc is Rc.FAIL


def test_discard_is_refused_outside_message_acls() -> None:
    eng, session = engine()
    assert eng.check(Where.HELO, "discard").rc is Rc.ERROR
    assert session.logs == [('"discard" verb not allowed in EHLO or HELO ACL',
                             {"panic": True})]


def test_drop_is_refused_in_mailauth() -> None:
    eng, session = engine()
    assert eng.check(Where.MAILAUTH, "drop").rc is Rc.ERROR
    assert '"drop" verb not allowed in MAILAUTH ACL' in session.logs[0][0]


@pytest.mark.parametrize("verb,rc", [("deny", Rc.ERROR), ("accept", Rc.OK),
                                     ("require condition = no\naccept", Rc.ERROR)])
def test_quit_acl_may_not_fail(verb: str, rc: Rc) -> None:
    eng, _ = engine()
    result = eng.check(Where.QUIT, verb)
    assert result.rc is rc
    if rc is Rc.ERROR:
        assert result.log_message is not None and "QUIT or not-QUIT toplevel ACL may not " \
            "fail" in result.log_message


def test_rcpt_address_sets_domain_and_local_part_while_running() -> None:
    result = check("a", named={"a": "deny message = $local_part @ $domain"},
                   recipient='"Quoted.Name"@TEST.EX')
    assert result.user_message == "quoted.name @ test.ex"


def test_caseful_local_part_control() -> None:
    result = check("a", named={"a": "deny control = caseful_local_part\n"
                                     " message = $local_part"},
                   recipient="MixedCase@test.ex")
    assert result.user_message == "MixedCase"


def test_warn_logs_once_per_message() -> None:
    eng, session = engine(named={"a": "warn log_message = careful\naccept"})
    eng.check(Where.RCPT, "a", recipient="x@y.ex")
    eng.check(Where.RCPT, "a", recipient="z@y.ex")
    assert [text for text, _ in session.logs] == ["H=(helo.ex) [192.0.2.1] Warning: careful"]


def test_warn_message_adds_a_header_in_message_acls_only() -> None:
    eng, session = engine(named={"a": "warn message = X-Note: yes\naccept"})
    eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert [h.text for h in eng.state.added_headers] == ["X-Note: yes\n"]
    eng.check(Where.HELO, "a")
    assert "cannot specify header lines here" in session.logs[-1][0]


def test_acl_variables_persist_as_exim_keeps_them() -> None:
    eng, _ = engine(named={"a": "accept set acl_c_conn = c1\n set acl_m0 = m1"})
    eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert eng.ctx.acl_c == {"c_conn": "c1"}
    assert eng.ctx.acl_m == {"m0": "m1"}


def test_acl_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rcpt.acl"
    path.write_text("# a comment\ndeny message = from \\\n   a file\n")
    assert check(str(path)).user_message == "from a file"


def test_missing_acl_file() -> None:
    result = check("/no/such/file.acl")
    assert result.rc is Rc.ERROR
    assert result.log_message == ('failed to open ACL file "/no/such/file.acl": No such file '
                                  "or directory")


def test_expansion_acl_item_uses_the_engine() -> None:
    eng, _ = engine(named={"a": "accept message = got $acl_arg1"})
    from pyexim.expand import expand_string
    assert expand_string("${acl {a}{x}}", eng.ctx) == "got x"


def test_trace_names_statements_and_outcome() -> None:
    session = FakeSession(host_checking=True)
    eng, _ = engine(named={"a": "accept condition = no\ndeny message = m"},
                    session=session)
    eng.check(Where.RCPT, "a", recipient="x@y.ex")
    assert session.traces == [
        'using ACL "a"', 'processing "accept" (test.conf 1)', "check condition = no",
        'accept: condition test failed in ACL "a"', 'processing "deny" (test.conf 1)',
        "  message: m", 'deny: condition test succeeded in ACL "a"', 'end of ACL "a": DENY']


@pytest.mark.parametrize("message,expected", [
    ("short", "short"),
    ("x" * 80, "x" * 80),
    ("this text is long enough that Exim has to split it: it goes on and on past the "
     "seventy-five character point",
     "this text is long enough that Exim has to split it:\nit goes on and on past the "
     "seventy-five character point"),
    ("a " * 50, "a " * 37 + "a\n" + "a " * 12),
], ids=["short", "unbreakable", "after-colon", "at-space"])
def test_split_message(message: str, expected: str) -> None:
    assert split_message(message) == expected
