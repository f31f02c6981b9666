"""The pyexim command as a whole: exit codes and messages for what it cannot do."""

from __future__ import annotations

from pyexim.cli import main as cli_main
from tests.conftest import run_pyexim


def test_unknown_flag_exits_1_with_exims_wording() -> None:
    result = run_pyexim("-bq")
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "pyexim abandoned: unknown, malformed, or incomplete option -bq\n")


def test_help_exits_0() -> None:
    result = run_pyexim("--help")
    assert result.returncode == 0
    assert b"-bV" in result.stdout


def test_mode_not_built_says_so_and_exits_2(monkeypatch) -> None:
    monkeypatch.delitem(cli_main.MODE_MODULES, "daemon", raising=False)
    assert cli_main.main(["pyexim", "-bd"]) == 2


def test_default_config_search(tmp_path, monkeypatch) -> None:
    from pyexim.cli.args import parse_args
    present = tmp_path / "b.conf"
    present.write_text("")
    inv = parse_args(["pyexim", "-C", f"{tmp_path}/a.conf:{present}", "-bV"])
    assert cli_main.config_file_for(inv) == str(present)
    missing = parse_args(["pyexim", "-C", f"{tmp_path}/none.conf", "-bV"])
    assert cli_main.config_file_for(missing) == f"{tmp_path}/none.conf"


def _collector_state_module(tmp_path, monkeypatch, mode: str, name: str) -> list[bool]:
    """Register a fake module for *mode* that records whether the collector is on."""
    import sys
    import types
    seen: list[bool] = []
    module = types.ModuleType(name)
    module.run = lambda invocation: seen.append(__import__("gc").isenabled()) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setitem(cli_main.MODE_MODULES, mode, name)
    return seen


def test_one_shot_modes_run_without_the_cyclic_collector(tmp_path, monkeypatch) -> None:
    import gc
    seen = _collector_state_module(tmp_path, monkeypatch, "version", "fake_version_mode")
    assert gc.isenabled()
    assert cli_main.main(["pyexim", "-bV"]) == 0
    assert seen == [False]
    assert gc.isenabled()  # the caller's setting is given back


def test_long_running_modes_collect(tmp_path, monkeypatch) -> None:
    import gc
    seen = _collector_state_module(tmp_path, monkeypatch, "daemon", "fake_daemon_mode")
    assert cli_main.main(["pyexim", "-bd"]) == 0
    assert seen == [True]
    assert gc.isenabled()


def _command_with(body: str) -> tuple[int, str, str]:
    """Run command() in a child whose main() is *body* (a function body)."""
    import subprocess
    import sys
    import textwrap
    code = ("import atexit, sys\nfrom pyexim.cli import main as cli\n"
            "atexit.register(lambda: print('exit handler ran'))\n"
            "def fake():\n" + textwrap.indent(body, "    ") + "\ncli.main = fake\ncli.command()\n"
            "print('not reached')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    return result.returncode, result.stdout, result.stderr


def test_command_flushes_output_runs_exit_handlers_and_exits_with_mains_status() -> None:
    status, out, err = _command_with("sys.stdout.write('x' * 100000)\n"
                                     "sys.stderr.write('warned')\nreturn 3")
    assert (status, out, err) == (3, "x" * 100000 + "exit handler ran\n", "warned")


def test_command_treats_system_exit_as_sys_exit_would() -> None:
    assert _command_with("sys.exit()")[0] == 0
    assert _command_with("sys.exit(4)")[0] == 4
    status, _out, err = _command_with("sys.exit('pyexim: gave up')")
    assert (status, err) == (1, "pyexim: gave up\n")
