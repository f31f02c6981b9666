"""Taint through expansion: tainted inputs make tainted results, and tainted data is
refused as a file name, a lookup file, or a string to expand (Exim 4.96's rules)."""

from __future__ import annotations

import pytest

from pyexim.expand import ExpansionContext, ExpansionError, HeaderView, expand_string
from pyexim.taint import Tainted, is_tainted

PASSWD = Tainted("/etc/passwd")


def context(**values: object) -> tuple[ExpansionContext, list[str]]:
    logged: list[str] = []
    ctx = ExpansionContext(values={"primary_hostname": "h.example", **values},
                           panic_log=logged.append)
    ctx.headers = [HeaderView(Tainted("Subject: Hello World\n"))]
    return ctx, logged


@pytest.mark.parametrize("text,tainted", [
    ("plain ${lc:TEXT}", False),
    ("$sender_host_name", True),
    ("x${lc:$sender_host_name}y", True),
    ("${uc:$h_subject:}", True),
    ("${md5:$sender_host_name}", False),          # a hash is built in fresh memory
    ("${strlen:$sender_host_name}", False),
    ("${length_3:$sender_host_name}", True),
    ("${if eq{$sender_host_name}{x}{yes}{no}}", False),
    ("${if eq{a}{a}{$h_subject:}{no}}", True),
    ("${map{$h_subject:}{<$item>}}", True),
    ("${sg{$h_subject:}{o}{0}}", True),
    ("${extract{1}{ }{$h_subject:}}", True),
])
def test_taint_propagates(text: str, tainted: bool) -> None:
    ctx, _ = context(sender_host_name=PASSWD)
    assert is_tainted(expand_string(text, ctx)) == tainted


def test_tainted_file_name_is_refused_by_readfile() -> None:
    ctx, logged = context(sender_host_name=PASSWD)
    with pytest.raises(ExpansionError, match="^failed to open /etc/passwd: Permission denied"):
        expand_string("${readfile{$sender_host_name}}", ctx)
    assert logged == ["Tainted filename '/etc/passwd'"]


def test_tainted_string_is_not_expanded_again() -> None:
    ctx, logged = context(sender_host_name=Tainted("$primary_hostname"))
    with pytest.raises(ExpansionError) as caught:
        expand_string("${expand:$sender_host_name}", ctx)
    assert caught.value.message == ("internal expansion of \"$primary_hostname\" failed: "
                                    "attempt to expand tainted string '$primary_hostname'")
    assert logged


def test_tainted_text_without_metacharacters_passes_through() -> None:
    ctx, _ = context()
    assert expand_string(Tainted("no dollars"), ctx) == "no dollars"
    with pytest.raises(ExpansionError, match="attempt to expand tainted string"):
        expand_string(Tainted("${lc:X}"), ctx)


def test_tainted_lookup_file_is_refused() -> None:
    ctx, logged = context(sender_host_name=PASSWD)
    with pytest.raises(ExpansionError) as caught:
        expand_string("${lookup{root}lsearch{$sender_host_name}}", ctx)
    assert caught.value.message == "(null)"  # Exim leaves its message unset here
    assert logged == ["Tainted filename for search: '/etc/passwd'"]


# Real Exim 4.96 (-bem, Subject: passwd) logs the file once and prints "Failed: (null)"
# for the lookup alone (C's printf of its unset message), but "NULL inside ..." once its
# own string_sprintf has formatted that message into another.
@pytest.mark.parametrize("text,message", [
    ("${lookup{root}lsearch{$sender_host_name}}", "(null)"),
    ("${map{a}{${lookup{root}lsearch{$sender_host_name}}}}", 'NULL inside "map" item'),
    ("${if eq{${lookup{root}lsearch{$sender_host_name}}}{}{y}{n}}", "(null)"),
])
def test_tainted_lookup_file_message_and_log(text: str, message: str) -> None:
    ctx, logged = context(sender_host_name=PASSWD)
    with pytest.raises(ExpansionError) as caught:
        expand_string(text, ctx)
    assert caught.value.message == message
    assert logged == ["Tainted filename for search: '/etc/passwd'"]


def test_unset_message_as_exim_formats_it() -> None:
    error = ExpansionError(None)
    assert (error.message, error.text, str(error)) == ("(null)", "NULL", "NULL")
    assert ExpansionError("x").text == "x"


def test_sg_replacement_with_tainted_dollar_text_is_refused() -> None:
    ctx, _ = context(sender_host_name=Tainted("$x"))
    with pytest.raises(ExpansionError, match="attempt to expand tainted string"):
        expand_string("${sg{abc}{b}{$sender_host_name}}", ctx)
