"""-bh from the command line: argument checks, exit status, output streams."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.hostaddr import extract_port
from pyexim.receive.commands import expanded_integer
from tests.conftest import run_pyexim

CONF = Path(__file__).resolve().parent.parent / "acl" / "goldens" / "verbs.conf"


@pytest.mark.parametrize("text,address,port", [
    ("192.0.2.1", "192.0.2.1", 0), ("192.0.2.1.2525", "192.0.2.1", 2525),
    ("[192.0.2.1]:25", "192.0.2.1", 25), ("2001:db8::1", "2001:db8::1", 0),
    ("2001:db8::1.587", "2001:db8::1", 587), ("1.2.3.4.x", "1.2.3.4.x", 0),
])
def test_extract_port(text: str, address: str, port: int) -> None:
    assert extract_port(text) == (address, port)


@pytest.mark.parametrize("text,value", [
    ("10M", 10 * 1024 * 1024), ("2k", 2048), ("", 0), ("  ", 0), ("12", 12),
    ("x", None), ("-5", None), ("5 q", None),
])
def test_expanded_integer(text: str, value: int | None) -> None:
    assert expanded_integer(text)[0] == value


def test_bh_session_on_stdin(tmp_path: Path) -> None:
    result = run_pyexim("-C", str(CONF), f"-DSPOOL={tmp_path}", "-bh", "192.0.2.7",
                        stdin=b"helo x.ex\nmail from:<a@b.ex>\nrcpt to:<deny1@test.ex>\nquit\n")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert out.startswith("\n**** SMTP testing session as if from host 192.0.2.7\n")
    assert "\r\n550 Administrative prohibition\r\n221 bye bye x.ex\r\n" in out
    err = result.stderr.decode()
    assert "LOG: H=(x.ex) [192.0.2.7] F=<a@b.ex> rejected RCPT <deny1@test.ex>\n" in err
    assert '>>> using ACL "rcpt"\n' in err


def test_bh_refuses_a_non_address() -> None:
    result = run_pyexim("-C", str(CONF), "-bh", "mail.example")
    assert result.returncode == 1
    assert b'"mail.example" is not an IP address' in result.stderr


TAINTED_LOOKUP_CONF = """\
primary_hostname = test.example
acl_smtp_rcpt = a1
begin acl
a1:
  accept condition = ${lookup{x}lsearch{/etc/$sender_helo_name}{yes}{no}}
"""


def test_bh_logs_a_tainted_lookup_file_once(tmp_path: Path) -> None:
    # What real Exim 4.96 writes to standard error for this session (its LOG: lines).
    conf = tmp_path / "exim.conf"
    conf.write_text(TAINTED_LOOKUP_CONF)
    result = run_pyexim("-C", str(conf), "-bh", "192.0.2.7",
                        stdin=b"helo passwd\r\nmail from:<a@b.c>\r\nrcpt to:<x@test.example>\r\n"
                        b"quit\r\n")
    logged = [line for line in result.stderr.decode().splitlines() if line.startswith("LOG:")]
    assert logged == [
        "LOG: Tainted filename for search: '/etc/passwd'",
        ("LOG: H=(passwd) [192.0.2.7] F=<a@b.c> temporarily rejected RCPT <x@test.example>: "
         'failed to expand ACL string "${lookup{x}lsearch{/etc/$sender_helo_name}{yes}{no}}": '
         "NULL"),
    ]
