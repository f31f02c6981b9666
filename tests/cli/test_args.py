"""The exim-style argument parser: what each command line means, and what it refuses."""

from __future__ import annotations

import pytest

from pyexim.cli.args import is_message_id, parse_args
from pyexim.errors import UsageError
from pyexim.timevalue import read_time as parse_time

MSGID = "1xW7wn-0000qv-37"
MSGID2 = "1xW7wo-0000qw-38"


def parse(*args: str):
    return parse_args(["pyexim", *args])


@pytest.mark.parametrize(
    "argv, mode",
    [
        ([], "receive"),
        (["alice@example.com"], "receive"),
        (["-bm", "alice@example.com"], "receive"),
        (["-t"], "receive"),
        (["-bV"], "version"),
        (["--version"], "version"),
        (["--help"], "help"),
        (["-bP"], "print_config"),
        (["-bP", "config"], "print_config"),
        (["-be"], "expansion_test"),
        (["-bem", "/tmp/msg"], "expansion_test"),
        (["-bt", "a@b"], "address_test"),
        (["-bv", "a@b"], "verify"),
        (["-bvs", "a@b"], "verify"),
        (["-bh", "192.0.2.1"], "host_check"),
        (["-bhc", "192.0.2.1"], "host_check"),
        (["-bf", "filter"], "filter_test"),
        (["-bF", "filter"], "filter_test"),
        (["-bd"], "daemon"),
        (["-bdf", "-q30m"], "daemon"),
        (["-bw"], "daemon"),
        (["-bp"], "list_queue"),
        (["-bpu"], "list_queue"),
        (["-bpra"], "list_queue"),
        (["-bpc"], "count_queue"),
        (["-q"], "queue_run"),
        (["-qff"], "queue_run"),
        (["-q30m"], "queue_run"),
        (["-qR", "example.com"], "selective_run"),
        (["-Rff", "example.com"], "selective_run"),
        (["-M", MSGID], "message_action"),
        (["-Mrm", MSGID, MSGID2], "message_action"),
        (["-Mvh", MSGID], "message_action"),
        (["-bs"], "smtp_stdin"),
        (["-bS"], "batch_smtp"),
        (["-brt", "a@b"], "retry_test"),
        (["-brw", "a@b"], "rewrite_test"),
        (["-bI:help"], "info"),
        (["-bi"], "alias_init"),
        (["-z", "hello log"], "log_line"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else value,
)
def test_mode(argv: list[str], mode: str) -> None:
    assert parse(*argv).mode() == mode


def test_glued_and_separate_values_are_the_same() -> None:
    glued = parse("-FAl Ice", "-Cconf", "-fsender@x", "-bs")
    separate = parse("-F", "Al Ice", "-C", "conf", "-f", "sender@x", "-bs")
    assert (glued.sender_name, glued.config_file, glued.sender) == ("Al Ice", "conf", "sender@x")
    assert (separate.sender_name, separate.config_file, separate.sender) == (
        "Al Ice", "conf", "sender@x")


def test_ox_takes_its_value_only_as_the_next_argument() -> None:
    # exim.c refuses -oX2525: the value must be a separate argument.
    assert parse("-oX", "2525").local_interfaces == "2525"
    with pytest.raises(UsageError):
        parse("-oX2525")


def test_macros_keep_order_and_values() -> None:
    inv = parse("-DFOO=bar", "-DBAZ = two words", "-DEMPTY", "-bV")
    assert inv.macros == [("FOO", "bar"), ("BAZ", "two words"), ("EMPTY", "")]


@pytest.mark.parametrize("argv, message", [
    (["-Dlower=x"], "macro name set by -D must start with an upper case letter"),
    (["-DFOO=1", "-DFOO=2"], "duplicated -D in command line"),
    (["-bq"], "unknown, malformed, or incomplete option -bq"),
    (["-bVx"], "unknown, malformed, or incomplete option -bVx"),
    (["-oXY", "1"], "unknown, malformed, or incomplete option -oXY"),
    (["-Mrm"], "no message ids given after -Mrm option"),
    (["-Mrm", "not-an-id"], "malformed message id not-an-id after -Mrm option"),
    (["-q", "-q"], "-q specified more than once"),
    (["-qxyz"], "bad time value -qxyz: abandoned"),
    (["-q45"], "bad time value -q45: abandoned"),
    (["-or", "1h5"], "bad time value 1h5: abandoned"),
    (["-bf"], "file name expected after -bf"),
    (["-bh"], "unknown, malformed, or incomplete option -bh"),
    (["-L", "x" * 33], f'the -L syslog name is too long: "{"x" * 33}"'),
])
def test_refused(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(*argv)
    assert str(caught.value) == message


def test_abandoned_wording() -> None:
    with pytest.raises(UsageError) as caught:
        parse("-bq")
    assert caught.value.line() == "pyexim abandoned: unknown, malformed, or incomplete option -bq"


def test_queue_run_flags() -> None:
    run = parse("-qqiffl").queue_run
    assert run is not None
    assert (run.two_stage, run.first_delivery_only, run.force, run.force_thaw, run.local_only) == (
        True, True, True, True, True)
    assert parse("-q1h30m").queue_run.interval == 5400  # type: ignore[union-attr]
    assert parse("-qGslow/5m").queue_run.queue_name == "slow"  # type: ignore[union-attr]
    ranged = parse("-q", MSGID, MSGID2).queue_run
    assert (ranged.start_id, ranged.stop_id) == (MSGID, MSGID2)  # type: ignore[union-attr]


def test_message_action_takes_every_following_id() -> None:
    inv = parse("-Mf", MSGID, MSGID2)
    assert (inv.message_action, inv.message_ids) == ("freeze", [MSGID, MSGID2])


def test_one_id_action_leaves_the_rest_as_arguments() -> None:
    inv = parse("-Mar", MSGID, "new@example.com")
    assert (inv.message_action, inv.message_ids, inv.arguments) == (
        "add_recipients", [MSGID], ["new@example.com"])


def test_brt_takes_the_rest_of_the_line() -> None:
    inv = parse("-brt", "a@b", "-x")
    assert inv.arguments == ["a@b", "-x"]


def test_bp_arguments_are_option_names() -> None:
    inv = parse("-n", "-bP", "qualify_domain", "router_list")
    assert inv.names_only and inv.arguments == ["qualify_domain", "router_list"]


def test_sendmail_aliases() -> None:
    assert parse("-oem").error_style == "sender"
    assert parse("-ep").error_style == "stderr"
    assert parse("-rsomeone@x").sender == "someone@x"
    assert parse("-ov").verbose
    assert parse("-odq").delivery_mode == "queue"
    assert parse("-odi").delivery_mode == "foreground"
    assert not parse("-oi").dot_ends
    assert not parse("-ti").dot_ends and parse("-ti").extract_recipients


def test_selection_suffixes() -> None:
    sel = parse("-Rrff", "^a").selection
    assert sel is not None and (sel.regex, sel.force, sel.force_thaw, sel.text) == (
        True, True, True, "^a")
    two = parse("-qqS", "x@y").selection
    assert two is not None and two.two_stage and two.kind == "sender"


@pytest.mark.parametrize("text, seconds", [
    ("45s", 45), ("1m", 60), ("1h30m", 5400), ("2d", 172800), ("1w", 604800), ("1h5s", 3605),
    ("", -1), ("x", -1), ("1x", -1), ("-5", -1), ("45", -1), ("1h5", -1),
])
def test_parse_time(text: str, seconds: int) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text, ok", [
    (MSGID, True), ("1xW7wn-0000qv-3", False), ("1xW7wn_0000qv-37", False), ("", False),
])
def test_message_id_shape(text: str, ok: bool) -> None:
    assert is_message_id(text) is ok
