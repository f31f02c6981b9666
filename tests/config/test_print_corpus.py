"""``pyexim -C F -bP`` and ``-bP router_list transport_list authenticator_list`` on the real-world corpus.

The gold files (../shared/corpus/configs/gold and shimmed/gold) are real Exim
4.96's output on a host called "vm"; the host name is the only thing normalised.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.cli.main import main
from pyexim.config.main_options import default_hostname

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "configs"


def _gold_cases() -> list[tuple[str, Path, Path]]:
    cases = []
    for gold_dir, conf_dir in ((CORPUS / "gold", CORPUS), (CORPUS / "shimmed" / "gold",
                                                           CORPUS / "shimmed")):
        for gold in sorted(gold_dir.glob("*.bP-main.txt")):
            name = gold.name[:-len(".bP-main.txt")]
            cases.append((name, conf_dir / f"{name}.conf", gold_dir))
    return cases


CASES = _gold_cases() if CORPUS.exists() else []

# Defaults derived from the host name; the gold was made on "vm".
_HOST_LINES = ("primary_hostname = ", "qualify_domain = ", "qualify_recipient = ")


def _normalise(text: str) -> str:
    host = default_hostname()
    lines = []
    for line in text.split("\n"):
        if line.startswith(_HOST_LINES) and line.endswith(f"= {host}"):
            line = line[:-len(host)] + "vm"
        lines.append(line)
    return "\n".join(lines)


def _bp(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, str]:
    status = main(["pyexim", *args])
    captured = capsysbinary.readouterr()
    return status, captured.out.decode("utf-8", "surrogateescape")


def test_the_corpus_is_there() -> None:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not available")
    assert len(CASES) == 22


@pytest.mark.parametrize("name,conf,gold_dir", CASES, ids=[case[0] for case in CASES])
def test_bp_main_matches_exim(name: str, conf: Path, gold_dir: Path,
                              capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    status, out = _bp(capsysbinary, "-C", str(conf), "-bP")
    assert status == 0
    assert _normalise(out) == (gold_dir / f"{name}.bP-main.txt").read_text()


@pytest.mark.parametrize("name,conf,gold_dir", CASES, ids=[case[0] for case in CASES])
def test_bp_driver_lists_match_exim(name: str, conf: Path, gold_dir: Path,
                                    capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    status, out = _bp(capsysbinary, "-C", str(conf), "-bP", "router_list", "transport_list",
                      "authenticator_list")
    assert status == 0
    assert out == (gold_dir / f"{name}.bP-drivers.txt").read_text()
