"""pyexim's -be output against real Exim's, case by case (goldens from generate_goldens.py).

Each case runs in-process exactly as ``pyexim -C golden.conf -DDATA=... -be`` would run
it with the case typed at the prompt, and the whole standard output must be Exim's.
"""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from pyexim.cli.args import parse_args
from pyexim.cli.common import read_input_line
from pyexim.cli.expansion_test import LineTester, load_message, prepare

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CONFIG = HERE / "golden.conf"


def load_goldens(name: str) -> list[dict[str, str]]:
    path = HERE / "golden" / name
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


@lru_cache(maxsize=1)
def golden_config() -> Any:
    from pyexim.config import load_config
    return load_config(str(CONFIG), [("DATA", str(DATA))])


def run_be(case: str, with_message: bool = False) -> str:
    """The stdout of -be for *case* typed at the prompt, paths normalised as the goldens."""
    argv = ["pyexim", "-C", str(CONFIG), f"-DDATA={DATA}", "-be"]
    invocation = parse_args(argv)
    config = golden_config()
    ctx = prepare(config, invocation, str(CONFIG))
    if with_message:
        assert load_message(ctx, config, str(DATA / "message.eml")) == 0
    out = io.BytesIO()
    tester = LineTester(config.macro_table(), ctx, out)
    stdin = io.BytesIO(case.encode("utf-8") + b"\n")
    while (line := read_input_line(stdin, out)) is not None:
        tester.test(line)
    text = out.getvalue().decode("latin-1")
    return text.replace(str(DATA), "DATA").replace(str(HERE), "GOLDEN")


CASES = load_goldens("expected.jsonl")
MESSAGE_CASES = load_goldens("message_expected.jsonl")


def test_enough_goldens() -> None:
    assert len(CASES) + len(MESSAGE_CASES) >= 400


@pytest.mark.parametrize("golden", CASES, ids=[g["case"][:60] for g in CASES])
def test_expansion_matches_exim(golden: dict[str, str]) -> None:
    assert run_be(golden["case"]) == golden["stdout"]


@pytest.mark.parametrize("golden", MESSAGE_CASES, ids=[g["case"][:60] for g in MESSAGE_CASES])
def test_message_expansion_matches_exim(golden: dict[str, str]) -> None:
    assert run_be(golden["case"], with_message=True) == golden["stdout"]
