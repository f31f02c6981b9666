"""Running Exim filters: what each command reports in testing mode, sets up for delivery,
and the run-time errors, with Exim 4.96's wording (checked against ``exim -bf``)."""

from __future__ import annotations

import os

import pytest

from pyexim.filter.env import FilterExpansionError, FilterVariables
from pyexim.filter.exim_run import EximFilterOptions, run_exim_filter
from pyexim.filter.exim_syntax import parse_exim_filter
from pyexim.filter.result import FilterResult, Generated, Kind, Outcome
from tests.filter.fakes import FakeEnv, envelope

HEAD = "# Exim filter\n"
HEADERS = ["Subject: Hello\n", "To: alice@test.example\n", "From: x@y.example\n"]
NOT_DELIVERED = ["Filtering did not set up a significant delivery.",
                 "Normal delivery will occur."]
DELIVERED = ["Filtering set up at least one significant delivery or other action.",
             "No other deliveries will occur."]


def run(text: str, *, testing: bool = True, system: bool = False, env: FakeEnv | None = None,
        **changes: object) -> tuple[list[str], FilterResult]:
    lines: list[str] = []
    env = env or FakeEnv(headers=list(HEADERS))
    permitted = frozenset({"defer", "fail", "freeze"}) if system else frozenset()
    parsed = parse_exim_filter(HEAD + text + "\n", system_filter=system, permitted=permitted)
    options = EximFilterOptions(system_filter=system, permitted=permitted, testing=testing)
    result = run_exim_filter(parsed, env, envelope(**changes), options, report=lines.append,
                             trace=lines.append)
    return lines, result


