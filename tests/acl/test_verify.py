"""verify = ...: header checks, the client checks, and address verification through the
session's verifier (faked here)."""

from __future__ import annotations

import pytest

from pyexim.acl.state import RouteVerify
from pyexim.acl.verify import check_header_syntax
from pyexim.acl.where import Rc, Where
from pyexim.address import AddressOptions
from pyexim.expand import HeaderView
from tests.acl.fakes import FakeSession, engine


def _headers(*specs: tuple[str, str]) -> list[HeaderView]:
    return [HeaderView(text, htype) for text, htype in specs]


@pytest.mark.parametrize("headers,unqualified,expected", [
    ([("To: a@b.ex, c@d.ex\n", "T")], (False, False), None),
    ([("Cc: <abcd@x.y.z\n", "C")], (False, False),
     '\'>\' missing at end of address: failing address in "Cc:" header is: <abcd@x.y.z'),
    ([("To: undisclosed-recipients:;\n", "T")], (False, False), None),
    ([("To: abcd\n", "T")], (False, False),
     'unqualified address not permitted: failing address in "To:" header is: abcd'),
    ([("To: abcd\n", "T")], (False, True), None),
    ([("From: abcd\n", "F")], (False, True),
     'unqualified address not permitted: failing address in "From:" header is: abcd'),
    ([("Subject: <not an address\n", " ")], (False, False), None),
    ([("Reply-To: a@b.ex\n", "R"), ("Sender: x@\n", "S")], (False, False),
     'domain missing or malformed: failing address in "Sender:" header is: x@'),
    ([("To  : bad@\n", "T")], (False, False),
     'domain missing or malformed: failing address in "To:" header is: bad@'),
], ids=["good", "missing-angle", "empty-group", "unqualified", "unqualified-allowed",
        "sender-side-unqualified", "not-an-address-header", "sender-header",
        "space-before-colon"])
def test_header_syntax(headers: list[tuple[str, str]], unqualified: tuple[bool, bool],
                       expected: str | None) -> None:
    assert check_header_syntax(_headers(*headers), unqualified, AddressOptions()) == expected


def _run(acl: str, where: Where = Where.DATA, **session_args: object) -> tuple[object, object]:
    session = FakeSession(**session_args)  # type: ignore[arg-type]
    eng, _ = engine(named={"a": acl}, session=session)
    recipient = "rcpt@test.ex" if where is Where.RCPT else None
    return eng.check(where, "a", recipient=recipient), eng


def test_not_blind() -> None:
    acl = "deny !verify = not_blind\n message = bcc\naccept"
    result, _ = _run(acl, headers=_headers(("To: Rcpt@Test.ex\n", "T")),
                     recipients=["rcpt@test.ex"])
    assert result.rc is Rc.FAIL          # type: ignore[attr-defined]
    result, _ = _run(acl, headers=_headers(("To: rcpt@TEST.EX\n", "T")),
                     recipients=["rcpt@test.ex"])
    assert result.rc is Rc.OK            # type: ignore[attr-defined]
    result, _ = _run("deny !verify = not_blind/case_insensitive\naccept",
                     headers=_headers(("Cc: RCPT@test.ex\n", "C")),
                     recipients=["rcpt@test.ex"])
    assert result.rc is Rc.OK            # type: ignore[attr-defined]


def test_header_names_ascii() -> None:
    result, _ = _run("deny !verify = header_names_ascii",
                     headers=_headers(("B\xe4d: x\n", " ")))
    assert result.log_message == 'Invalid character in header "B\xe4d" found'  # type: ignore


def test_header_checks_only_where_the_message_exists() -> None:
    result, _ = _run("deny verify = header_syntax", where=Where.RCPT)
    assert result.log_message == "cannot verify header_syntax in ACL for RCPT"  # type: ignore


@pytest.mark.parametrize("helo_ok,rc", [(True, Rc.OK), (False, Rc.FAIL)])
def test_helo(helo_ok: bool, rc: Rc) -> None:
    result, _ = _run("accept verify = helo", where=Where.RCPT, helo_ok=helo_ok)
    assert result.rc is rc  # type: ignore[attr-defined]


def test_reverse_host_lookup_failure_message() -> None:
    result, _ = _run("require verify = reverse_host_lookup", where=Where.RCPT)
    assert result.log_message == ("host lookup failed for reverse lookup check (failed "  # type: ignore
                                  "to find host name from IP address)")


def test_recipient_verification_messages() -> None:
    verified = {"rcpt@test.ex": RouteVerify("FAIL", message="Unrouteable address")}
    result, eng = _run("require verify = recipient", where=Where.RCPT, verified=verified)
    assert (result.rc, result.user_message, result.log_message) == (  # type: ignore
        Rc.FAIL, "Unrouteable address", "Unrouteable address")
    assert eng.ctx.values.get("acl_verify_message") == ""   # type: ignore[attr-defined]


def test_sender_verification_is_cached_and_reported() -> None:
    session = FakeSession()
    eng, _ = engine(named={"a": "require verify = sender\naccept"}, session=session)
    first = eng.check(Where.RCPT, "a", recipient="x@test.ex")
    assert (first.rc, first.user_message) == (Rc.FAIL, "Sender verify failed")
    assert eng.state.sender_verified_failed is not None
    session.verified["s@sender.ex"] = RouteVerify("OK")
    second = eng.check(Where.RCPT, "a", recipient="y@test.ex")
    assert second.rc is Rc.FAIL          # the earlier answer is reused, as in Exim
    assert "using cached sender verify result" in session.traces


@pytest.mark.parametrize("arg,error", [
    ("sender/bogus", 'unknown option "bogus" in ACL condition "verify sender/bogus"'),
    ("recipient/callout=bad", 'bad time value in ACL condition "verify '
                              'recipient/callout=bad"'),
    ("recipient/callout=mailfrom=x@y", '"mailfrom" is allowed as a callout option only for '
                                       'verify=header_sender (detected in ACL condition '
                                       '"recipient/callout=mailfrom=x@y")'),
    ("recipient/callout=use_sender,use_postmaster",
     "only one of use_sender and use_postmaster can be set for a recipient callout"),
    ("sender/callout=use_sender", "use_sender or use_postmaster cannot be used for a sender "
                                  "verify callout"),
    ("sender/quota", "can only verify quota of recipient"),
])
def test_verify_option_errors(arg: str, error: str) -> None:
    result, _ = _run(f"deny verify = {arg}", where=Where.RCPT)
    assert (result.rc, result.log_message) == (Rc.ERROR, error)  # type: ignore[attr-defined]


def test_defer_ok_turns_a_deferral_into_success() -> None:
    verified = {"rcpt@test.ex": RouteVerify("DEFER", message="try later")}
    result, _ = _run("require verify = recipient/defer_ok", where=Where.RCPT,
                     verified=verified)
    assert result.rc is Rc.FAIL          # type: ignore[attr-defined] - implicit deny after
    result, _ = _run("require verify = recipient/defer_ok\naccept", where=Where.RCPT,
                     verified=verified)
    assert result.rc is Rc.OK            # type: ignore[attr-defined]
