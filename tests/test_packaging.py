"""Packaging: every package directory is installed, and the grammars are found as resources."""

from __future__ import annotations

import configparser
from importlib import resources

from tests.conftest import PROJECT


def _declared_packages() -> set[str]:
    config = configparser.ConfigParser()
    config.read(PROJECT / "setup.cfg")
    return {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}


def test_every_package_directory_is_listed_in_setup_cfg() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(PROJECT).parts)
        for init in (PROJECT / "pyexim").rglob("__init__.py")
    }
    assert on_disk - _declared_packages() == set()
    assert "pyexim.grammar" in _declared_packages()


def test_grammar_package_is_importable_as_pyexim_grammar() -> None:
    grammar = resources.files("pyexim.grammar")
    assert grammar.is_dir()
