"""What the quick commands import: the modules that made ``pyexim -bt`` slow stay off it.

Start-up time is measured in bench/ (route.py, config_load.py), never here; these tests
only pin down the import set, so that a module-level ``import re`` or a dataclass
slipping back onto the path fails a test instead of quietly costing milliseconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "configs" / "debian-internet.conf"

# Each of these cost -bt between half a millisecond and 11 ms to import.
KEPT_OFF = ("dataclasses", "inspect", "typing", "re", "enum", "importlib", "pickle", "random",
            "base64", "string", "lark", "pyexim.config.main_options", "pyexim.routers.dnslookup")

_REPORT = ("import sys\nfrom pyexim.cli.main import main\nmain(['pyexim'] + sys.argv[1:])\n"
           "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n")


def _imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules a run of pyexim *args* has loaded when it ends.

    The first run fills the configuration cache. The second, the one reported, runs
    without site-packages (-S), pyexim coming straight from this checkout: an editable
    install's import hook would otherwise load re and importlib before pyexim starts.
    """
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("PYEXIM_NO_CACHE", None)
    subprocess.run([sys.executable, "-c", _REPORT, *args], capture_output=True, env=env,
                   timeout=120, check=False)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    result = subprocess.run([sys.executable, "-S", "-c", _REPORT, *args], capture_output=True,
                            env=env, timeout=120, check=False)
    return set(result.stderr.decode().splitlines()[-1].split())


@pytest.mark.skipif(not CONFIG.exists(), reason="../shared/corpus is not available")
@pytest.mark.parametrize("args", [
    ("-bt", "root@localhost", "postmaster@localhost", "nosuchuser@localhost"),
    ("-bV",),
    ("-bP",),
], ids=" ".join)
def test_quick_commands_keep_slow_imports_off(tmp_path: Path, args: tuple[str, ...]) -> None:
    imported = _imported(tmp_path, "-C", str(CONFIG), *args)
    assert "pyexim.cli.main" in imported  # the report really ran
    assert sorted(imported.intersection(KEPT_OFF)) == []