CASES = [
    ("add", 'add 2 to n0 add -5 to n9 testprint "$n0 $n9"',
     ["Add 2 to n0", "Add -5 to n9", "Testprint: 2 -5", *NOT_DELIVERED]),
    ("add-minus-minus", "add 4 to n1 add --$n1 to n2 add 0x10 to n3",
     ["Add 4 to n1", "Add 4 to n2", "Add 16 to n3", *NOT_DELIVERED]),
    ("deliver", "deliver x", ["Deliver message to: x@test.example", *DELIVERED]),
    ("deliver-name-addr", 'deliver "Name <a@b.c>"', ["Deliver message to: a@b.c", *DELIVERED]),
    ("deliver-unseen", "unseen deliver a@b.c", ["Unseen deliver message to: a@b.c",
                                                *NOT_DELIVERED]),
    ("deliver-noerror", "noerror deliver a@b.c", ["Deliver message to: a@b.c (noerror)",
                                                  *DELIVERED]),
    ("deliver-errors-to", "deliver x errors_to alice@test.example",
     ["Deliver message to: x@test.example errors_to alice@test.example", *DELIVERED]),
    ("save", "save /tmp/x 0600 unseen save mbox", ["Save message to: /tmp/x 0600",
                                                  "Unseen save message to: mbox", *DELIVERED]),
    ("save-bad-mode", "save /tmp/x 9", ["Save message to: /tmp/x 0000", *DELIVERED]),
    ("pipe-not-expanded", 'pipe "/bin/prog $h_subject:"',
     ["Pipe message to: /bin/prog $h_subject:", *DELIVERED]),
    ("logfile", "logfile /tmp/log seen logfile /tmp/log2",
     ["Logfile /tmp/log", "Seen logfile /tmp/log2", *DELIVERED]),
    ("logwrite", 'logwrite "no newline"', ['Logwrite "no newline\\n"', *NOT_DELIVERED]),
    ("finish", "finish testprint never", ["Finish", *NOT_DELIVERED]),
    ("seen-finish", "seen finish", ["Seen finish", *DELIVERED]),
    ("unseen-finish", "unseen finish", ["Finish", *NOT_DELIVERED]),
    ("testprint-printing", 'testprint "a\\x01b\\nc\\td"',
     ["Testprint: a\\001b\\nc\td", *NOT_DELIVERED]),
    ("mail-all-options", 'mail to "a@b" subject "hi" text "t" expand file "f" return message '
     'once "o" once_repeat 7d log "l" from "f@g" reply_to "r@s" cc "c@d" bcc "b@e" '
     'extra_headers "X: y"',
     ["Mail to: a@b", "     cc: c@d", "    bcc: b@e", "   from: f@g", "reply_to: r@s",
      "subject: hi", "extra_headers: X: y", "   text: t", "   file: f (expanded)",
      "    log: l", "   once: o", "once_repeat: 7d", "Return original message",
      *NOT_DELIVERED]),
    ("seen-mail", 'seen mail text "x"', ["Seen mail to: <default>", "   text: x", *DELIVERED]),
    ("vacation", 'vacation to "x@y" subject "s\\tt"',
     ["Mail to: x@y (vacation)", "subject: s\tt", "   file: .vacation.msg (expanded)",
      "    log: .vacation.log", "   once: .vacation", "once_repeat: 7d", *NOT_DELIVERED]),
    ("mail-header-continued", 'mail extra_headers "X: y\\nZ: w\\n q"',
     ["Mail to: <default>", "extra_headers: X: y\\nZ: w\\n q", *NOT_DELIVERED]),
    ("mail-printing", 'mail subject "a\\x01b" file "a\\tb"',
     ["Mail to: <default>", "subject: a\\001b", "   file: a\tb", *NOT_DELIVERED]),
    ("foranyaddress", 'if foranyaddress "a@b, c d, e@f" ($thisaddress is e@f) then '
     'testprint "yes $thisaddress" endif testprint "after [$thisaddress]"',
     ["Testprint: yes e@f", "Testprint: after []", *NOT_DELIVERED]),
    ("matches-sets-numbers", 'if "abc" matches "^(a)(x)?(c)?" then testprint "[$0][$1][$2][$3]"'
     " endif", ["Testprint: [a][a][][]", *NOT_DELIVERED]),
    ("begins-ends", 'if $h_subject: begins "HE" and $h_subject: ends "LO" and $h_subject: '
     'BEGINS "he" then testprint yes else testprint no endif', ["Testprint: no", *NOT_DELIVERED]),
    ("contains-exim-quirk", 'if "aaab" contains "aab" or "x" contains "" then testprint yes '
     'else testprint no endif', ["Testprint: no", *NOT_DELIVERED]),
    ("case-sensitive", 'if "aaab" CONTAINS "aab" and "x" CONTAINS "" and abc IS abc and abc '
     "ENDS bc then testprint yes endif", ["Testprint: yes", *NOT_DELIVERED]),
    ("numbers", 'if 12k above 12287 and 0x10 below " 17 " and not 10 above 1k then testprint '
     "yes endif", ["Testprint: yes", *NOT_DELIVERED]),
    ("flags", "if first_delivery and not error_message and not manually_thawed and not "
     "delivered then testprint flags endif", ["Testprint: flags", *NOT_DELIVERED]),
    ("delivered", "deliver a@b if delivered then testprint yes endif",
     ["Deliver message to: a@b", "Testprint: yes", *DELIVERED]),
    ("elif", "if 1 is 2 then testprint a elif 2 is 2 then testprint b else testprint c endif",
     ["Testprint: b", *NOT_DELIVERED]),
    ("personal", "if personal then testprint yes else testprint no endif",
     ["Testprint: yes", *NOT_DELIVERED]),
    ("personal-alias-from", "if personal alias x@y.example then testprint yes else testprint no "
     "endif", ["Testprint: no", *NOT_DELIVERED]),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in CASES],
                         ids=[name for name, _, _ in CASES])
def test_testing_output(text: str, expected: list[str]) -> None:
    lines, _result = run(text)
    assert lines == expected


