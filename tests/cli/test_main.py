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
