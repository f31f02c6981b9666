"""-be / -bem (pyexim.cli.expansion_test): prompts, continuations, macros, limits."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from pyexim.cli.common import read_input_line
from pyexim.cli.expansion_test import split_header_section
from pyexim.message import read_filter_test_body
from tests.conftest import ORACLE, PROJECT, needs_oracle, run_pyexim

CONFIG = PROJECT / "tests" / "expand" / "golden.conf"
DATA = PROJECT / "tests" / "expand" / "data"
BASE = ("-C", str(CONFIG), f"-DDATA={DATA}")


def test_arguments_are_expanded_one_per_line() -> None:
    result = run_pyexim(*BASE, "-be", "${lc:ABC}", "$primary_hostname", "${nosuch:x}")
    assert result.returncode == 0
    assert result.stdout == (b"abc\ngolden.example\n"
                             b'Failed: unknown expansion operator "nosuch"\n')


def test_stdin_lines_get_prompts_and_continuations() -> None:
    script = b"${uc:a}\nfirst \\\n    second\n\n"
    result = run_pyexim(*BASE, "-be", stdin=script)
    assert result.returncode == 0
    assert result.stdout == b"> A\n> first second\n> \n> \n"


def test_macros_apply_and_can_be_defined_at_the_prompt() -> None:
    result = run_pyexim(*BASE, "-be", stdin=b"DATA/x\nNEWMAC = value\nsee NEWMAC\n")
    assert result.stdout == (f"> {DATA}/x\n> Defined macro 'NEWMAC'\n> see value\n> \n"
                             ).encode()


def test_overlong_argument_is_refused_as_exim_does() -> None:
    result = run_pyexim(*BASE, "-be", "ok", "x" * 300)
    assert result.returncode == 1
    assert result.stdout == b"ok\n"
    assert b"length limit exceeded (300 > 256)" in result.stderr


def test_message_file_supplies_headers_and_body() -> None:
    result = run_pyexim(*BASE, "-bem", str(DATA / "message.eml"), "-be",
                        "$h_cc:|$body_linecount|${strlen:$message_body}")
    assert result.stdout == b"third@dest.example|3|74\n"


def test_oM_options_set_host_variables() -> None:
    result = run_pyexim(*BASE, "-oMa", "192.0.2.1.25", "-oMi", "10.0.0.1.99", "-oMr", "smtp",
                        "-be", "$sender_host_address $sender_host_port $interface_address "
                        "$interface_port $received_protocol")
    assert result.stdout == b"192.0.2.1 25 10.0.0.1 99 smtp\n"


def test_read_input_line_joins_continuations_and_strips() -> None:
    out = io.BytesIO()
    stdin = io.BytesIO(b"a \\\n   b  \nc\n")
    assert read_input_line(stdin, out) == b"a b"
    assert read_input_line(stdin, out) == b"c"
    assert read_input_line(stdin, out) is None
    assert out.getvalue() == b"> > > \n"


def test_long_input_lines_are_read_in_fgets_chunks() -> None:
    stdin = io.BytesIO(b"x" * 1500 + b"\n")
    out = io.BytesIO()
    assert read_input_line(stdin, out) == b"x" * 1023
    assert read_input_line(stdin, out) == b"x" * 477


@pytest.mark.parametrize("data,head,rest", [
    (b"Subject: x\n\nbody\n", b"Subject: x\n\n", b"body\n"),
    (b"Subject: x\nbody\nmore\n", b"Subject: x\nbody\n", b"more\n"),
    (b"Subject: x\n  cont\n\n", b"Subject: x\n  cont\n\n", b""),
])
def test_split_header_section(data: bytes, head: bytes, rest: bytes) -> None:
    assert split_header_section(data) == (head, rest)


@pytest.mark.parametrize("body,dot_ends,expected", [
    (b"a\n", True, (b"a\n", 1, 0)),
    (b"a\n\nb\n", True, (b"a\n\nb\n", 2, 0)),      # blank lines are not counted
    (b"a", True, (b"a", 1, 0)),
    (b"a\n.\nb\n", True, (b"a\n", 1, 0)),          # a dot line ends the message
    (b"a\n.x\n", True, (b"a\n.x\n", 2, 0)),
    (b"a\n\nb\n", False, (b"a\n\nb\n", 3, 0)),
    (b"z\0\n", True, (b"z\0\n", 1, 1)),
])
def test_read_test_body(body: bytes, dot_ends: bool, expected: tuple[bytes, int, int]) -> None:
    assert read_filter_test_body(body, dot_ends) == expected


@needs_oracle
def test_stdin_transcript_matches_exim() -> None:
    script = (b"# a comment line\n${if eq{a}{b}{x}fail}\nMAC = one\nMAC two \\\n three\n"
              b"${lookup{postmaster}lsearch{DATA/aliases}}\n\n${length_2:abc}\n")
    exim = subprocess.run([str(ORACLE), str(CONFIG), f"-DDATA={DATA}", "-be"], input=script,
                          capture_output=True, timeout=60, check=False)
    ours = run_pyexim(*BASE, "-be", stdin=script)
    assert ours.stdout == exim.stdout
    assert Path(CONFIG).exists()