ERRORS = [
    ("add-unknown-variable", "add 1 to x", 'unknown variable "x" in "add" command'),
    ("add-bad-value", "add x to n1", 'malformed number "x" in "add" command'),
    ("add-bad-index", "add 1 to nx", 'malformed number "x" in "add" command'),
    ("add-sn", "add 1 to sn1", 'unknown variable "sn1" in "add" command'),
    ("deliver-bad-address", 'deliver "a b c"', 'malformed address "a b c" in filter file: '
     'missing or malformed local part (expected word or "<")'),
    ("deliver-errors-to", "deliver x@y errors_to someone@else",
     "errors_to must point to the caller's address"),
    ("above-not-number", "if abc above 1 then endif", 'malformed numerical string "abc"'),
    ("expand-in-command", 'testprint "$nosuch"',
     'failed to expand "$nosuch" in testprint command: unknown variable name "nosuch"'),
    ("expand-in-condition", "if $nosuch is x then endif",
     'failed to expand "$nosuch" in filter file: unknown variable name "nosuch"'),
    ("mail-newline", 'mail to "a\\nb@c"', '\\n not followed by space in "a\\nb@c" in mail '
     "command"),
    ("mail-header-name", 'mail extra_headers "X: y\\nbad"',
     '\\n not followed by space or valid header name in "X: y\\nbad" in mail command'),
    ("mail-file-newline", 'mail file "a\\nb"', 'non-printing character in "a\\nb" in mail '
     "command"),
]


@pytest.mark.parametrize("text, message", [(t, m) for _, t, m in ERRORS],
                         ids=[name for name, _, _ in ERRORS])
def test_run_time_errors(text: str, message: str) -> None:
    lines, result = run(text)
    assert result.outcome == Outcome.ERROR
    assert result.error == message
    assert lines[-1] == f"Filter error: {message}"


def test_stop_commands_in_system_filter() -> None:
    lines, result = run('defer "later $h_subject:"', system=True)
    assert lines == ['Defer text "later Hello"', 'Filtering ended by "defer".']
    assert (result.outcome, result.error) == (Outcome.DEFER, "later Hello")
    lines, result = run('if 1 is 1 then fail text "no\\nway" endif', system=True)
    assert lines[0] == 'Fail text "no\\nway"' and result.outcome == Outcome.FAIL
    lines, result = run("freeze", system=True)
    assert lines == ['Freeze text ""', 'Filtering ended by "freeze".']


def test_headers_commands_change_the_message() -> None:
    env = FakeEnv(headers=["Subject: x\n", "X-Old: 1\n", "X-Old: 2\n"])
    lines, _ = run('headers add "X-New: yes" headers remove "X-Old:X-None" '
                   'headers charset "ISO-8859-1"', system=True, env=env)
    assert lines[:3] == ['Headers add "X-New: yes"', 'Headers remove "X-Old:X-None"',
                         'Headers charset "ISO-8859-1"']
    assert env.headers == ["Subject: x\n", "X-New: yes\n"]
    assert env.charset is None        # restored when the filter ends


def test_pending_error_surfaces_at_next_if() -> None:
    lines, result = run('testprint hello\nif 1 is 1 then testprint yes endif\ndefer "abc',
                        system=True)
    assert lines == ["Testprint: hello", "Filter error: quote missing at end of string in line 4"]
    assert result.outcome == Outcome.ERROR


def test_mail_ignored_without_return_path() -> None:
    lines, _ = run('mail text "x"', return_path="")
    assert lines[0] == "mail command ignored because return_path is empty"


def test_error_message_condition() -> None:
    lines, _ = run("if error_message then testprint bounce endif", sender_address="")
    assert lines[0] == "Testprint: bounce"


def test_system_variables_are_visible_as_sn() -> None:
    parsed = parse_exim_filter(HEAD + 'add 3 to n1 testprint "$n1 $sn1"\n')
    lines: list[str] = []
    result = run_exim_filter(parsed, FakeEnv(), envelope(),
                             EximFilterOptions(testing=True, system_variables=(0, 7) + (0,) * 8),
                             report=lines.append)
    assert lines[:2] == ["Add 3 to n1", "Testprint: 3 7"]
    assert result.n_values[1] == 3


