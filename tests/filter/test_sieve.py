"""Sieve scripts: every command and test, tags, requires, errors with Exim 4.96's wording and
line numbers. The verdicts were checked against real Exim (``exim -bf``, same message,
``-f bob@elsewhere.example -bfl carol+list``)."""

from __future__ import annotations

import pytest

from pyexim.filter.env import FilterVariables
from pyexim.filter.result import Generated, Kind, Outcome
from pyexim.filter.sieve import SieveOptions, run_sieve
from tests.filter.fakes import FakeEnv, envelope

MESSAGE_HEADERS = [
    'From: "Bob Sender" <bob@elsewhere.example>\n',
    "To: Alice <alice@test.example>, carol+list@test.example\n",
    "Cc: dave@other.example\n",
    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and more\n",
    "X-Folded: one\n two\n",
    "X-Number: 0042\n",
    "X-Dup: first\n",
    "X-Dup: second\n",
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\n",
]
MESSAGE_SIZE = sum(len(h) for h in MESSAGE_HEADERS) + 1 + len("Body text here.\n")


def utf8(text: str) -> str:
    """*text* as engine text (its UTF-8 bytes, one character each)."""
    return text.encode("utf-8").decode("latin-1")


class SieveEnv(FakeEnv):
    """The fake with the two expansion operators Sieve's envelope test uses."""

    def expand(self, text: str, variables: FilterVariables | None) -> str:
        sender = self.values["sender_address"]
        operators = {"${local_part:$sender_address}": sender.split("@")[0],
                     "${domain:$sender_address}": sender.split("@")[-1]}
        if text in operators:
            return operators[text]
        return super().expand(text, variables)


def make_env() -> SieveEnv:
    return SieveEnv(headers=list(MESSAGE_HEADERS), values={
        "sender_address": "bob@elsewhere.example", "local_part": "carol+list",
        "local_part_prefix": "", "local_part_suffix": "", "domain": "oracle.test"})


def verdict(script: str, testing: bool = True) -> str:
    lines: list[str] = []
    run_sieve("# Sieve filter\n" + script, make_env(),
              envelope(local_part="carol+list", domain="oracle.test", message_size=MESSAGE_SIZE),
              SieveOptions(testing=testing), report=lines.append)
    assert len(lines) == 1
    return lines[0]


