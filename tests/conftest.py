"""Shared pytest fixtures: paths to the project, the shared material and the oracle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
EXAMPLE_CONF = PROJECT / "examples" / "exim.conf"
ORACLE = SHARED / "oracle" / "exim-oracle"
REAL_EXIM = Path("/usr/sbin/exim4")


def oracle_available() -> bool:
    """True when the real Exim 4.96 oracle can run here (installed, and we are root)."""
    return REAL_EXIM.exists() and ORACLE.exists() and os.geteuid() == 0


needs_oracle = pytest.mark.skipif(not oracle_available(),
                                  reason="real Exim oracle not installed (../shared/oracle)")


def run_pyexim(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
               cwd: str | Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m pyexim ARGS`` in a subprocess, as an administrator would run it."""
    return subprocess.run([sys.executable, "-m", "pyexim", *args], input=stdin,
                          capture_output=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture
def pyexim_cmd() -> list[str]:
    """The command prefix that runs pyexim (the installed script when there is one)."""
    script = shutil.which("pyexim", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "pyexim"]
