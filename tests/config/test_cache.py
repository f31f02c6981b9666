"""The compiled-configuration cache: used when nothing changed, rebuilt when anything did."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyexim.config import cache, load_config


def _conf(tmp_path: Path) -> Path:
    (tmp_path / "inc.conf").write_text("qualify_domain = one.example\n")
    path = tmp_path / "exim.conf"
    path.write_text("keep_environment =\n.include inc.conf\n"
                    ".include_if_exists " + str(tmp_path / "opt.conf") + "\n")
    return path


def test_second_load_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _conf(tmp_path)
    first = load_config(str(path))
    entry = cache.load(str(path), (), "uname:" + os.uname().nodename)
    assert entry is not None and "config" in entry.results
    monkeypatch.setattr("pyexim.config.read_config", lambda *a, **k: pytest.fail("re-read"))
    assert load_config(str(path)) == first


@pytest.mark.parametrize("change", ["edit-include", "create-optional", "other-macros"])
def test_any_change_rebuilds(tmp_path: Path, change: str) -> None:
    path = _conf(tmp_path)
    assert load_config(str(path)).option("qualify_domain") == "one.example"
    macros: list[tuple[str, str]] = []
    if change == "edit-include":
        (tmp_path / "inc.conf").write_text("qualify_domain = two.example\n")
        expected = "two.example"
    elif change == "create-optional":
        (tmp_path / "opt.conf").write_text("primary_hostname = three.example\n")
        expected = "one.example"
    else:
        macros = [("X", "1")]
        expected = "one.example"
    config = load_config(str(path), macros)
    assert config.option("qualify_domain") == expected
    if change == "create-optional":
        assert config.option("primary_hostname") == "three.example"


def test_broken_entry_is_ignored(tmp_path: Path, private_cache: Path) -> None:
    path = _conf(tmp_path)
    load_config(str(path))
    for entry in (private_cache / "pyexim").glob("*.cfg"):
        entry.write_bytes(b"garbage")
    assert load_config(str(path)).option("qualify_domain") == "one.example"


def test_no_cache_when_the_directory_is_not_private(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    (shared / "pyexim").mkdir(parents=True)
    (shared / "pyexim").chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert cache.cache_dir() is None
    # A user without a home directory gets no cache, and no directories made.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-home" / ".cache"))
    assert cache.cache_dir() is None
    assert not (tmp_path / "no-home").exists()
    monkeypatch.setenv("PYEXIM_NO_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    assert cache.cache_dir() is None


def test_no_cache_when_a_value_was_expanded_while_reading(tmp_path: Path) -> None:
    # trusted_users is expanded as it is read; ${readfile} output can change unseen.
    users = tmp_path / "users"
    users.write_text("root")
    path = tmp_path / "exim.conf"
    path.write_text(f"keep_environment =\ntrusted_users = ${{readfile{{{users}}}}}\n")
    assert load_config(str(path)).option("trusted_users") == (0,)
    assert cache.load(str(path), (), "uname:" + os.uname().nodename) is None


@pytest.mark.parametrize("checkout", [True, False], ids=["checkout", "installed"])
def test_code_stamp_sees_a_reinstall_and_in_a_checkout_an_edit(tmp_path: Path,
                                                               checkout: bool) -> None:
    from pyexim.config.cache import _code_stamp
    root = tmp_path / "pyexim"
    (root / "config").mkdir(parents=True)
    module = root / "config" / "model.py"
    module.write_text("x = 1\n")
    if checkout:
        (tmp_path / "setup.cfg").write_text("")
    os.utime(root / "config", ns=(10**18, 10**18))
    os.utime(module, ns=(10**18, 10**18))
    first = _code_stamp(str(root))
    os.utime(module, ns=(2 * 10**18, 2 * 10**18))   # edited in place
    assert (_code_stamp(str(root)) != first) is checkout
    (root / "config" / "new.py").write_text("")      # a reinstall adds and removes files
    assert _code_stamp(str(root)) != first
