"""``pyexim -bp`` and friends, run as an administrator runs them, against Exim's goldens."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyexim.spool.store import Spool
from tests.conftest import run_pyexim
from tests.spool.crafted import write_crafted_spool

GOLDEN = json.loads((Path(__file__).parent.parent / "spool" / "golden" / "crafted-bp.json")
                    .read_text())


def configure(tmp_path: Path, extra: str = "") -> Path:
    spool = tmp_path / "spool"
    (spool / "input").mkdir(parents=True, exist_ok=True)
    conf = tmp_path / "exim.conf"
    conf.write_text(f"spool_directory = {spool}\nprimary_hostname = test.example\n{extra}")
    return conf


def rename_ids(text: str, golden_ids: list[str], ids: list[str]) -> str:
    for old, new in zip(golden_ids, ids):
        text = text.replace(old, new)
    return text


def test_listing_matches_exim_for_the_same_spool(tmp_path: Path) -> None:
    """The crafted spool, written for "now", listed by the CLI: Exim's text, ids aside.

    Ages depend on the second the listing runs in, so the spool is written for a
    second just ahead and the four listings start together at its beginning.
    """
    conf = configure(tmp_path)
    golden_ids = write_crafted_spool(Spool(str(tmp_path / "golden"), fsync=False),
                                     GOLDEN["now"])
    spool_dir = tmp_path / "spool"
    for _ in range(3):
        for path in spool_dir.rglob("*"):
            if path.is_file():
                path.unlink()
        now = int(time.time()) + 2
        ids = write_crafted_spool(Spool(str(spool_dir), fsync=False), now)
        time.sleep(max(0.0, now - time.time()))
        running = {form: subprocess.Popen([sys.executable, "-m", "pyexim", "-C", str(conf), form],
                                          stdout=subprocess.PIPE)
                   for form in GOLDEN["outputs"]}
        outputs = {form: process.communicate()[0].decode("utf-8", "surrogateescape")
                   for form, process in running.items()}
        if int(time.time()) == now:
            break
    else:
        pytest.skip("machine too slow to list within one second")
    for form, expected in GOLDEN["outputs"].items():
        assert outputs[form] == rename_ids(expected, golden_ids, ids), form


def test_listing_named_messages(tmp_path: Path) -> None:
    conf = configure(tmp_path)
    ids = write_crafted_spool(Spool(str(tmp_path / "spool"), fsync=False), int(time.time()))
    result = run_pyexim("-C", str(conf), "-bp", ids[0], "1xAAAA-000000-00")
    text = result.stdout.decode()
    assert result.returncode == 0
    assert text.count(ids[0]) == 1 and ids[1] not in text
    assert "1xAAAA-000000-00\n    *** spool read error: No such file or directory ***\n\n" in text


def test_empty_queue_and_count(tmp_path: Path) -> None:
    conf = configure(tmp_path)
    assert run_pyexim("-C", str(conf), "-bp").stdout == b""
    assert run_pyexim("-C", str(conf), "-bpc").stdout == b"0\n"


def test_config_error_is_reported(tmp_path: Path) -> None:
    conf = configure(tmp_path, "no_such_option = 1\n")
    result = run_pyexim("-C", str(conf), "-bp")
    assert result.returncode == 1
    assert b"pyexim configuration error in line 3 of" in result.stderr
    assert b'main option "no_such_option" unknown' in result.stderr
