"""Exim's own test scripts (../shared/exim-tests) replayed against pyexim, for the test modules.

``run_replay.sh`` runs each script's commands in private network and UTS namespaces, so it
needs root and unshare. By default the commands run as root (``--user root``) with this
environment's ``pyexim`` script; ``as_exim_user`` runs them as the replayer's default user
(Debian-exim), as Exim's runtest does, through a launcher that user may execute. Use::

    @needs_replay()
    def test_...(tmp_path):
        result = replay("0290", "0390", cache_dir=tmp_path)
        assert "summary: 2/2 PASS" in result.stdout
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SHARED

REPLAY = SHARED / "exim-tests" / "run_replay.sh"
TESTDIR = SHARED / "exim-tests" / "exim-4.96"
PYEXIM = Path(sys.executable).parent / "pyexim"


def replay_unavailable(*, as_exim_user: bool = False) -> str | None:
    """Why the replay cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root"
    if not REPLAY.exists() or shutil.which("unshare") is None:
        return "no replayer (../shared/exim-tests) or no unshare"
    if not as_exim_user:
        return None if PYEXIM.exists() else "no pyexim script in this environment"
    if _interpreter() is None:
        return "no Python that Debian-exim may run"
    if not _world_runnable(PROJECT / "pyexim" / "__init__.py", stat.S_IROTH):
        return "the checkout is not readable by Debian-exim"
    return None


def needs_replay(*, as_exim_user: bool = False) -> pytest.MarkDecorator:
    """Skip a test when the replay cannot run here, saying why."""
    reason = replay_unavailable(as_exim_user=as_exim_user)
    return pytest.mark.skipif(reason is not None, reason=str(reason))


def replay(*tests: str, as_exim_user: bool = False, cache_dir: Path | None = None,
           timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run run_replay.sh on *tests* with the first 20 lines of each diff shown.

    pyexim's configuration cache goes to *cache_dir*, or is off when it is None. Returns
    the finished process (text output); its exit status is 0 only when every test passed.
    """
    env = dict(os.environ)
    if cache_dir is None:
        env["PYEXIM_NO_CACHE"] = "1"
    else:
        env["XDG_CACHE_HOME"] = str(cache_dir)
    args = ["--testdir", str(TESTDIR), "--show-diff", "20", *tests]
    if not as_exim_user:
        return _run([str(REPLAY), "--exim", str(PYEXIM), "--user", "root", *args], env, timeout)
    # Not under pytest's own temporary root: any pytest session starting meanwhile
    # makes that 0700 again, and the replayer runs pyexim as Debian-exim.
    with tempfile.TemporaryDirectory(prefix="pyexim-replay-") as name:
        launcher = _launcher(Path(name))
        return _run([str(REPLAY), "--exim", str(launcher), *args], env, timeout)


def _run(command: list[str], env: dict[str, str],
         timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def _world_runnable(path: Path, mode: int = stat.S_IXOTH) -> bool:
    """Whether another user (the replayer runs tests as Debian-exim) can use *path*."""
    path = path.resolve()
    if not path.exists() or not path.stat().st_mode & mode:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


def _interpreter() -> str | None:
    """A Python of this version that Debian-exim may run (the venv's may sit under /root)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, f"/usr/bin/python{version}",
                      f"/usr/local/bin/python{version}"):
        if _world_runnable(Path(candidate)):
            return candidate
    return None


def _launcher(directory: Path) -> Path:
    """A pyexim command Debian-exim can run: this checkout and this environment's packages."""
    site_packages = sysconfig.get_paths()["purelib"]
    code = ("import site, sys; "
            f"site.addsitedir({site_packages!r}); sys.path.insert(0, {str(PROJECT)!r}); "
            "from pyexim.cli.main import main; sys.exit(main(['pyexim'] + sys.argv[1:]))")
    launcher = directory / "pyexim"
    launcher.write_text(f"#!/bin/sh\nexec {_interpreter()} -c \"{code}\" \"$@\"\n")
    launcher.chmod(0o755)
    directory.chmod(0o755)
    return launcher
