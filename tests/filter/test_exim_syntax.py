"""Reading Exim filter files: structure, and every syntax error with Exim 4.96's wording and line.

The expected messages were checked against real Exim (``exim -bf``); each filter
below is the second line of a file whose first line is ``# Exim filter``.
"""

from __future__ import annotations

import pytest

from pyexim.filter.exim_syntax import (
    Add, And, Compare, Deliver, Finish, Flag, ForAnyAddress, FilterSyntaxError, Headers, If,
    Logfile, Logwrite, Mail, Or, Personal, Pipe, Save, c_strtol_int, parse_exim_filter)
from pyexim.filter.exim_syntax import Testprint as PrintCommand

HEAD = "# Exim filter\n"

ERRORS = [
    ("no-then", "if $h_subject: contains x",
     '"and" or "or" or "then" expected near line 3 of filter file, but found ""'),
    ("no-endif", "if $h_subject: contains x then", '"endif" missing at end of filter file'),
    ("no-endif-after-command", "if $h_subject: contains x then testprint y",
     '"endif" missing at end of filter file'),
    ("elif-without-condition", "if $h_subject: contains x then testprint y elif",
     '"then" missing at end of filter file'),
    ("elif-after-else", "if a is b then testprint y else testprint z elif 1 is 1 then endif",
     '"endif" missing near line 2 of filter file'),
    ("unknown-condition-word", "if $h_subject: frobs x then endif",
     'unrecognized condition word "frobs" near line 2 of filter file'),
    ("unclosed-bracket", "if ($h_subject: contains x then endif",
     'missing ")" at end of condition near line 2 of filter file'),
    ("stray-close", "if $h_subject: contains x) then endif",
     'unexpected ")" in line 2 of filter file'),
    ("close-first", "if ) then endif", 'unexpected ")" in line 2 of filter file'),
    ("empty-bracket", "if ( then endif", 'unexpected "then" near line 2 of filter file'),
    ("open-after-condition", "if a is b ( then endif",
     'unexpected "(" in line 2 of filter file'),
    ("junk-after-condition", "if a is b c then endif",
     '"and" or "or" or "then" expected near line 2 of filter file, but found "c"'),
    ("and-then", "if a is b and then endif", 'unexpected "then" near line 2 of filter file'),
    ("empty-condition", "if then endif", 'unexpected "then" near line 2 of filter file'),
    ("foranyaddress-no-bracket", "if foranyaddress x then endif",
     '"(" expected after "foranyaddress" near line 2 of filter file'),
    ("foranyaddress-unclosed", "if foranyaddress x (a is b then endif",
     'missing ")" at end of condition near line 2 of filter file'),
    ("is-not-then", "if a is not then testprint ok endif",
     '"and" or "or" or "then" expected near line 2 of filter file, but found "testprint"'),
    ("unknown-command", "frobnicate",
     'unknown filtering command "frobnicate" near line 3 of filter file'),
    ("no-argument", "deliver", '"deliver" requires an argument near line 3 of filter file'),
    ("lone-quote", 'deliver "', '"deliver" requires an argument near line 3 of filter file'),
    ("open-quote", 'deliver "abc', "quote missing at end of string in line 2"),
    ("seen-alone", "seen", '"seen" or "unseen" near line 3 is not followed by a command'),
    ("seen-twice", "seen seen deliver x", '"seen" or "unseen" repeated near line 2'),
    ("seen-if", "seen if 1 is 1 then endif",
     '"seen", "unseen", or "noerror" found before an "if" command near line 2'),
    ("noerror-add", "noerror add 1 to n1",
     '"seen", "unseen", or "noerror" found before an "add" command near line 2'),
    ("add-no-to", "add 1", '"to" expected in "add" command near line 3 of filter file'),
    ("add-from", "add 1 from n1", '"to" expected in "add" command near line 2 of filter file'),
    ("add-to-nothing", "add 1 to", 'value missing after "to" near line 3 of filter file'),
    ("headers-in-user-filter", 'headers add "x: y"',
     "header addition and removal is available only in system filters: near line 2 of "
     "filter file"),
    ("headers-unknown-in-user-filter", 'headers foo "x"',
     "header addition and removal is available only in system filters: near line 2 of "
     "filter file"),
    ("else-alone", "else", 'unexpected "else" command near line 3 of filter file'),
    ("endif-alone", "endif", 'unexpected "endif" command near line 3 of filter file'),
    ("elif-alone", "elif", 'unexpected "elif" command near line 3 of filter file'),
    ("fail-in-user-filter", "fail", 'filtering command "fail" is disabled: near line 3 of '
     "filter file"),
    ("defer-in-user-filter", 'defer "msg"', 'filtering command "defer" is disabled: near '
     "line 2 of filter file"),
    ("freeze-in-user-filter", 'freeze text "msg"', 'filtering command "freeze" is disabled: '
     "near line 2 of filter file"),
    ("return-without-message", "mail return",
     '"return" not followed by "message"  near line 3 of filter file'),
    ("expand-without-file", "mail expand x",
     '"expand" not followed by "file"  near line 3 of filter file'),
    ("continued-string-unterminated", 'testprint "a\\\n', "quote missing at end of string in line 3"),
    ("unterminated", 'testprint "unterminated', "quote missing at end of string in line 2"),
    # Exim counts the newline after a word it read ahead and backed up over twice.
    ("line-counted-twice", "if 1 is 1 then\ndeliver a@b\nendif\nfoo",
     'unknown filtering command "foo" near line 7 of filter file'),
    ("line-counted-once", "if 1 is 1 then\ntestprint a\nendif\nfoo",
     'unknown filtering command "foo" near line 6 of filter file'),
    ("word-too-long", "testprint " + "x" * 1100,
     "word is too long in line 2 of filter file (max = 1024 chars)"),
    ("string-too-long", 'testprint "' + "x" * 1100 + '"',
     "string is too long in line 2 of filter file (max = 1024 chars)"),
]


