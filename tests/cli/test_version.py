"""``pyexim -bV``: banner, configuration check, errors and warnings, exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONF, run_pyexim


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}


def test_example_config_checks_and_says_what_it_checked(env: dict[str, str],
                                                       tmp_path: Path) -> None:
    for _run in range(2):  # the second run is served from the cache: same output
        result = run_pyexim("-C", str(EXAMPLE_CONF), f"-DVAR={tmp_path}", "-bV", env=env)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.decode().splitlines()
        assert lines[0].startswith("pyexim version ")
        assert "Exim version 4.96 " in lines[0]
        assert any(line.startswith("Routers: ") and "accept" in line for line in lines)
        assert lines[-2].startswith("Checked: ") and "2 routers" in lines[-2]
        assert lines[-1] == f"Configuration file is {EXAMPLE_CONF}"
        assert result.stderr == b""


def test_error_exits_1_with_exims_wording(env: dict[str, str], tmp_path: Path) -> None:
    conf = tmp_path / "bad.conf"
    conf.write_text("keep_environment =\nbegin routers\nr1:\n  driver = acept\n")
    result = run_pyexim("-C", str(conf), "-bV", env=env)
    assert result.returncode == 1
    assert result.stderr.decode() == (f"pyexim configuration error in line 4 of {conf}:\n"
                                      '  router r1: cannot find router driver "acept"\n')
    assert result.stdout.decode().startswith("pyexim version ")
    assert b"Configuration file is" not in result.stdout


def test_warnings_keep_exit_status_0(env: dict[str, str], tmp_path: Path) -> None:
    conf = tmp_path / "warn.conf"
    conf.write_text("keep_environment =\nbegin routers\nr1:\n  driver = accept\n"
                    "  transport = missing\n")
    result = run_pyexim("-C", str(conf), "-bV", env=env)
    assert result.returncode == 0
    assert result.stderr.decode() == (
        f"pyexim configuration warning in line 5 of {conf}:\n"
        '  (checked at use time by Exim) router r1: transport "missing" is not a defined '
        "transport\n")
    assert result.stdout.decode().endswith(f"Configuration file is {conf}\n")


def test_search_path_is_shown_for_a_list(env: dict[str, str], tmp_path: Path) -> None:
    conf = tmp_path / "ok.conf"
    conf.write_text("keep_environment =\n")
    listed = f"{tmp_path}/none.conf:{conf}"
    result = run_pyexim("-C", listed, "-bV", env=env)
    assert result.returncode == 0
    assert result.stdout.decode().endswith(
        f"Configuration file search path is {listed}\nConfiguration file is {conf}\n")


def test_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    result = run_pyexim("-C", f"{tmp_path}/none.conf", "-bV", env=env)
    assert result.returncode == 1
    assert result.stderr.decode() == (
        f"non-existent configuration file(s): {tmp_path}/none.conf\n")


def test_missing_files_of_a_search_path_are_all_named(env: dict[str, str],
                                                      tmp_path: Path) -> None:
    listed = f"{tmp_path}/a.conf:{tmp_path}/b.conf"
    result = run_pyexim("-C", listed, "-bV", env=env)
    assert result.returncode == 1
    assert result.stderr.decode() == f"non-existent configuration file(s): {listed}\n"


def test_a_directory_reads_as_an_empty_configuration(env: dict[str, str],
                                                     tmp_path: Path) -> None:
    # Exim's fopen() of a directory succeeds and reading it gives nothing.
    result = run_pyexim("-C", str(tmp_path), "-bV", env=env)
    assert result.returncode == 0
    assert result.stdout.decode().endswith(f"Configuration file is {tmp_path}\n")
