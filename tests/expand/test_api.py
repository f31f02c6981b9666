"""The public expansion interface: expand_string, conditions, syntax checks, hooks."""

from __future__ import annotations

import pytest

from pyexim.expand import (
    ExpansionContext,
    ExpansionError,
    ForcedFail,
    acl_condition_value,
    check_syntax,
    expand_condition,
    expand_string,
    from_engine,
    to_engine,
)
from pyexim.expand.context import ACL_DEFER, ACL_ERROR, ACL_FAIL, ACL_OK, FORBID_RUN


def test_forced_failure_is_distinct() -> None:
    ctx = ExpansionContext()
    with pytest.raises(ForcedFail) as caught:
        expand_string("${if eq{a}{b}{x}fail}", ctx)
    assert caught.value.message == '"if" failed and "fail" requested'
    with pytest.raises(ExpansionError) as error:
        expand_string("${if eq{a}{b}{x}fal}", ctx)
    assert not isinstance(error.value, ForcedFail)


@pytest.mark.parametrize("text,truth", [
    ("", False), ("0", False), ("no", False), ("FALSE", False), ("1", True), ("yes", True),
    ("anything", True), ("00", True), ("${if eq{a}{a}}", True),
])
def test_expand_condition(text: str, truth: bool) -> None:
    assert expand_condition(text, ExpansionContext()) is truth


@pytest.mark.parametrize("value,truth", [
    ("0", False), ("", False), ("-0", False), ("12", True), ("no", False), ("TRUE", True),
    ("maybe", None),
])
def test_acl_condition_value(value: str, truth: bool | None) -> None:
    assert acl_condition_value(value) is truth


@pytest.mark.parametrize("text,message", [
    ("${lc:x}", None),
    ("plain", None),
    ("${nosuch:x}", 'unknown expansion operator "nosuch"'),
    ("$nosuchvar", 'unknown variable name "nosuchvar"'),
    ("${lc:abc", "missing } at end of string"),
    ("${lookup{x}lsearch{/does/not/matter}{$value}}", None),
])
def test_check_syntax(text: str, message: str | None) -> None:
    assert check_syntax(text) == message


def test_acl_runner_receives_arguments_and_restores_them() -> None:
    seen: list[tuple[str, list[str]]] = []

    def runner(name: str, args: list[str], ctx: ExpansionContext) -> tuple[str, str | None]:
        seen.append((name, list(args)))
        return {"ok": (ACL_OK, "fine"), "no": (ACL_FAIL, None), "later": (ACL_DEFER, None),
                "bad": (ACL_ERROR, None)}[name]

    ctx = ExpansionContext(acl_runner=runner, acl_args=["outer"])
    assert expand_string("${acl{ok}{a}{b}}|$acl_arg1", ctx) == "fine|outer"
    assert expand_string("${if acl{{no}{x}}{y}{n}}", ctx) == "n"
    with pytest.raises(ForcedFail, match='DEFER from acl "later"'):
        expand_string("${acl{later}}", ctx)
    with pytest.raises(ExpansionError, match='ERROR from acl "bad"'):
        expand_string("${acl{bad}}", ctx)
    assert seen[0] == ("ok", ["a", "b"])


@pytest.mark.parametrize("text,message", [
    ("${if pam{a:b}}", 'support for "pam" not compiled'),
    ("${if radius{a}}", 'support for "radius" not compiled'),
    ("${if saslauthd{{a}{b}}}", 'support for "saslauthd" not compiled'),
    ("${perl{f}}", '"${perl" encountered, but this facility is not included in this binary'),
    ("${dlfunc{f}{g}}", ('"${dlfunc" encountered, but this facility is not included in '
                         "this binary")),
])
def test_features_pyexim_lacks_fail_as_in_an_exim_without_them(text: str, message: str) -> None:
    with pytest.raises(ExpansionError) as caught:
        expand_string(text, ExpansionContext())
    assert caught.value.message == message


def test_forbidden_run() -> None:
    with pytest.raises(ExpansionError, match="running a command is not permitted"):
        expand_string("${run{/bin/true}}", ExpansionContext(forbid=frozenset({FORBID_RUN})))


def test_injected_clock_and_random() -> None:
    import random
    ctx = ExpansionContext(clock=lambda: 86400.0 * 20000 + 3723, rng=random.Random(1))
    assert expand_string("$tod_zulu $tod_epoch", ctx) == "20241004010203Z 1728003723"
    assert expand_string("${randint:1000}", ctx) == str(random.Random(1).randrange(1000))


def test_state_survives_between_expansions() -> None:
    ctx = ExpansionContext()
    expand_string("${prvscheck{prvs=01234abcdef=u@d}{k}}", ctx)
    assert expand_string("[$prvscheck_result]", ctx) == "[]"
    expand_string("${run{/bin/sh -c 'exit 3'}}", ctx)
    assert expand_string("$runrc", ctx) == "3"


def test_engine_text_conversions() -> None:
    assert to_engine("caf\u00e9") == "caf\u00c3\u00a9"
    assert from_engine("caf\u00c3\u00a9") == "caf\u00e9"
    assert to_engine("plain") == "plain"


def test_context_from_config_reads_main_options_and_named_lists() -> None:
    from pathlib import Path

    from pyexim.config import load_config
    from pyexim.expand.configured import context_from_config
    here = Path(__file__).resolve().parent
    config = load_config(str(here / "golden.conf"), [("DATA", str(here / "data"))])
    logged: list[str] = []
    ctx = context_from_config(config, panic_log=logged.append)
    assert expand_string("$primary_hostname|$qualify_recipient|$bounce_return_size_limit", ctx) \
        == "golden.example|recipients.example|51200"
    assert expand_string("${listnamed:relay_domains}", ctx).startswith("golden.example : ")
    assert expand_string("${env{GOLDEN_ONE}}", ctx) == "first"
    assert ctx.options.headers_charset == "ISO-8859-1"
