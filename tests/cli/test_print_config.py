"""``pyexim -bP`` end to end: config file -> reader -> option tables -> printed text.

Every case of tests/config/option_cases.py is written as a file and printed
through the command (in-process), against real Exim's answers in
tests/config/goldens/option_cases.json. pyexim names itself in error headings,
so "Exim configuration error" reads "pyexim configuration error" there. The
replays of Exim's own tests 0001 and 0390 run when root and unshare are here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyexim.cli import print_config
from pyexim.cli.main import main
from tests.config.option_cases import CASES, CONF, HOSTNAME, Case, config_text
from tests.replay import needs_replay, replay

PROJECT = Path(__file__).resolve().parents[2]
GOLDENS = json.loads((PROJECT / "tests" / "config" / "goldens" / "option_cases.json")
                     .read_text(encoding="utf-8", errors="surrogateescape"))


def _bp(path: Path, case: Case, capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, str,
                                                                                      str]:
    flags = ["-bP", "-n"] if case.names_only else ["-bP"]
    status = main(["pyexim", "-C", str(path), *flags, *case.bp_args()])
    captured = capsysbinary.readouterr()
    return (status, captured.out.decode("utf-8", "surrogateescape"),
            captured.err.decode("utf-8", "surrogateescape"))


@pytest.fixture(autouse=True)
def _host_is_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The goldens were made on a host called "vm"."""
    from pyexim.config import main_options
    monkeypatch.setattr(main_options, "default_hostname", lambda: HOSTNAME)
    monkeypatch.setenv("PYEXIM_NO_CACHE", "1")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bp_command_matches_exim(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = tmp_path / f"{case.id}.conf"
    path.write_text(config_text(case), encoding="utf-8", errors="surrogateescape")
    if not case.admin:
        monkeypatch.setattr(print_config, "is_admin", lambda config: False)
    expected = GOLDENS[case.id]
    status, out, err = _bp(path, case, capsysbinary)
    want_err = str(expected["error"]).replace("Exim configuration error",
                                              "pyexim configuration error")
    want_status = 1 if int(expected["status"]) < 0 else expected["status"]
    assert (err.replace(str(path), CONF), out.replace(str(path), CONF), status) == (
        want_err, expected["stdout"], want_status)


def test_bp_config_prints_the_normalised_file(tmp_path: Path,
                                              capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = tmp_path / "c.conf"
    path.write_text("qualify_domain   =  example.org\n# comment\n")
    assert main(["pyexim", "-C", str(path), "-bP", "config"]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out == f'# Exim Configuration (4.96)\n# 1 "{path}"\nqualify_domain = example.org\n'


def test_bp_macros(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = tmp_path / "m.conf"
    path.write_text("FOO = bar\nZED = 1\n")
    assert main(["pyexim", "-C", str(path), "-DAAA=x", "-bP", "macros"]) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    assert lines[-3:] == ["AAA=x", "FOO=bar", "ZED=1"]
    assert lines[0].startswith("_")  # built-in macros come first
    assert main(["pyexim", "-C", str(path), "-bP", "macro", "FOO", "macro", "NOPE"]) == 1
    assert capsysbinary.readouterr().out.decode() == "FOO=bar\nmacro NOPE not found\n"
    assert main(["pyexim", "-C", str(path), "-bP", "-n", "macro", "ZED"]) == 0
    assert capsysbinary.readouterr().out.decode() == "1\n"


def test_item_too_long_is_refused(tmp_path: Path,
                                  capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = tmp_path / "l.conf"
    path.write_text("")
    assert main(["pyexim", "-C", str(path), "-bP", "x" * 65]) == 1
    assert capsysbinary.readouterr().err.decode() == (
        "pyexim: length limit exceeded (65 > 64) for: -bP item\n")


# --- Exim's own test scripts ------------------------------------------------------------

@needs_replay(as_exim_user=True)
@pytest.mark.parametrize("test", ["0001", "0390"])
def test_exim_testsuite_replay(test: str) -> None:
    result = replay(test, as_exim_user=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


ENVIRONMENT = {"FOO": "1", "PATH": "/bin", "PX": "2", "ZZ": "3", "TZ": "x"}


# What real Exim 4.96 printed for -bP environment with ENVIRONMENT and these settings.
@pytest.mark.parametrize("lines,expected", [
    ((), {}),
    (("keep_environment = FOO : PATH", "add_environment = BAR=2"),
     {"BAR": "2", "FOO": "1", "PATH": "/bin"}),
    (("timezone = Europe/Paris", "keep_environment = ^P.*:!ZZ:*OO"),
     {"FOO": "1", "PATH": "/bin", "PX": "2", "TZ": "Europe/Paris"}),
    (("keep_environment = *",), {"FOO": "1", "PATH": "/bin", "PX": "2", "ZZ": "3"}),
    (("keep_environment = *", "timezone = utc"), ENVIRONMENT),
])
def test_environment_as_exim_leaves_it(lines: tuple[str, ...], expected: dict[str, str]) -> None:
    from pyexim.config.main_options import MAIN_OPTIONS
    from pyexim.config.options import apply_setting
    main_settings: dict[str, object] = {}
    for line in lines:
        apply_setting(MAIN_OPTIONS, main_settings, line, None, context="main")  # type: ignore[arg-type]
    assert print_config.exim_environment(dict(ENVIRONMENT), main_settings) == expected  # type: ignore[arg-type]