VERDICTS = [
    ('keep;', 'No implicit keep'),
    ('discard;', 'No implicit keep'),
    ('stop; discard;', 'Implicit keep'),
    ('if true { stop; } discard;', 'Implicit keep'),
    ('redirect "x@y.example";', 'No implicit keep'),
    ('require "copy"; redirect :copy "x@y.example";', 'Implicit keep'),
    ('redirect :copy "x@y.example";', 'Sieve error: missing previous require "copy"; in line 2'),
    ('redirect "unqualified";', 'Sieve error: unqualified recipient address in line 2'),
    ('redirect;', 'Sieve error: missing redirect recipient string in line 2'),
    ('require "fileinto"; fileinto "Junk";', 'No implicit keep'),
    ('require "fileinto"; fileinto "../Junk";', 'Sieve error: invalid folder in line 2'),
    ('require "fileinto"; fileinto "a/../b";', 'Sieve error: invalid folder in line 2'),
    ('require "fileinto"; fileinto "";', 'Sieve error: invalid folder in line 2'),
    ('require ["fileinto","copy"]; fileinto :copy "Junk";', 'Implicit keep'),
    ('if address :localpart "to" "alice" { discard; }', 'No implicit keep'),
    ('if address :domain "cc" "other.example" { discard; }', 'No implicit keep'),
    ('if address :all :comparator "i;octet" "from" "BOB@elsewhere.example" { discard; }',
     'Implicit keep'),
    ('if address :user "to" "carol" { discard; }',
     'Sieve error: missing previous require "subaddress"; in line 2'),
    ('require "subaddress"; if address :user "to" "carol+list" { discard; }',
     'No implicit keep'),
    ('require "subaddress"; if address :detail "to" "list" { discard; }', 'Implicit keep'),
    ('if address "subject" "x" { discard; }', 'Sieve error: invalid header field in line 2'),
    ('if address :is :is "to" "x" { discard; }',
     'Sieve error: match type already specified in line 2'),
    ('if address :localpart :domain "to" "x" { discard; }',
     'Sieve error: address part already specified in line 2'),
    ('if header :comparator "i;ascii-casemap" :comparator "i;octet" "to" "x" { discard; }',
     'Sieve error: comparator already specified in line 2'),
    ('if header :comparator "bogus" "to" "x" { discard; }',
     'Sieve error: invalid comparator in line 2'),
    ('if header :comparator "i;ascii-numeric" "x-number" "42" { discard; }',
     'Sieve error: missing previous require "comparator-i;ascii-numeric"; in line 2'),
    ('require "comparator-i;ascii-numeric"; '
     'if header :comparator "i;ascii-numeric" "x-number" "42" { discard; }', 'Implicit keep'),
    ('require "comparator-i;ascii-numeric"; '
     'if header :comparator "i;ascii-numeric" "x-number" "0042" { discard; }',
     'No implicit keep'),
    ('require "comparator-i;ascii-numeric"; '
     'if header :contains :comparator "i;ascii-numeric" "x-number" "4" { discard; }',
     'Sieve error: comparator does not offer specified matchtype in line 2'),
    (utf8('if header :contains "subject" "Grüße" { discard; }'), 'No implicit keep'),
    ('if header "x-folded" "one two" { discard; }', 'No implicit keep'),
    ('if header "x-dup" "firstsecond" { discard; }', 'Implicit keep'),
    ('if header :matches "x-dup" "first*" { discard; }', 'No implicit keep'),
    ('if header :matches "subject" "*\\\\" { discard; }',
     'Sieve error: syntactically invalid pattern in line 2'),
    ('if header "bad name" "x" { discard; }', 'Sieve error: invalid header field in line 2'),
    ('if exists "x-folded" { discard; }', 'No implicit keep'),
    ('if exists ["x-folded", "nope"] { discard; }', 'Implicit keep'),
    ('if exists "bad name" { discard; }',
     'Sieve error: header string expansion failed in line 2'),
    ('if size :over 100 { discard; }', 'No implicit keep'),
    ('if size :under 1M { discard; }', 'No implicit keep'),
    ('if size :over 5G { discard; }', 'Implicit keep'),
    ('if size 100 { discard; }', 'Sieve error: missing :over or :under in line 2'),
    ('if size :over { discard; }', 'Sieve error: missing number in line 2'),
    ('if size :over 99999999999999999999 { discard; }',
     'Sieve error: Numerical result out of range in line 2'),
    ('require "envelope"; if envelope :domain "to" "test.example" { discard; }',
     'Implicit keep'),
    ('require "envelope"; if envelope :localpart "from" "bob" { discard; }',
     'No implicit keep'),
    ('require "envelope"; if envelope "bogus" "x" { discard; }',
     'Sieve error: invalid envelope string in line 2'),
    ('if envelope "to" "x" { discard; }',
     'Sieve error: missing previous require "envelope"; in line 2'),
    ('require "bogus";', 'Sieve error: unknown capability in line 2'),
    ('require "enotify";', 'Sieve error: enotify disabled in line 2'),
    ('require "vacation"; vacation "I am away";', 'Implicit keep'),
    ('require "vacation"; vacation :days 3 :subject "Away" :from "a b c" "I am away";',
     'Sieve error: malformed address "a b c" (missing or malformed local part (expected word '
     'or "<")) in line 2'),
    (utf8('require "vacation"; vacation :mime "I am away ä";'),
     'Sieve error: MIME reason string contains 8bit text in line 2'),
    ('require "vacation"; vacation "x"; vacation "y";',
     'Sieve error: trying to execute vacation more than once in line 2'),
    ('require "encoded-character"; if header :contains "subject" "${unicode:fc}" '
     '{ discard; }', 'No implicit keep'),
    ('require "encoded-character"; if header :contains "subject" "${unicode:110000}" '
     '{ discard; }', 'Sieve error: unicode character out of range in line 2'),
    ('if header :contains "subject" text:\nmore\n.\n{ discard; }', 'Implicit keep'),
    ('if allof(true, false) { discard; }', 'Implicit keep'),
    ('if anyof(false, not false) { discard; }', 'No implicit keep'),
    ('if anyof() { discard; }', 'Sieve error: missing test in line 2'),
    ('if allof true { discard; }', 'Sieve error: missing test list in line 2'),
    ('if not { discard; }', 'Sieve error: missing test in line 2'),
    ('if true discard;', 'Sieve error: missing block in line 2'),
    ('if true { discard; } elsif { keep; }', 'Sieve error: missing test in line 2'),
    ('if true { discard; } else keep;', 'Sieve error: missing block in line 2'),
    ('keep', 'Sieve error: missing semicolon in line 3'),
    ('/* comment */ discard;', 'No implicit keep'),
    ('if true { discard; } require "fileinto";', 'Sieve error: syntax error in line 2'),
    ('if header :matches "subject" "\\\\" { discard; }',
     'Sieve error: syntactically invalid pattern in line 2'),
    ('IF TRUE { DISCARD; }', 'No implicit keep'),
    ('if true { redirect "a@b"; redirect "a@b"; }', 'No implicit keep'),
]


@pytest.mark.parametrize("script, expected", VERDICTS, ids=[s[:50] for s, _ in VERDICTS])
def test_verdicts_match_exim(script: str, expected: str) -> None:
    assert verdict(script + "\n") == expected