def test_real_run_generates_destinations() -> None:
    text = ('deliver a@b errors_to alice@test.example\nunseen save inbox 0640\n'
            'noerror pipe "/bin/prog $1"\nif "xy" matches "(x)" then pipe "|/bin/other" endif\n'
            'mail to "p@q, r s, t@u" subject "hi" once_repeat 1d\nvacation\n')
    lines, result = run(text, testing=False)
    assert lines == []
    assert result.outcome == Outcome.DELIVERED
    deliver, save, pipe, pipe2, mail, vacation = result.generated
    assert deliver == Generated("a@b", Kind.ADDRESS, errors_to="alice@test.example")
    assert save == Generated("inbox", Kind.FILE, mode=0o640)
    assert pipe == Generated("|/bin/prog $1", Kind.PIPE, ignore_error=True)
    assert pipe2.address == "|/bin/other" and pipe2.pipe_variables == ("", "x", "x")
    assert mail.kind == Kind.REPLY and mail.address == ">p@q,t@u"
    assert mail.reply is not None and mail.reply.once_repeat == 86400
    assert mail.reply.subject == "hi" and mail.reply.to == "p@q, r s, t@u"
    assert vacation.reply is not None and vacation.reply.file == ".vacation.msg"
    assert vacation.reply.file_expand and vacation.reply.once_repeat == 7 * 86400


def test_save_prepends_home_when_asked() -> None:
    parsed = parse_exim_filter(HEAD + "save mbox\n")
    result = run_exim_filter(parsed, FakeEnv(), envelope(home="/home/alice"),
                             EximFilterOptions(prepend_home=True))
    assert result.generated == [Generated("/home/alice/mbox", Kind.FILE)]


def test_bad_once_repeat() -> None:
    _, result = run('mail text x once_repeat 3x', testing=False)
    assert result.error == 'Bad time value for "once_repeat" in mail or vacation command: 3x'


def test_logwrite_for_real(tmp_path) -> None:
    log = tmp_path / "filter.log"
    parsed = parse_exim_filter(HEAD + f'logfile {log} 0644\nlogwrite "one"\nlogwrite "two"\n')
    result = run_exim_filter(parsed, FakeEnv(), envelope(), EximFilterOptions(log="write"))
    assert result.outcome == Outcome.NOT_DELIVERED
    assert log.read_text() == "one\ntwo\n"
    assert os.stat(log).st_mode & 0o777 == 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("log, message", [
    ("forbid", "logwrite command forbidden"),
    ("write", 'attempt to obey "logwrite" command without a previous "logfile"'),
])
def test_logwrite_errors(log: str, message: str) -> None:
    parsed = parse_exim_filter(HEAD + 'logwrite "x"\n')
    result = run_exim_filter(parsed, FakeEnv(), envelope(), EximFilterOptions(log=log))
    assert (result.outcome, result.error) == (Outcome.ERROR, message)


def test_expansion_sees_filter_variables() -> None:
    class Recording(FakeEnv):
        seen: list[FilterVariables | None] = []

        def expand(self, text: str, variables: FilterVariables | None) -> str:
            self.seen.append(variables)
            if text == "fail":
                raise FilterExpansionError("forced")
            return super().expand(text, variables)

    env = Recording()
    run("add 1 to n2 testprint x", env=env)
    last = env.seen[-1]
    assert last is not None and list(last.n)[2] == 1 and last.this_address is None


def test_verbose_trace() -> None:
    parsed = parse_exim_filter(HEAD + "if a is b or not (c is d) then endif\n")
    trace: list[str] = []
    run_exim_filter(parsed, FakeEnv(), envelope(), EximFilterOptions(testing=True, verbose=True),
                    report=lambda line: None, trace=trace.append)
    # Exim moves a "not" in front of brackets onto the condition inside them.
    assert trace[-1] == " Condition is true: a is b or c is not d "
