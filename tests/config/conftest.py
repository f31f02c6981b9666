"""Fixtures for the config tests: a private cache directory, the corpus paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "configs"
TESTSUITE = CORPUS / "exim-testsuite-4.96"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every config test gets its own cache directory (never the user's ~/.cache)."""
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(directory))
    monkeypatch.delenv("PYEXIM_NO_CACHE", raising=False)
    return directory