@pytest.mark.parametrize("script, expected", [
    ("# no newline at end", "Sieve error: missing end of comment in line 2"),
    ('require "fileinto";\nrequire "envelope";\nkeep;\n', "Sieve error: syntax error in line 3"),
    ('require "fileinto";require "envelope";\nkeep;\n', "No implicit keep"),
    ("keep; /* multi\nline */ discard;\nfoo;\n", "Sieve error: syntax error in line 3"),
    ('if true { stop; fileinto "never"; }\n', "Implicit keep"),
], ids=["comment-at-eof", "require-on-next-line", "requires-on-one-line",
        "block-comment-lines-not-counted", "nothing-read-after-stop"])
def test_scanner_quirks(script: str, expected: str) -> None:
    assert verdict(script) == expected


def run_for_real(script: str, options: SieveOptions = SieveOptions(), **changes: object
                 ) -> list[Generated]:
    result = run_sieve("# Sieve filter\n" + script, make_env(), envelope(**changes), options)
    assert result.outcome == Outcome.DELIVERED
    return result.generated


def test_destinations_and_duplicates() -> None:
    generated = run_for_real('require ["fileinto", "copy"];\nredirect "a@b";\nredirect "a@b";\n'
                             'fileinto "a@b";\nfileinto :copy "Junk";\nkeep;\nfileinto "inbox";\n')
    assert generated == [Generated("a@b", Kind.ADDRESS), Generated("a@b", Kind.FILE, mode=0),
                         Generated("Junk", Kind.FILE, mode=0),
                         Generated("inbox", Kind.FILE, mode=0)]


def test_implicit_keep_and_error_fallback() -> None:
    assert run_for_real("discard;\n") == []
    assert run_for_real("\n") == [Generated("inbox", Kind.FILE, mode=0)]
    result = run_sieve('# Sieve filter\nredirect "a@b";\nfoo;\n', make_env(), envelope())
    assert result.error == "Sieve error: syntax error in line 3"
    # What ran before the error stays, and Exim adds the inbox.
    assert result.generated == [Generated("a@b", Kind.ADDRESS),
                                Generated("inbox", Kind.FILE, mode=0)]


def test_vacation_reply(tmp_path) -> None:
    options = SieveOptions(vacation_directory=str(tmp_path / "vac"))
    generated = run_for_real('require "vacation";\nvacation :days 40 :addresses '
                             '["carol+list@test.example"] "Back soon,\nthanks";\n',
                             options, local_part="carol+list")
    reply, keep = generated
    assert keep == Generated("inbox", Kind.FILE, mode=0)
    assert reply.kind == Kind.REPLY and reply.address == ">bob@elsewhere.example"
    assert reply.ignore_error and reply.reply is not None
    assert reply.reply.to == "bob@elsewhere.example"
    assert reply.reply.from_ == "carol+list@oracle.test"
    assert reply.reply.once_repeat == 31 * 86400                 # :days is capped at 31
    assert reply.reply.subject == "=?utf-8?Q?Auto=3A_Gr=C3=BC=C3=9Fe_and_more?="
    # A line break in a Sieve string is CRLF; quoted-printable turns it back into LF.
    assert reply.reply.text == "Back soon,\nthanks"
    assert reply.reply.oncelog is not None and reply.reply.oncelog.startswith(str(tmp_path))
    assert (tmp_path / "vac").is_dir()


def test_vacation_needs_personal_mail(tmp_path) -> None:
    options = SieveOptions(vacation_directory=str(tmp_path))
    generated = run_for_real('require "vacation";\nvacation "away";\n', options,
                             local_part="nobody")
    assert generated == [Generated("inbox", Kind.FILE, mode=0)]


def test_vacation_disabled_without_directory() -> None:
    result = run_sieve('# Sieve filter\nrequire "vacation";\n', make_env(), envelope())
    assert result.error == "Sieve error: vacation disabled in line 2"


def test_notify_submits_a_message() -> None:
    sent: list[tuple[str, str]] = []
    options = SieveOptions(enotify_mailto_owner="owner@test.example",
                           submit=lambda sender, text: sent.append((sender, text)))
    run_for_real('require "enotify";\nnotify :message "New mail" "mailto:me@test.example%2Cyou'
                 '@test.example";\nnotify :message "New mail" "mailto:me@test.example%2Cyou'
                 '@test.example";\n', options)
    assert len(sent) == 1        # a repeated notification is dropped
    sender, text = sent[0]
    assert sender == "carol+list@oracle.test"
    assert text == ("From: carol+list@oracle.test\nTo: you@test.example\nTo: me@test.example\n"
                    "Auto-Submitted: auto-notified; owner@test.example\nSubject: New mail\n\n")


def test_notify_method_tests() -> None:
    options = SieveOptions(enotify_mailto_owner="owner@test.example", testing=True)
    lines: list[str] = []
    run_sieve('# Sieve filter\nrequire "enotify";\nif allof(valid_notify_method "mailto:a@b", '
              'not valid_notify_method "xmpp:a@b", notify_method_capability "mailto:a@b" '
              '"online" "maybe") { discard; }\n', make_env(), envelope(), options,
              report=lines.append)
    assert lines == ["No implicit keep"]
