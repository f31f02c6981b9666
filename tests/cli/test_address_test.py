"""-bt, -bv, -bvs and --explain (pyexim.cli.address_test) on a small configuration.

Exim's exact output for these modes is checked against real Exim elsewhere
(tests/routers: the corpus goldens and Exim's own scripts); these tests cover the
command-line side: argument forms, standard input, exit codes, -f, and pyexim's
--explain trace.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_pyexim

CONFIG = """\
primary_hostname = myhost.test.ex
qualify_domain = test.ex
begin routers
aliases:
  driver = redirect
  allow_fail
  allow_defer
  data = ${if eq{$local_part}{list}{alice, bob}{${if eq{$local_part}{gone}{:fail: left}\\
         {${if eq{$local_part}{later}{:defer: wait}{}}}}}}
friends:
  driver = accept
  senders = *@friend.example
  local_parts = vip
  transport = local
users:
  driver = accept
  local_parts = alice : bob : vip
  condition = ${if !eq{$domain}{blocked.ex}}
  transport = local
smart:
  driver = manualroute
  domains = ! test.ex
  route_list = * 192.0.2.1
  transport = remote
begin transports
local:
  driver = appendfile
  file = /dev/null
remote:
  driver = smtp
"""


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    path = tmp_path / "exim.conf"
    path.write_text(CONFIG)
    return path


def _run(conf: Path, *args: str, stdin: bytes | None = None) -> tuple[str, str, int]:
    result = run_pyexim("-C", str(conf), *args, stdin=stdin)
    return result.stdout.decode(), result.stderr.decode(), result.returncode


@pytest.mark.parametrize(("args", "stdout", "rc"), [
    (["-bt", "alice@test.ex"],
     "alice@test.ex\n  router = users, transport = local\n", 0),
    (["-bt", "list@test.ex"],
     ("bob@test.ex\n    <-- list@test.ex\n  router = users, transport = local\n"
     "alice@test.ex\n    <-- list@test.ex\n  router = users, transport = local\n"), 0),
    (["-bt", "gone@test.ex"], "gone@test.ex is undeliverable: left\n", 2),
    (["-bt", "later@test.ex"], "later@test.ex cannot be resolved at this time: wait\n", 1),
    (["-bt", "x@remote.ex"],
     "x@remote.ex\n  router = smart, transport = remote\n  host 192.0.2.1 [192.0.2.1]\n", 0),
    (["-bt", "alice"], "alice@test.ex\n  router = users, transport = local\n", 0),
    (["-bt", "alice@test.ex, bob@test.ex"],
     ("alice@test.ex\n  router = users, transport = local\n"
     "bob@test.ex\n  router = users, transport = local\n"), 0),
    (["-bt", "alice@test.ex", "alice@test.ex"],
     ("alice@test.ex\n  router = users, transport = local\n"
     "alice@test.ex   [duplicate, would not be delivered]\n"
     "  router = users, transport = local\n"), 0),
    (["-bt", "a@b@c"], "syntax error: malformed address: @c may not follow a@b\n", 2),
    (["-bt", "later@test.ex", "gone@test.ex"],
     ("later@test.ex cannot be resolved at this time: wait\n"
     "gone@test.ex is undeliverable: left\n"), 2),
    (["-bv", "alice@test.ex", "nobody@test.ex"],
     "alice@test.ex verified\nnobody@test.ex failed to verify: Unrouteable address\n", 2),
    (["-v", "-bv", "list@test.ex"],
     ("bob@test.ex\n    <-- list@test.ex\n  router = users, transport = local\n"
     "alice@test.ex\n    <-- list@test.ex\n  router = users, transport = local\n"), 0),
    (["-bvs", "alice@test.ex"], "alice@test.ex verified\n", 0),
    (["-f", "me@friend.example", "-bt", "vip@test.ex"],
     "vip@test.ex\n  router = friends, transport = local\n", 0),
    (["-bt", "vip@test.ex"], "vip@test.ex\n  router = users, transport = local\n", 0),
], ids=["accept", "alias-list", "fail", "defer", "remote", "unqualified", "commas",
        "duplicate", "syntax", "worst-status", "bv", "bv-verbose", "bvs", "sender-f",
        "sender-caller"])
def test_modes(conf: Path, args: list[str], stdout: str, rc: int) -> None:
    out, _err, status = _run(conf, *args)
    assert (out, status) == (stdout, rc)


def test_addresses_from_standard_input(conf: Path) -> None:
    out, _err, status = _run(conf, "-bt", stdin=b"alice@test.ex\ngone@test.ex\n")
    assert out == ("> alice@test.ex\n  router = users, transport = local\n"
                   "> gone@test.ex is undeliverable: left\n> \n")
    assert status == 2


def test_explain_traces_each_router(conf: Path) -> None:
    out, _err, status = _run(conf, "-bt", "--explain", "vip@blocked.ex")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "--- vip@blocked.ex"
    assert "router aliases (driver redirect):" in lines
    assert '  aliases router: declined' in lines
    assert any(line.startswith("  senders: sender ") and "is not in" in line for line in lines)
    assert '  local_parts: "vip" is in "alice : bob : vip" (item "vip"), data "vip"' in lines
    assert any('gave "": false' in line for line in lines)
    assert '  smart router: accepted, transport remote' in lines
    assert lines[-3:] == ["vip@blocked.ex", "  router = smart, transport = remote",
                          "  host 192.0.2.1 [192.0.2.1]"]


def test_explain_shows_generated_addresses(conf: Path) -> None:
    out, _err, _status = _run(conf, "-bv", "--explain", "list@test.ex")
    assert '  aliases router: accepted, new addresses "alice@test.ex", "bob@test.ex"' in \
        out.splitlines()
    assert out.endswith("list@test.ex verified\n")


def test_explain_is_only_for_address_testing(conf: Path) -> None:
    _out, err, status = _run(conf, "-be", "--explain", "x")
    assert status == 1
    assert "--explain is only for address testing (-bt) and verification (-bv)" in err


def test_configuration_errors_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.conf"
    path.write_text("no_such_option = 1\n")
    out, err, status = _run(path, "-bt", "a@b.example")
    assert status == 1 and out == ""
    assert 'main option "no_such_option" unknown' in err


def test_debug_print_goes_to_stderr(tmp_path: Path) -> None:
    path = tmp_path / "debug.conf"
    path.write_text("begin routers\nr:\n  driver = accept\n  debug_print = R: $local_part\n"
                    "  transport = t\nbegin transports\nt:\n  driver = appendfile\n"
                    "  file = /dev/null\n")
    out, err, status = _run(path, "-bt", "x@y.example")
    assert status == 0 and err == "R: x\n"
    assert out == "x@y.example\n  router = r, transport = t\n"
    _out, err, _status = _run(path, "-bv", "x@y.example")
    assert err == ""