@pytest.mark.parametrize("text, message", [(t, m) for _, t, m in ERRORS],
                         ids=[name for name, _, _ in ERRORS])
def test_syntax_errors_have_exims_wording(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_exim_filter(HEAD + text + "\n")
    assert str(caught.value) == message


def test_system_filters_allow_headers_and_stop_commands() -> None:
    text = HEAD + 'headers add "X-A: b"\nheaders remove "X-B"\nheaders charset "utf-8"\n' \
                  'defer "later"\nfail text "no"\nfreeze\n'
    parsed = parse_exim_filter(text, system_filter=True,
                               permitted=frozenset({"defer", "fail", "freeze"}))
    commands = parsed.commands
    assert [type(c) for c in commands] == [Headers, Headers, Headers, Finish, Finish, Finish]
    assert [(c.kind, c.text) for c in commands[3:]] == [  # type: ignore[attr-defined]
        ("defer", "later"), ("fail", "no"), ("freeze", "")]
    assert all(not c.seen for c in commands[3:])


def test_unknown_headers_word_in_system_filter() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_exim_filter(HEAD + 'headers foo "x"\n', system_filter=True)
    assert str(caught.value) == ('"add", "remove", or "charset" expected after "headers" '
                                 "near line 2 of filter file")


def test_commands_and_their_defaults() -> None:
    text = HEAD + ('deliver a@b errors_to me@here\nunseen save /tmp/x 0600\n'
                   'noerror pipe "/bin/cat"\nlogfile /tmp/log 0640\nlogwrite "hello"\n'
                   "add 3 to n1\ntestprint x\nseen finish\n")
    commands = parse_exim_filter(text).commands
    assert commands[0] == Deliver(address="a@b", errors_to="me@here", seen=True)
    assert commands[1] == Save(path="/tmp/x", mode=0o600, seen=False)
    assert commands[2] == Pipe(command="/bin/cat", seen=True, noerror=True)
    assert commands[3] == Logfile(path="/tmp/log", mode=0o640)
    assert commands[4] == Logwrite(text="hello\n")
    assert commands[5] == Add(value="3", variable="n1")
    assert commands[6] == PrintCommand(text="x")
    assert commands[7] == Finish(seen=True)


def test_vacation_defaults_and_mail_keywords() -> None:
    commands = parse_exim_filter(HEAD + 'vacation\nmail to "a@b" expand file f return message\n'
                                 ).commands
    vacation, mail = commands
    assert isinstance(vacation, Mail) and vacation.vacation and vacation.expand_file
    assert vacation.args == {"file": ".vacation.msg", "log": ".vacation.log",
                             "once": ".vacation", "once_repeat": "7d", "subject": "On vacation"}
    assert isinstance(mail, Mail) and not mail.vacation
    assert mail.args == {"to": "a@b", "file": "f"} and mail.expand_file and mail.return_message


def test_and_binds_tighter_than_or() -> None:
    (command,) = parse_exim_filter(HEAD + "if a is b or c is d and e is f then endif\n").commands
    assert isinstance(command, If)
    cond = command.condition
    assert isinstance(cond, Or) and isinstance(cond.right, And)
    assert cond.left == Compare("is", "a", "b")


def test_negations_and_comparison_words() -> None:
    text = HEAD + ("if not (a is b) and c Does not CONTAIN d and e is not f and g IS h "
                   "then endif\n")
    (command,) = parse_exim_filter(text).commands
    assert isinstance(command, If)
    cond = command.condition
    assert isinstance(cond, And) and isinstance(cond.right, And)
    assert cond.left == Compare("is", "a", "b", positive=False)
    inner = cond.right
    assert isinstance(inner, And) and isinstance(inner.right, And)
    assert inner.left == Compare("CONTAINS", "c", "d", positive=False)
    assert inner.right.left == Compare("is", "e", "f", positive=False)
    assert inner.right.right == Compare("IS", "g", "h")


def test_is_followed_by_an_operand() -> None:
    # "is" then a word that is not a comparison word: that word is the operand.
    commands = parse_exim_filter(HEAD + "if $x is foo then endif\nif $x is not then then endif\n"
                                 ).commands
    assert [c.condition for c in commands] == [  # type: ignore[attr-defined]
        Compare("is", "$x", "foo"), Compare("is", "$x", "then", positive=False)]


def test_special_conditions() -> None:
    text = HEAD + ("if delivered or error_message or first_delivery or not manually_thawed or "
                   'personal alias a@b alias "c@d" or foranyaddress $h_to: ($thisaddress is x) '
                   "then endif\n")
    (command,) = parse_exim_filter(text).commands
    assert isinstance(command, If)
    leaves = []
    cond = command.condition
    while isinstance(cond, Or):
        leaves.append(cond.left)
        cond = cond.right
    leaves.append(cond)
    assert leaves[:4] == [Flag("delivered"), Flag("error_message"), Flag("first_delivery"),
                          Flag("manually_thawed", positive=False)]
    assert leaves[4] == Personal(["a@b", "c@d"])
    assert leaves[5] == ForAnyAddress("$h_to:", Compare("is", "$thisaddress", "x"))


def test_elif_is_an_if_inside_else() -> None:
    text = HEAD + "if 1 is 2 then testprint a elif 2 is 2 then testprint b else testprint c endif\n"
    (command,) = parse_exim_filter(text).commands
    assert isinstance(command, If)
    (nested,) = command.otherwise
    assert isinstance(nested, If)
    assert nested.then == [PrintCommand(text="b")] and nested.otherwise == [PrintCommand(text="c")]


@pytest.mark.parametrize("quoted, value", [
    (r'"a\tb\x41\101"', "a\tbAA"),
    (r'"nul\0after"', "nul"),          # a NUL ends the C string
    (r'"hex\x"', "hex"),               # \x without digits is NUL
    ('"a\\\n      b"', "ab"),          # backslash-newline joins lines, dropping indentation
    (r'"q\"\\"', 'q"\\'),
    ("plain#word", "plain#word"),      # a # inside a word is not a comment
], ids=["escapes", "nul", "empty-hex", "continuation", "quote-and-backslash", "hash-in-word"])
def test_strings(quoted: str, value: str) -> None:
    (command,) = parse_exim_filter(HEAD + f"testprint {quoted}\n").commands
    assert command == PrintCommand(text=value)


def test_unterminated_stop_text_is_a_pending_error() -> None:
    parsed = parse_exim_filter(HEAD + 'defer "abc\n', permitted=frozenset({"defer"}))
    assert parsed.pending_error == "quote missing at end of string in line 2"
    assert parsed.commands == [Finish(kind="defer", text="abc")]


@pytest.mark.parametrize("text, base, result", [
    ("0x1f", 0, (31, "")), ("017", 0, (15, "")), (" -5", 0, (-5, "")), ("12ab", 0, (12, "ab")),
    ("", 0, (0, "")), ("x", 0, (0, "x")), ("0x", 0, (0, "x")), ("9", 8, (0, "9")),
    ("4294967297", 0, (1, "")),
])
def test_c_strtol_int(text: str, base: int, result: tuple[int, str]) -> None:
    assert c_strtol_int(text, base) == result
